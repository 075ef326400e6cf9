/**
 * The chain: the cheap local analyzer settles clear cases and gates the LLM analyzer (Azure OpenAI or
 * an OpenAI-compatible server), which judges the uncertain middle both ways.
 *
 * - The local analyzer runs on every call to analyze()/analyzeFor(). If it rejects, the chain
 *   rejects (a local failure is a bug, not an outage).
 * - The LLM is asked only when the local level ≥ `minLevel` (default 'medium') and at most once per
 *   `minIntervalMs` (default 10 s) per call id. `analyzeFor(callId, …)` keys the rate limit (and,
 *   when the LLM analyzer has `analyzeFor`, its token budget) by call id; `analyze()` uses a single
 *   anonymous key. An attempt counts against the interval whether it succeeds or fails.
 * - LLM failure (any rejection: AnalyzerUnavailableError for timeout/429/5xx/content filter/
 *   malformed/breaker open/budget spent, or anything else) → the local result stands (analyzer
 *   'local'). The chain never rejects because of the LLM, which is what makes it honour the port's
 *   contract.
 * - LLM success → the LLM result stands (analyzer: the LLM's own name), and it MAY be LOWER than the
 *   local level. Decision: the LLM is the precise judge; a higher verdict confirms a likely scam
 *   sooner, a lower one suppresses the detector's false positives on look-alikes (a real bank fraud
 *   desk, debt collection, deliveries, appointments). The escalation policy keeps the risk history.
 * - Between LLM asks (rate-limited), the last LLM verdict for the call keeps standing as long as
 *   the local level has not risen above the local level it overruled. If the local level rises
 *   (new evidence the LLM has not seen):
 *   - to `alertLevel` (default the policy's, 'high'), the LLM is asked anyway, once per interval at
 *     that level, so that it may clear a false alarm BEFORE the SMS goes out. The wait is bounded by
 *     the LLM analyzer's own deadline; if it fails, the local result stands (fail open toward
 *     warning);
 *   - below it, the local result stands until the LLM may be asked again.
 * - If the caller's signal aborts, the chain rejects with the signal's reason.
 *
 * Per-call state is small (times, last verdict) and bounded (`maxTrackedCalls`, oldest first);
 * `endCall(callId)` forgets it (and forwards to the LLM analyzer's endCall when it has one).
 * Logs carry levels, decisions and the call id only — never transcript text or explanations.
 */
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import { DEFAULT_POLICY } from '../policy.js';
import { RISK_LEVELS, type Analysis, type AnalysisInput, type Analyzer, type LlmStats, type RiskLevel } from '../types.js';

/** An analyzer that can key its work (rate limits, token budgets) by call id. */
export interface CallScopedAnalyzer extends Analyzer {
  analyzeFor(callId: string, input: AnalysisInput, signal?: AbortSignal): Promise<Analysis>;
  endCall?(callId: string): void;
}

export interface ChainOptions {
  /** Lowest local level at which the LLM is asked. Default 'medium'. */
  minLevel?: RiskLevel;
  /** Minimum time between LLM asks for one call. Default 10 000 ms. */
  minIntervalMs?: number;
  /** The level that sends the SMS: reaching it asks the LLM even inside the interval. Default 'high'. */
  alertLevel?: RiskLevel;
  /** Calls whose state is kept at most. Default 10 000. */
  maxTrackedCalls?: number;
  logger?: Logger;
  now?: () => number;
}

/** Why the chain's result is what it is (exposed for tests and metrics). */
export type ChainDecision =
  | 'local-below-min'
  | 'llm'
  | 'llm-failed'
  /** Inside the interval, local reached the alert level: the LLM was asked before any SMS. */
  | 'llm-before-alert'
  | 'llm-before-alert-failed'
  | 'rate-limited-local'
  | 'rate-limited-cached-llm';

interface CallState {
  lastAskAt: number;
  /** The local level at the latest ask in this interval, answered or not. */
  askedLevel: RiskLevel;
  lastLlm?: { result: Analysis; localLevel: RiskLevel };
}

export const ANONYMOUS_CALL = '(anonymous)';

const rank = (l: RiskLevel): number => RISK_LEVELS.indexOf(l);

function isCallScoped(a: Analyzer): a is CallScopedAnalyzer {
  return typeof (a as Partial<CallScopedAnalyzer>).analyzeFor === 'function';
}

