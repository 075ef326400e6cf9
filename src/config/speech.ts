/** Speech settings: which recognizer, how many at once, the language, the transcript window and Azure Speech's credentials. */
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { orEmpty, positiveInt, type Values } from './parse.js';
import type { Config, Settings } from './types.js';

export const SPEECH_SETTINGS = {
  CALLGUARD_SPEECH: {
    default: 'offline',
    doc: 'Speech recognizer: offline (pocketsphinx, when installed; otherwise none, said once at start), azure, or none.',
    parse: z.enum(['offline', 'azure', 'none']),
  },
  CALLGUARD_SPEECH_MAX: {
    default: '100',
    doc: 'Concurrent recognizers on this node (one per party); beyond it calls are recorded but not transcribed.',
    parse: z.coerce.number().int().min(0),
  },
  CALLGUARD_SPEECH_LANGUAGE: {
    default: 'en-US',
    doc: "Recognition language when the subscriber's locale does not say (BCP 47).",
    parse: z.string().regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'must be a BCP 47 tag such as en-US'),
  },
  CALLGUARD_TRANSCRIPT_SECONDS: { default: '120', doc: 'The transcript window keeps utterances from the last this-many seconds…', parse: positiveInt },
  CALLGUARD_TRANSCRIPT_UTTERANCES: { default: '50', doc: '…and at most this many. Memory only: never persisted or logged.', parse: positiveInt },
  CALLGUARD_AZURE_SPEECH_KEY: { default: '', doc: 'Azure Speech resource key (CALLGUARD_SPEECH=azure). Never logged.', parse: z.string(), secret: true },
  CALLGUARD_AZURE_SPEECH_TOKEN_FILE: {
    default: '',
    doc: 'Entra ID instead of a key: a file holding a current access token (kept fresh by a sidecar or workload identity), read before every connection.',
    parse: z.string(),
  },
  CALLGUARD_AZURE_SPEECH_REGION: {
    default: '',
    doc: 'Azure Speech region, e.g. westeurope (or give an endpoint).',
    parse: z.string().regex(/^[a-z0-9]*$/, 'must be an Azure region name such as westeurope'),
  },
  CALLGUARD_AZURE_SPEECH_ENDPOINT: {
    default: '',
    doc: 'Azure Speech websocket endpoint with its path (private endpoints, tests).',
    parse: orEmpty(z.string().regex(/^wss?:\/\/[^/]+\/.+/, 'must be a ws:// or wss:// URL with a path')),
    // A URL may carry credentials or tokens.
    secret: true,
  },
} as const satisfies Settings;

export function speechConfig(v: Values<typeof SPEECH_SETTINGS>): Config['speech'] {
  if (v.CALLGUARD_SPEECH === 'azure') {
    if (!v.CALLGUARD_AZURE_SPEECH_KEY === !v.CALLGUARD_AZURE_SPEECH_TOKEN_FILE) {
      throw new ConfigError('CALLGUARD_AZURE_SPEECH_KEY', 'or CALLGUARD_AZURE_SPEECH_TOKEN_FILE (exactly one) is required when CALLGUARD_SPEECH=azure');
    }
    if (!v.CALLGUARD_AZURE_SPEECH_REGION && !v.CALLGUARD_AZURE_SPEECH_ENDPOINT) {
      throw new ConfigError('CALLGUARD_AZURE_SPEECH_REGION', 'or CALLGUARD_AZURE_SPEECH_ENDPOINT is required when CALLGUARD_SPEECH=azure');
    }
  }
  return {
    engine: v.CALLGUARD_SPEECH,
    max: v.CALLGUARD_SPEECH_MAX,
    language: v.CALLGUARD_SPEECH_LANGUAGE,
    transcript: { windowMs: v.CALLGUARD_TRANSCRIPT_SECONDS * 1000, maxUtterances: v.CALLGUARD_TRANSCRIPT_UTTERANCES },
    azure: {
      key: v.CALLGUARD_AZURE_SPEECH_KEY,
      tokenFile: v.CALLGUARD_AZURE_SPEECH_TOKEN_FILE,
      region: v.CALLGUARD_AZURE_SPEECH_REGION,
      endpoint: v.CALLGUARD_AZURE_SPEECH_ENDPOINT,
    },
  };
}
