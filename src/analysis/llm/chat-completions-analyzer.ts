/**
 * An LLM judge over any chat-completions API the `openai` client can talk to: Azure OpenAI
 * (`AzureOpenAI`, which extends `OpenAI`) or an OpenAI-compatible server on site (vLLM, Ollama,
 * llama.cpp's server, LM Studio). The adapters in ../azure-openai and ../openai only build the client.
 *
 * Failure contract (deliberately stricter than the port's "never rejects"): when no valid judgement
 * can be had — timeout, 429, 5xx, auth/HTTP/network error, content filter, malformed or
 * schema-violating answer, breaker open, per-call token budget spent, caller abort — `analyze()` /
 * `analyzeFor()` REJECT with `AnalyzerUnavailableError` (see `code`). They never resolve with an
 * unvalidated model answer. Use it behind `ChainAnalyzer`, which turns that rejection into "the local
 * result stands"; that pair is what satisfies the port's never-rejects contract.
 *
 * Answer format: json_schema (strict) first. With `jsonModeFallback`, a server that refuses it (HTTP
 * 400) is asked again at once in JSON mode (`json_object`, the schema spelled out in the system
 * prompt), and one that ignores it (prose or a fenced object) has the first balanced JSON object taken
 * from its answer; either way this instance remembers and asks in JSON mode from then on. The same
 * zod schema validates every answer.
 *
 * Resilience: `maxRetries: 0` (the call is live: a late answer is useless, the chain falls back), one
 * deadline (`timeoutMs`) per analysis covering a JSON-mode retry too, the caller's AbortSignal, and a
 * consecutive-failure circuit breaker (breaker.ts). A content-filter refusal is an answer, not an
 * outage: it does not count against the breaker, and is counted in `llmStats()`. Token budget:
 * `analyzeFor(callId, …)` adds each answer's `usage.total_tokens` to that call's tally and refuses
 * (code 'budget-exhausted', no request) once it reaches `maxTokensPerCall`; `endCall(callId)` forgets
 * it. `analyze()` has no call id and so no budget.
 *
 * Logging: codes, HTTP status, durations, token counts and the call id only — never transcript
 * text, prompts, model output or the key.
 */
import { APIConnectionTimeoutError, APIError, APIUserAbortError, type OpenAI } from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import type { Analysis, AnalysisInput, Analyzer, LlmAnalyzerName, LlmStats } from '../types.js';
import { answerContent, extractJsonObject, isJsonObject, strictJson, toAnalysis } from './answer.js';
import { CircuitBreaker, type BreakerOptions, type BreakerState } from './breaker.js';
import { AnalyzerUnavailableError } from './errors.js';
import { JSON_MODE_SYSTEM_PROMPT, JSON_OBJECT_FORMAT, RESPONSE_FORMAT, SYSTEM_PROMPT, formatWindow } from './prompt.js';

/** Provider-specific content-filter shapes (Azure's), recognised in an error or a completion. */
export interface ContentFilterDetector {
  promptRefused(err: APIError): boolean;
  completionFiltered(completion: ChatCompletion): boolean;
}

/** What both adapters take besides how to reach the server. */
export interface ChatJudgeTuning {
  /** Per-analysis deadline. Default 3000 ms. */
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

export interface ChatJudgeOptions<N extends LlmAnalyzerName> extends ChatJudgeTuning {
  name: N;
  /** Built with `maxRetries: 0`; retries would only make a live answer late. */
  client: OpenAI;
  /** Model (OpenAI-compatible) or deployment (Azure) name. */
  model: string;
  /** Who answered, as error messages say it ("azure openai"). */
  label: string;
  /** Fall back to JSON mode when the server refuses or ignores json_schema. Default false. */
  jsonModeFallback?: boolean;
  contentFilter?: ContentFilterDetector;
}

type AnswerMode = 'json_schema' | 'json_object';

export class ChatCompletionsAnalyzer<N extends LlmAnalyzerName> implements Analyzer {
  readonly name: N;
  private readonly client: OpenAI;
  private readonly model: string;
  private readonly label: string;
  private readonly timeoutMs: number;
  private readonly maxTokensPerCall: number;
  private readonly maxCompletionTokens: number | undefined;
  private readonly maxTrackedCalls: number;
  private readonly fallback: boolean;
  private readonly contentFilter: ContentFilterDetector | undefined;
  private readonly breaker: CircuitBreaker;
  private readonly log: Logger;
  private readonly spent = new Map<string, number>();
  private readonly filtered = { prompt: 0, completion: 0 };
  private mode: AnswerMode = 'json_schema';

