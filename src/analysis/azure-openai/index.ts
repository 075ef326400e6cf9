export { AzureOpenAIAnalyzer, type AzureOpenAIAnalyzerOptions } from './azure-openai-analyzer.js';
export { isCompletionFiltered, isPromptFiltered, type AzurePromptFilteredError } from './content-filter.js';
// The shared LLM parts, re-exported where they used to live.
export {
  parseCompletion,
  AnalyzerUnavailableError,
  isAnalyzerUnavailable,
  type AnalyzerUnavailableCode,
  CircuitBreaker,
  type BreakerOptions,
  type BreakerState,
  SYSTEM_PROMPT,
  ANALYSIS_JSON_SCHEMA,
  RESPONSE_FORMAT,
  formatWindow,
} from '../llm/index.js';
