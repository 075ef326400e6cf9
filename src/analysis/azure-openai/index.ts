export { AzureOpenAIAnalyzer, parseCompletion, type AzureOpenAIAnalyzerOptions } from './azure-openai-analyzer.js';
export { AnalyzerUnavailableError, isAnalyzerUnavailable, type AnalyzerUnavailableCode } from './errors.js';
export { CircuitBreaker, type BreakerOptions, type BreakerState } from './breaker.js';
export { SYSTEM_PROMPT, ANALYSIS_JSON_SCHEMA, RESPONSE_FORMAT, formatWindow } from './prompt.js';