  constructor(opts: ChatJudgeOptions<N>) {
    this.name = opts.name;
    this.client = opts.client;
    this.model = opts.model;
    this.label = opts.label;
    this.timeoutMs = opts.timeoutMs ?? 3000;
    this.maxTokensPerCall = opts.maxTokensPerCall ?? Number.POSITIVE_INFINITY;
    this.maxCompletionTokens = opts.maxCompletionTokens;
    this.maxTrackedCalls = opts.maxTrackedCalls ?? 10_000;
    this.fallback = opts.jsonModeFallback ?? false;
    this.contentFilter = opts.contentFilter;
    this.breaker = new CircuitBreaker(opts.breaker);
    this.log = (opts.logger ?? silentLogger()).child({ component: 'analyzer', analyzer: opts.name });
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /** 'json_object' once the server has shown it refuses or ignores json_schema. */
  get answerMode(): AnswerMode {
    return this.mode;
  }

  /** Tokens used so far by a call (0 when unknown). */
  tokensUsed(callId: string): number {
    return this.spent.get(callId) ?? 0;
  }

  /** Forgets a call's token tally (call ended). */
  endCall(callId: string): void {
    this.spent.delete(callId);
  }

  llmStats(): LlmStats {
    return { contentFiltered: { ...this.filtered } };
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
      throw new AnalyzerUnavailableError(code, `${this.label} unavailable (${admission.reason})`, {
        retryAfterMs: admission.retryInMs,
      });
    }

    const started = Date.now();
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let result: { analysis: Analysis; tokens: number };
    try {
      result = await this.ask(callId, input, combined, started);
    } catch (err) {
      const failure = err instanceof AnalyzerUnavailableError ? err : this.classify(err, signal, timeout);
      this.settle(failure, callId, started);
      throw failure;
    }
    this.breaker.success();
    this.log.debug({ callId, ms: Date.now() - started, tokens: result.tokens, level: result.analysis.level, mode: this.mode }, 'llm analysis');
    return result.analysis;
  }

  /** One analysis: a request, and one more in JSON mode when the server refused json_schema. */
  private async ask(callId: string | undefined, input: AnalysisInput, signal: AbortSignal, started: number) {
    let mode = this.mode;
    let completion: ChatCompletion;
    try {
      completion = await this.request(mode, input, signal, started);
    } catch (err) {
      if (!(mode === 'json_schema' && this.fallback && this.refusedJsonSchema(err))) throw err;
      mode = 'json_object';
      completion = await this.request(mode, input, signal, started);
      // Remembered only now: a 400 that JSON mode also gets was not about the format.
      this.useJsonMode('json_schema refused');
    }
    if (callId !== undefined) this.charge(callId, completion);
    if (this.contentFilter?.completionFiltered(completion)) {
      throw new AnalyzerUnavailableError('content-filtered', 'the content filter cut the answer');
    }
    const content = answerContent(completion);
    let json = strictJson(content);
    if (!isJsonObject(json)) {
      if (!this.fallback) throw new AnalyzerUnavailableError('malformed', 'answer is not JSON');
      // Prose or a fence around the object: the server ignored response_format.
      if (mode === 'json_schema') this.useJsonMode('json_schema ignored');
      json = extractJsonObject(content);
      if (json === undefined) throw new AnalyzerUnavailableError('malformed', 'answer holds no JSON object');
    }
    return { analysis: toAnalysis(json, this.name), tokens: completion.usage?.total_tokens ?? 0 };
  }

  private request(mode: AnswerMode, input: AnalysisInput, signal: AbortSignal, started: number): Promise<ChatCompletion> {
    const remaining = Math.max(1, this.timeoutMs - (Date.now() - started));
    return this.client.chat.completions.create(
      {
        model: this.model,
        messages: [
          { role: 'system', content: mode === 'json_schema' ? SYSTEM_PROMPT : JSON_MODE_SYSTEM_PROMPT },
          { role: 'user', content: formatWindow(input) },
        ],
        response_format: mode === 'json_schema' ? RESPONSE_FORMAT : JSON_OBJECT_FORMAT,
        temperature: 0,
        ...(this.maxCompletionTokens ? { max_completion_tokens: this.maxCompletionTokens } : {}),
      },
      { signal, timeout: remaining, maxRetries: 0 },
    );
  }

  private refusedJsonSchema(err: unknown): boolean {
    return err instanceof APIError && err.status === 400 && !this.contentFilter?.promptRefused(err);
  }

  private useJsonMode(why: string): void {
    if (this.mode === 'json_object') return;
    this.mode = 'json_object';
    this.log.info({ why }, 'llm server does not honour json_schema: JSON mode from now on');
  }

  private settle(failure: AnalyzerUnavailableError, callId: string | undefined, started: number): void {
    if (failure.code === 'aborted') {
      this.breaker.release();
    } else if (failure.code === 'content-filtered') {
      // The service answered; the content was refused. Count it, keep the breaker closed. A refused
      // prompt is an HTTP error (it has a status); a cut answer came with a 200.
      this.breaker.success();
      this.filtered[failure.status === undefined ? 'completion' : 'prompt']++;
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
      if (this.contentFilter?.promptRefused(err)) {
        return new AnalyzerUnavailableError('content-filtered', `the ${this.label} content filter refused the prompt`, { status });
      }
      if (status === 429) {
        return new AnalyzerUnavailableError('rate-limited', `${this.label} throttled the request (429)`, {
          status,
          retryAfterMs: retryAfterMs(err.headers),
        });
      }
      if (status >= 500) return new AnalyzerUnavailableError('server-error', `${this.label} answered ${status}`, { status });
      if (status === 401 || status === 403) {
        return new AnalyzerUnavailableError('auth', `${this.label} refused the credentials (${status})`, { status });
      }
      return new AnalyzerUnavailableError('http-error', `${this.label} answered ${status}`, { status });
    }
    if (err instanceof APIError) return new AnalyzerUnavailableError('network', `could not reach ${this.label}`);
    // JSON parse failures of the HTTP body surface as plain errors from the SDK.
    return new AnalyzerUnavailableError('malformed', `unexpected response from ${this.label}`);
  }
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