export class ChainAnalyzer implements Analyzer {
  readonly name = 'chain' as const;
  private readonly minLevel: RiskLevel;
  private readonly minIntervalMs: number;
  private readonly alertLevel: RiskLevel;
  private readonly maxTrackedCalls: number;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly calls = new Map<string, CallState>();
  /** The decision behind the most recent result (for tests/metrics). */
  lastDecision: ChainDecision | undefined;

  constructor(
    private readonly local: Analyzer,
    private readonly llm: Analyzer,
    opts: ChainOptions = {},
  ) {
    this.minLevel = opts.minLevel ?? 'medium';
    this.minIntervalMs = opts.minIntervalMs ?? 10_000;
    this.alertLevel = opts.alertLevel ?? DEFAULT_POLICY.alertLevel;
    this.maxTrackedCalls = opts.maxTrackedCalls ?? 10_000;
    this.log = (opts.logger ?? silentLogger()).child({ component: 'analyzer', analyzer: 'chain' });
    this.now = opts.now ?? Date.now;
  }

  analyze(input: AnalysisInput, signal?: AbortSignal): Promise<Analysis> {
    return this.run(ANONYMOUS_CALL, false, input, signal);
  }

  analyzeFor(callId: string, input: AnalysisInput, signal?: AbortSignal): Promise<Analysis> {
    return this.run(callId, true, input, signal);
  }

  endCall(callId: string): void {
    this.calls.delete(callId);
    if (isCallScoped(this.llm)) this.llm.endCall?.(callId);
    if (isCallScoped(this.local)) this.local.endCall?.(callId);
  }

  /** The LLM analyzer's counters, for the metrics (undefined when it keeps none). */
  llmStats(): LlmStats | undefined {
    return (this.llm as Partial<{ llmStats(): LlmStats }>).llmStats?.();
  }

  async close(): Promise<void> {
    this.calls.clear();
    await Promise.allSettled([this.local.close?.(), this.llm.close?.()]);
  }

  private async run(key: string, scoped: boolean, input: AnalysisInput, signal?: AbortSignal): Promise<Analysis> {
    signal?.throwIfAborted();
    const local = await this.local.analyze(input, signal);
    const localResult: Analysis = { ...local, analyzer: 'local' };
    if (rank(local.level) < rank(this.minLevel)) return this.done('local-below-min', key, localResult);

    const now = this.now();
    const state = this.calls.get(key);
    let urgent = false;
    if (state && now - state.lastAskAt < this.minIntervalMs) {
      const cached = state.lastLlm;
      if (cached && rank(local.level) <= rank(cached.localLevel)) {
        return this.done('rate-limited-cached-llm', key, cached.result);
      }
      // About to warn on evidence the LLM has not seen: let it judge first, once at this level.
      urgent = rank(local.level) >= rank(this.alertLevel) && rank(state.askedLevel) < rank(this.alertLevel);
      if (!urgent) return this.done('rate-limited-local', key, localResult);
    }

    // An urgent ask does not restart the interval: the regular cadence stays as it was.
    const next: CallState = {
      lastAskAt: urgent && state ? state.lastAskAt : now,
      askedLevel: local.level,
      ...(state?.lastLlm ? { lastLlm: state.lastLlm } : {}),
    };
    this.remember(key, next);
    try {
      const llm =
        scoped && isCallScoped(this.llm)
          ? await this.llm.analyzeFor(key, input, signal)
          : await this.llm.analyze(input, signal);
      next.lastLlm = { result: llm, localLevel: local.level };
      this.log.debug({ callId: key, localLevel: local.level, llmLevel: llm.level, urgent }, 'chain: llm verdict');
      return this.done(urgent ? 'llm-before-alert' : 'llm', key, llm);
    } catch (err) {
      signal?.throwIfAborted();
      const code = (err as { code?: unknown }).code;
      this.log.info(
        { callId: key, localLevel: local.level, urgent, code: typeof code === 'string' ? code : 'unknown' },
        'chain: llm unavailable, local result stands',
      );
      return this.done(urgent ? 'llm-before-alert-failed' : 'llm-failed', key, localResult);
    }
  }

  private done(decision: ChainDecision, key: string, result: Analysis): Analysis {
    this.lastDecision = decision;
    this.log.trace({ callId: key, decision, level: result.level }, 'chain decision');
    return result;
  }

  private remember(key: string, state: CallState): void {
    this.calls.delete(key);
    this.calls.set(key, state);
    while (this.calls.size > this.maxTrackedCalls) {
      const oldest = this.calls.keys().next().value;
      if (oldest === undefined) break;
      this.calls.delete(oldest);
    }
  }
}
