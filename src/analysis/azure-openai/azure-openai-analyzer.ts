/**
 * The Azure OpenAI analyzer: asks a chat-completions deployment for a structured judgement
 * (response_format json_schema, strict) of the speaker-labelled window and validates the answer.
 *
 * Failure contract (deliberately stricter than the port's "never rejects"): when no valid judgement
 * can be had — timeout, 429, 5xx, auth/HTTP/network error, malformed or schema-violating answer,
 * breaker open, per-call token budget spent, caller abort — `analyze()`/`analyzeFor()` REJECT with
 * `AnalyzerUnavailableError` (see `code`). They never resolve with an unvalidated model answer.
 * Use it behind `ChainAnalyzer`, which turns that rejection into "the local result stands"; that
 * pair is what satisfies the port's never-rejects contract.
 *
 * Resilience: `maxRetries: 0` (the call is live: a late answer is useless, the chain falls back),
 * a per-request timeout (`timeoutMs`), the caller's AbortSignal, and a consecutive-failure circuit
 * breaker (see breaker.ts). Token budget: `analyzeFor(callId, …)` adds each answer's
 * `usage.total_tokens` to that call's tally and refuses (code 'budget-exhausted', no request) once
 * the tally reaches `maxTokensPerCall`; `endCall(callId)` forgets the tally. `analyze()` has no
 * call id and so no budget.
 *
 * Logging: codes, HTTP status, durations, token counts and the call id only — never transcript
 * text, prompts, model output or the key.
 */
