export { OpenAIAnalyzer, type OpenAIAnalyzerOptions } from './openai-analyzer.js';
