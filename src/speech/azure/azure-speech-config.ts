/**
 * Options of the Azure Speech adapter and their validation. Exactly one credential (a key, or an
 * Entra ID token provider) and exactly one location (a region, or an endpoint URL with a path:
 * an endpoint with an empty path makes the SDK first fetch a redirect from a public host).
 */
import type { Logger } from '../../log.js';
import { AzureSpeechConfigError } from './azure-speech-errors.js';

export interface AzureSpeechOptions {
  /** Speech resource key. Never logged. */
  key?: string;
  /**
   * Entra ID: returns a fresh authorization token, asked for before every (re)connection. With a
   * region it must be in the SDK's `aad#<resourceId>#<token>` form; with a custom-domain endpoint
   * a plain bearer token.
   */
  token?: () => Promise<string>;
  /** Azure region, e.g. westeurope. */
  region?: string;
  /** ws(s)://host[:port]/path, e.g. wss://x.cognitiveservices.azure.com/speech/recognition/conversation/cognitiveservices/v1. */
  endpoint?: string;
  /** Default BCP 47 language; RecognizerStartOptions.language overrides it per stream. */
  language: string;
  /** Phrases that bias recognition (PhraseListGrammar), e.g. the scam KEYPHRASES. */
  phraseList: string[];
  logger: Logger;
  /**
   * Audio the SDK sends unthrottled before pacing to 2× real time (SDK default 5000 ms). Tests
   * raise it to feed audio faster than real time; production leaves it alone.
   */
  transmitAheadMs?: number;
  /** Frames held while the connection is down or (re)starting; beyond this they are dropped. Default 50 (1 s). */
  maxQueuedFrames?: number;
  /** Consecutive failed (re)connections before onError. Default 5. */
  maxReconnectAttempts?: number;
  /** First reconnect delay, doubled per failure up to 5 s. Default 250 ms. */
  reconnectBaseMs?: number;
  /** How long start() waits for the service to connect. Default 10 s. */
  connectTimeoutMs?: number;
}

/** Options after validation, defaults applied. */
export interface ResolvedAzureSpeechOptions {
  credential: { kind: 'key'; key: string } | { kind: 'token'; token: () => Promise<string> };
  location: { kind: 'region'; region: string } | { kind: 'endpoint'; endpoint: URL };
  language: string;
  phraseList: string[];
  logger: Logger;
  transmitAheadMs?: number;
  maxQueuedFrames: number;
  maxReconnectAttempts: number;
  reconnectBaseMs: number;
  connectTimeoutMs: number;
}

const LANGUAGE_RE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const REGION_RE = /^[a-z0-9]+$/;

export function validateLanguage(language: string): string {
  if (!LANGUAGE_RE.test(language)) {
    throw new AzureSpeechConfigError('AZURE_SPEECH_BAD_LANGUAGE', `language must be a BCP 47 tag like en-US, got "${language}"`);
  }
  return language;
}

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new AzureSpeechConfigError('AZURE_SPEECH_BAD_OPTION', `${name} must be an integer >= ${min}`);
  }
  return value;
}

export function resolveAzureSpeechOptions(opts: AzureSpeechOptions): ResolvedAzureSpeechOptions {
  const hasKey = typeof opts.key === 'string' && opts.key.length > 0;
  const hasToken = typeof opts.token === 'function';
  if (!hasKey && !hasToken) {
    throw new AzureSpeechConfigError('AZURE_SPEECH_NO_CREDENTIALS', 'Azure Speech needs a key or an Entra ID token provider');
  }
  if (hasKey && hasToken) {
    throw new AzureSpeechConfigError('AZURE_SPEECH_TWO_CREDENTIALS', 'give either an Azure Speech key or a token provider, not both');
  }
  const hasRegion = typeof opts.region === 'string' && opts.region.length > 0;
  const hasEndpoint = typeof opts.endpoint === 'string' && opts.endpoint.length > 0;
  if (!hasRegion && !hasEndpoint) {
    throw new AzureSpeechConfigError('AZURE_SPEECH_NO_LOCATION', 'Azure Speech needs a region or an endpoint');
  }
  if (hasRegion && hasEndpoint) {
    throw new AzureSpeechConfigError('AZURE_SPEECH_TWO_LOCATIONS', 'give either an Azure Speech region or an endpoint, not both');
  }
  let location: ResolvedAzureSpeechOptions['location'];
  if (hasEndpoint) {
    let url: URL;
    try {
      url = new URL(opts.endpoint!);
    } catch {
      // The endpoint may carry a key in its query: never echo it.
      throw new AzureSpeechConfigError('AZURE_SPEECH_BAD_ENDPOINT', 'Azure Speech endpoint is not a URL');
    }
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
      throw new AzureSpeechConfigError('AZURE_SPEECH_BAD_ENDPOINT', 'Azure Speech endpoint must be ws:// or wss://');
    }
    if (url.pathname === '' || url.pathname === '/') {
      throw new AzureSpeechConfigError(
        'AZURE_SPEECH_BAD_ENDPOINT',
        'Azure Speech endpoint needs a path (e.g. /speech/recognition/conversation/cognitiveservices/v1); without one the SDK fetches a redirect from a public host',
      );
    }
    location = { kind: 'endpoint', endpoint: url };
  } else {
    const region = opts.region!.trim().toLowerCase();
    if (!REGION_RE.test(region)) {
      throw new AzureSpeechConfigError('AZURE_SPEECH_BAD_REGION', 'Azure Speech region must be a name like westeurope');
    }
    location = { kind: 'region', region };
  }
  if (!Array.isArray(opts.phraseList) || opts.phraseList.some((p) => typeof p !== 'string' || p.trim() === '')) {
    throw new AzureSpeechConfigError('AZURE_SPEECH_BAD_OPTION', 'phraseList must be a list of non-empty strings');
  }
  if (!opts.logger) throw new AzureSpeechConfigError('AZURE_SPEECH_BAD_OPTION', 'a logger is required');
  const resolved: ResolvedAzureSpeechOptions = {
    credential: hasKey ? { kind: 'key', key: opts.key! } : { kind: 'token', token: opts.token! },
    location,
    language: validateLanguage(opts.language),
    phraseList: [...new Set(opts.phraseList.map((p) => p.trim()))],
    logger: opts.logger,
    maxQueuedFrames: positiveInt('maxQueuedFrames', opts.maxQueuedFrames, 50),
    maxReconnectAttempts: positiveInt('maxReconnectAttempts', opts.maxReconnectAttempts, 5),
    reconnectBaseMs: positiveInt('reconnectBaseMs', opts.reconnectBaseMs, 250),
    connectTimeoutMs: positiveInt('connectTimeoutMs', opts.connectTimeoutMs, 10_000),
  };
  if (opts.transmitAheadMs !== undefined) {
    resolved.transmitAheadMs = positiveInt('transmitAheadMs', opts.transmitAheadMs, 5000, 0);
  }
  return resolved;
}

/** Where the adapter connects, safe to log: host and path only, never the query (which may hold a key). */
export function describeLocation(location: ResolvedAzureSpeechOptions['location']): string {
  return location.kind === 'region' ? `region ${location.region}` : `${location.endpoint.host}${location.endpoint.pathname}`;
}