import { AzureOpenAI, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import type { Analysis, AnalysisInput, Analyzer } from '../types.js';
import { CircuitBreaker, type BreakerOptions, type BreakerState } from './breaker.js';
import { AnalyzerUnavailableError } from './errors.js';
import { ModelAnswer, RESPONSE_FORMAT, SYSTEM_PROMPT, formatWindow } from './prompt.js';

export interface AzureOpenAIAnalyzerOptions {
  /** e.g. https://my-resource.openai.azure.com/ (tests: http://127.0.0.1:PORT). */
  endpoint: string;
  /** The chat-completions model deployment name. */
  deployment: string;
  /** e.g. 2024-10-21 (json_schema structured outputs need 2024-08-01-preview or later). */
  apiVersion: string;
  /** Key auth (sent as `api-key`). Give this or `azureADTokenProvider`. */
  apiKey?: string;
  /** Microsoft Entra ID auth (sent as `Authorization: Bearer`), e.g. from @azure/identity's getBearerTokenProvider. */
  azureADTokenProvider?: () => Promise<string>;
  /** Per-request timeout. Default 3000 ms. */
  timeoutMs?: number;
  /** Token budget per call id (sum of usage.total_tokens). Default: unlimited. */
  maxTokensPerCall?: number;
  /** Default { failures: 3, openMs: 30000 }. */
  breaker?: BreakerOptions;
  /** Optional cap on the answer length (sent as max_completion_tokens). */
  maxCompletionTokens?: number;
  /** Calls whose budget tally is kept at most (oldest forgotten first). Default 10 000. */
  maxTrackedCalls?: number;
  logger?: Logger;
}

export class AzureOpenAIAnalyzer implements Analyzer {
  readonly name = 'azure-openai' as const;
  private readonly client: AzureOpenAI;
  private readonly deployment: string;
  private readonly timeoutMs: number;
  private readonly maxTokensPerCall: number;
  private readonly maxCompletionTokens: number | undefined;
  private readonly maxTrackedCalls: number;
  private readonly breaker: CircuitBreaker;
  private readonly log: Logger;
  private readonly spent = new Map<string, number>();

  constructor(opts: AzureOpenAIAnalyzerOptions) {
    if (!opts.apiKey && !opts.azureADTokenProvider) {
      throw new Error('AzureOpenAIAnalyzer needs apiKey or azureADTokenProvider');
    }
    if (opts.apiKey && opts.azureADTokenProvider) {
      throw new Error('AzureOpenAIAnalyzer: give apiKey or azureADTokenProvider, not both');
    }
    this.deployment = opts.deployment;
    this.timeoutMs = opts.timeoutMs ?? 3000;
    this.maxTokensPerCall = opts.maxTokensPerCall ?? Number.POSITIVE_INFINITY;
    this.maxCompletionTokens = opts.maxCompletionTokens;
    this.maxTrackedCalls = opts.maxTrackedCalls ?? 10_000;
    this.breaker = new CircuitBreaker(opts.breaker);
    this.log = (opts.logger ?? silentLogger()).child({ component: 'analyzer', analyzer: 'azure-openai' });
    this.client = new AzureOpenAI({
      endpoint: opts.endpoint,
      deployment: opts.deployment,
      apiVersion: opts.apiVersion,
      ...(opts.apiKey ? { apiKey: opts.apiKey } : { azureADTokenProvider: opts.azureADTokenProvider }),
      maxRetries: 0,
      timeout: this.timeoutMs,
    });
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /** Tokens used so far by a call (0 when unknown). */
  tokensUsed(callId: string): number {
    return this.spent.get(callId) ?? 0;
  }

  /** Forgets a call's token tally (call ended). */
  endCall(callId: string): void {
    this.spent.delete(callId);
  }

  /** No call id, so no token budget. Rejects with AnalyzerUnavailableError on any failure. */
  analyze(input: AnalysisInput, signal?: AbortSignal): Promise<Analysis> {
    return this.run(undefined, input, signal);
  }

  /** Like analyze(), counting tokens against `callId`'s budget. */
  analyzeFor(callId: string, input: AnalysisInput, signal?: AbortSignal): Promise<Analysis> {
    return this.run(callId, input, signal);
  }

  async close(): Promise<void> {
    this.spent.clear();
  }

  private async run(callId: string | undefined, input: AnalysisInput, signal?: AbortSignal): Promise<Analysis> {
    if (signal?.aborted) throw new AnalyzerUnavailableError('aborted', 'aborted by caller', { cause: signal.reason });
    if (callId !== undefined && this.tokensUsed(callId) >= this.maxTokensPerCall) {
      this.log.debug({ callId, code: 'budget-exhausted', tokens: this.tokensUsed(callId) }, 'llm skipped');
      throw new AnalyzerUnavailableError('budget-exhausted', 'token budget for this call is spent');
    }
    const admission = this.breaker.admit();
    if (!admission.ok) {
      const code = admission.reason === 'backoff' ? 'rate-limited' : 'circuit-open';
      this.log.debug({ callId, code, retryInMs: admission.retryInMs }, 'llm skipped');
      throw new AnalyzerUnavailableError(code, `azure openai unavailable (${admission.reason})`, {
        retryAfterMs: admission.retryInMs,
      });
    }

    const started = Date.now();
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let completion: ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(
        {
          model: this.deployment,
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: formatWindow(input) },
          ],
          response_format: RESPONSE_FORMAT,
          temperature: 0,
          ...(this.maxCompletionTokens ? { max_completion_tokens: this.maxCompletionTokens } : {}),
        },
        { signal: combined, timeout: this.timeoutMs, maxRetries: 0 },
      );
    } catch (err) {
      const failure = this.classify(err, signal, timeout);
      this.settle(failure, callId, started);
      throw failure;
    }

    if (callId !== undefined) this.charge(callId, completion);
    let result: Analysis;
    try {
      result = parseCompletion(completion);
    } catch (err) {
      const failure =
        err instanceof AnalyzerUnavailableError
          ? err
          : new AnalyzerUnavailableError('malformed', 'answer is not valid analysis JSON');
      this.settle(failure, callId, started);
      throw failure;
    }
    this.breaker.success();
    this.log.debug(
      { callId, ms: Date.now() - started, tokens: completion.usage?.total_tokens, level: result.level },
      'llm analysis',
    );
    return result;
  }

  private settle(failure: AnalyzerUnavailableError, callId: string | undefined, started: number): void {
    if (failure.code === 'aborted') {
      this.breaker.release();
    } else {
      this.breaker.failure(failure.code === 'rate-limited' ? failure.retryAfterMs : undefined);
    }
    this.log.warn(
      {
        callId,
        code: failure.code,
        status: failure.status,
        ms: Date.now() - started,
        breaker: this.breaker.state,
        consecutiveFailures: this.breaker.consecutiveFailures,
      },
      'llm analysis failed',
    );
  }

  private charge(callId: string, completion: ChatCompletion): void {
    const used = completion.usage?.total_tokens ?? 0;
    const prev = this.spent.get(callId) ?? 0;
    this.spent.delete(callId); // re-insert: Map order = least recently used first
    this.spent.set(callId, prev + used);
    while (this.spent.size > this.maxTrackedCalls) {
      const oldest = this.spent.keys().next().value;
      if (oldest === undefined) break;
      this.spent.delete(oldest);
    }
  }

  private classify(err: unknown, signal: AbortSignal | undefined, timeout: AbortSignal): AnalyzerUnavailableError {
    if (signal?.aborted) return new AnalyzerUnavailableError('aborted', 'aborted by caller', { cause: err });
    if (err instanceof APIConnectionTimeoutError || (timeout.aborted && err instanceof APIUserAbortError)) {
      return new AnalyzerUnavailableError('timeout', `no answer within ${this.timeoutMs} ms`);
    }
    if (err instanceof APIUserAbortError) return new AnalyzerUnavailableError('aborted', 'request aborted');
    if (err instanceof APIError && typeof err.status === 'number') {
      const status = err.status;
      if (status === 429) {
        return new AnalyzerUnavailableError('rate-limited', 'azure openai throttled the request (429)', {
          status,
          retryAfterMs: retryAfterMs(err.headers),
        });
      }
      if (status >= 500) return new AnalyzerUnavailableError('server-error', `azure openai answered ${status}`, { status });
      if (status === 401 || status === 403) {
        return new AnalyzerUnavailableError('auth', `azure openai refused the credentials (${status})`, { status });
      }
      return new AnalyzerUnavailableError('http-error', `azure openai answered ${status}`, { status });
    }
    if (err instanceof APIError) return new AnalyzerUnavailableError('network', 'could not reach azure openai');
    // JSON parse failures of the HTTP body surface as plain errors from the SDK.
    return new AnalyzerUnavailableError('malformed', 'unexpected response from azure openai');
  }
}

/** Validates a chat.completion into an Analysis; throws AnalyzerUnavailableError('malformed'). */
export function parseCompletion(completion: ChatCompletion): Analysis {
  const choice = completion.choices?.[0];
  const content = choice?.message?.content;
  if (!choice || typeof content !== 'string' || content.length === 0) {
    throw new AnalyzerUnavailableError('malformed', 'answer has no content (refusal or content filter?)');
  }
  if (choice.finish_reason !== 'stop') {
    throw new AnalyzerUnavailableError('malformed', `answer did not finish (${choice.finish_reason})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw new AnalyzerUnavailableError('malformed', 'answer is not JSON');
  }
  const parsed = ModelAnswer.safeParse(json);
  if (!parsed.success) throw new AnalyzerUnavailableError('malformed', 'answer does not match the schema');
  const a = parsed.data;
  return {
    score: a.score,
    level: a.level,
    category: a.category,
    tactics: [...new Set(a.tactics)],
    explanation: a.explanation,
    analyzer: 'azure-openai',
  };
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const secs = Number(raw);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}
