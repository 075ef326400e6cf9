export {
  ChatCompletionsAnalyzer,
  type ChatJudgeOptions,
  type ChatJudgeTuning,
  type ContentFilterDetector,
} from './chat-completions-analyzer.js';
export { parseCompletion, extractJsonObject } from './answer.js';
export { AnalyzerUnavailableError, isAnalyzerUnavailable, type AnalyzerUnavailableCode } from './errors.js';
export { CircuitBreaker, type BreakerOptions, type BreakerState } from './breaker.js';
export { SYSTEM_PROMPT, JSON_MODE_SYSTEM_PROMPT, ANALYSIS_JSON_SCHEMA, RESPONSE_FORMAT, formatWindow } from './prompt.js';
