/**
 * An AI judge the operator runs on site: the shared chat-completions judge (../llm) over openai's
 * `OpenAI` client pointed at any OpenAI-compatible server (vLLM, Ollama, llama.cpp's server, LM
 * Studio). Such servers differ in how they treat json_schema, so JSON mode is the fallback here.
 */
import OpenAI from 'openai';
import { ChatCompletionsAnalyzer, type ChatJudgeTuning } from '../llm/index.js';

export interface OpenAIAnalyzerOptions extends ChatJudgeTuning {
  /** Up to and including the API version path, e.g. http://127.0.0.1:11434/v1 (Ollama). */
  baseURL: string;
  model: string;
  /** Sent as `Authorization: Bearer`; without one no Authorization header is sent at all. */
  apiKey?: string;
}

export class OpenAIAnalyzer extends ChatCompletionsAnalyzer<'openai'> {
  constructor(opts: OpenAIAnalyzerOptions) {
    const { baseURL, model, apiKey, ...tuning } = opts;
    const client = new OpenAI({
      baseURL,
      // The client insists on a key; a keyless local server gets none (the null header drops it).
      apiKey: apiKey || 'unused',
      ...(apiKey ? {} : { defaultHeaders: { Authorization: null } }),
      // Explicit so that OPENAI_ORG_ID / OPENAI_PROJECT_ID in the environment are not sent on site.
      organization: null,
      project: null,
      maxRetries: 0,
    });
    super({ ...tuning, name: 'openai', client, model, label: 'openai-compatible server', jsonModeFallback: true });
  }
}
