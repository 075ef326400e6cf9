/**
 * Why an LLM analyzer (Azure OpenAI or an OpenAI-compatible server) could not produce a judgement.
 * The analyzer rejects with this (never with a half-parsed model answer) so that a caller — normally
 * the ChainAnalyzer — can fall back to the local result. Messages never contain transcript text, prompts, model output or keys.
 */
export type AnalyzerUnavailableCode =
  /** No answer within timeoutMs. */
  | 'timeout'
  /** HTTP 429; `retryAfterMs` when the service said so. */
  | 'rate-limited'
  /** HTTP 5xx. */
  | 'server-error'
  /** 401/403: key, token or RBAC problem. */
  | 'auth'
  /** Any other HTTP error (400, 404 deployment or model not found, ...). */
  | 'http-error'
  /**
   * The provider's content filter refused the prompt (Azure: 400 content_filter) or cut the answer
   * (finish_reason content_filter). Scam calls hold threats and violence, so this is expected traffic,
   * not an outage: it does not count against the breaker.
   */
  | 'content-filtered'
  /** Connection refused/reset, DNS, TLS. */
  | 'network'
  /** The answer was not JSON matching the schema (or was cut off / refused). */
  | 'malformed'
  /** The circuit breaker is open: no request was made. */
  | 'circuit-open'
  /** The call's token budget is spent: no request was made. */
  | 'budget-exhausted'
  /** The caller's AbortSignal fired. */
  | 'aborted';

export class AnalyzerUnavailableError extends Error {
  override readonly name = 'AnalyzerUnavailableError';
  readonly code: AnalyzerUnavailableCode;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    code: AnalyzerUnavailableCode,
    message: string,
    opts: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

export function isAnalyzerUnavailable(err: unknown): err is AnalyzerUnavailableError {
  return err instanceof AnalyzerUnavailableError;
}
