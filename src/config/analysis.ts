/** Analysis settings: which analyzer judges a call, the offline-speech confidence bar, and the LLMs' endpoints and budgets. */
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { orEmpty, positiveInt, type Values } from './parse.js';
import type { Config, Settings } from './types.js';

/** CALLGUARD_ANALYZER's values (and `callguard eval --analyzer`'s). */
export const ANALYZER_NAMES = ['local', 'azure-openai', 'openai', 'chain'] as const;

export const ANALYSIS_SETTINGS = {
  CALLGUARD_SPEECH_MIN_CONFIDENCE: {
    default: '0.6',
    doc: "Local analyzer: the mean posterior (0–1) an offline recognizer's words must have for a tactic heard in them to count on its own; below it the tactic is a hint that needs another caller turn (docs/analysis.md). For a voice the decoder is less sure of, the bar follows the caller's median posterior down (0.7 × median, not below 0.4). Higher: fewer false alarms, later or fewer alerts.",
    parse: z.coerce.number().min(0).max(1),
  },
  CALLGUARD_ANALYZER: {
    default: 'local',
    doc: 'Scam analyzer: local (no network), azure-openai, openai (any OpenAI-compatible chat-completions server: vLLM, Ollama, llama.cpp, LM Studio), or chain (local on every utterance, the LLM of CALLGUARD_CHAIN_LLM from medium risk, and before an alert).',
    parse: z.enum(ANALYZER_NAMES),
  },
  CALLGUARD_AZURE_OPENAI_ENDPOINT: {
    default: '',
    doc: 'Azure OpenAI resource endpoint, e.g. https://my-resource.openai.azure.com/.',
    parse: orEmpty(z.string().regex(/^https?:\/\//, 'must be an http(s) URL')),
    // A URL may carry credentials or tokens.
    secret: true,
  },
  CALLGUARD_AZURE_OPENAI_DEPLOYMENT: { default: '', doc: 'Chat-completions model deployment name.', parse: z.string() },
  CALLGUARD_AZURE_OPENAI_API_VERSION: {
    default: '2024-10-21',
    doc: 'Azure OpenAI API version (json_schema needs 2024-08-01-preview or later).',
    parse: z.string().regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'must look like 2024-10-21'),
  },
  CALLGUARD_AZURE_OPENAI_KEY: { default: '', doc: 'Azure OpenAI key. Never logged.', parse: z.string(), secret: true },
  CALLGUARD_AZURE_OPENAI_TOKEN_FILE: { default: '', doc: 'Entra ID instead of a key: a file holding a current access token, read per request.', parse: z.string() },
  CALLGUARD_AZURE_OPENAI_TIMEOUT_MS: { default: '3000', doc: 'Per-request timeout; on timeout the local result stands.', parse: positiveInt },
  CALLGUARD_AZURE_OPENAI_TOKENS_PER_CALL: { default: '20000', doc: 'Token budget per call; beyond it the LLM is not asked again for that call.', parse: positiveInt },
  CALLGUARD_OPENAI_BASE_URL: {
    default: '',
    doc: 'openai: the server\'s API base, up to its version path, e.g. http://127.0.0.1:11434/v1 (Ollama) or http://127.0.0.1:8000/v1 (vLLM).',
    parse: orEmpty(z.string().regex(/^https?:\/\/[^/\s]+(\/\S*)?$/, 'must be an http(s) URL such as http://127.0.0.1:11434/v1')),
    // A URL may carry credentials or tokens.
    secret: true,
  },
  CALLGUARD_OPENAI_MODEL: { default: '', doc: 'openai: the model name the server knows, e.g. llama3.1:8b.', parse: z.string() },
  CALLGUARD_OPENAI_API_KEY: {
    default: '',
    doc: 'openai: sent as a bearer token; empty sends none (most local servers want none). Never logged.',
    parse: z.string(),
    secret: true,
  },
  CALLGUARD_OPENAI_TIMEOUT_MS: {
    default: '5000',
    doc: 'openai: deadline per analysis (a JSON-mode retry included); on timeout the local result stands.',
    parse: positiveInt,
  },
  CALLGUARD_OPENAI_TOKENS_PER_CALL: {
    default: '20000',
    doc: 'openai: token budget per call; beyond it the LLM is not asked again for that call.',
    parse: positiveInt,
  },
  CALLGUARD_CHAIN_LLM: { default: 'azure-openai', doc: 'chain: which LLM judges the uncertain middle, azure-openai or openai.', parse: z.enum(['azure-openai', 'openai']) },
  CALLGUARD_CHAIN_MIN_INTERVAL: {
    default: '10',
    doc: 'chain: seconds between LLM asks for one call; a local rise to high inside it asks once more before the alert, waiting at most the LLM timeout.',
    parse: z.coerce.number().min(0),
  },
} as const satisfies Settings;

export function analysisConfig(v: Values<typeof ANALYSIS_SETTINGS>): Config['analysis'] {
  // The LLM in use, alone or in a chain: only its keys are required.
  const llm = v.CALLGUARD_ANALYZER === 'chain' ? v.CALLGUARD_CHAIN_LLM : v.CALLGUARD_ANALYZER;
  const why = v.CALLGUARD_ANALYZER === 'chain' ? `CALLGUARD_ANALYZER=chain with CALLGUARD_CHAIN_LLM=${llm}` : `CALLGUARD_ANALYZER=${llm}`;
  if (llm === 'openai') {
    if (!v.CALLGUARD_OPENAI_BASE_URL) throw new ConfigError('CALLGUARD_OPENAI_BASE_URL', `is required when ${why}`);
    if (!v.CALLGUARD_OPENAI_MODEL) throw new ConfigError('CALLGUARD_OPENAI_MODEL', `is required when ${why}`);
  }
  if (llm === 'azure-openai') {
    if (!v.CALLGUARD_AZURE_OPENAI_ENDPOINT) throw new ConfigError('CALLGUARD_AZURE_OPENAI_ENDPOINT', `is required when ${why}`);
    if (!v.CALLGUARD_AZURE_OPENAI_DEPLOYMENT) throw new ConfigError('CALLGUARD_AZURE_OPENAI_DEPLOYMENT', `is required when ${why}`);
    if (!v.CALLGUARD_AZURE_OPENAI_KEY === !v.CALLGUARD_AZURE_OPENAI_TOKEN_FILE) {
      throw new ConfigError('CALLGUARD_AZURE_OPENAI_KEY', 'or CALLGUARD_AZURE_OPENAI_TOKEN_FILE (exactly one) is required for the Azure OpenAI analyzer');
    }
  }
  return {
    analyzer: v.CALLGUARD_ANALYZER,
    minSpeechConfidence: v.CALLGUARD_SPEECH_MIN_CONFIDENCE,
    chainMinIntervalMs: v.CALLGUARD_CHAIN_MIN_INTERVAL * 1000,
    chainLlm: v.CALLGUARD_CHAIN_LLM,
    azureOpenAI: {
      endpoint: v.CALLGUARD_AZURE_OPENAI_ENDPOINT,
      deployment: v.CALLGUARD_AZURE_OPENAI_DEPLOYMENT,
      apiVersion: v.CALLGUARD_AZURE_OPENAI_API_VERSION,
      key: v.CALLGUARD_AZURE_OPENAI_KEY,
      tokenFile: v.CALLGUARD_AZURE_OPENAI_TOKEN_FILE,
      timeoutMs: v.CALLGUARD_AZURE_OPENAI_TIMEOUT_MS,
      tokensPerCall: v.CALLGUARD_AZURE_OPENAI_TOKENS_PER_CALL,
    },
    openAI: {
      baseUrl: v.CALLGUARD_OPENAI_BASE_URL,
      model: v.CALLGUARD_OPENAI_MODEL,
      apiKey: v.CALLGUARD_OPENAI_API_KEY,
      timeoutMs: v.CALLGUARD_OPENAI_TIMEOUT_MS,
      tokensPerCall: v.CALLGUARD_OPENAI_TOKENS_PER_CALL,
    },
  };
}
