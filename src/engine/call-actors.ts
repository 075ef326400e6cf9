/**
 * The one call machine every call actor runs, with the engine's effects provided once, when the
 * engine is built (a `provide` per call rebuilt the machine's state nodes for every call). An effect
 * finds its call through the actor: actions read `context.id`, invoked actors ask their system for the
 * call actor; the call id then leads to the call's resources in the registry.
 *
 * Adding an effect to a call: declare it (inert) in machines/call.ts `setup()`, implement it here.
 */
import { createActor, fromPromise } from 'xstate';
import { callMachine, type CallInput } from '../../machines/call.js';
import type { RiskAlert } from '../analysis/policy.js';
import { analyzeForCall } from '../analysis/select.js';
import type { Analysis, AnalysisInput, RiskLevel } from '../analysis/types.js';
import { maskNumber } from '../log.js';
import type { EndReason } from '../sip/types.js';
import type { BoundedList } from './bounded-list.js';
import type { EngineContext } from './engine-context.js';
import { higherRisk, type CallActor } from './live-call.js';
import type { EngineAlert } from './types.js';

/** The call actor's id in its own actor system: how an invoked actor finds the call it runs for. */
const CALL_SYSTEM_ID = 'call';

/** Where effects report: the engine's public record of alerts, analyses and ended calls. */
export interface CallOutcomes {
  readonly alerts: BoundedList<EngineAlert>;
  onAlert?: ((alert: EngineAlert) => void) | undefined;
  readonly analysisTimes: BoundedList<number>;
  onAnalysis?: ((ms: number, ok: boolean) => void) | undefined;
  readonly endReasons: Partial<Record<EndReason, number>>;
  readonly riskReached: Partial<Record<RiskLevel, number>>;
  /** Ends a call as if the SIP side had (when our BYE could not be sent). */
  ended(sessionId: string, reason: EndReason): void;
}

export class CallActors {
  private readonly machine: typeof callMachine;

  constructor(
    private readonly ctx: EngineContext,
    private readonly outcomes: CallOutcomes,
  ) {
    const { analyzer } = ctx.deps;
    this.machine = callMachine.provide({
      // Absent: the machine's inert default (never alerts).
      ...(analyzer
        ? {
            actors: {
              analyze: fromPromise<Analysis, AnalysisInput>(({ input, signal, system }) => {
                const t0 = performance.now();
                let ok = false;
                return analyzeForCall(analyzer, callIdOf(system), input, signal)
                  .then((a) => {
                    ok = true;
                    return a;
                  })
                  .finally(() => this.analysisDone(performance.now() - t0, ok));
              }),
            },
          }
        : {}),
      actions: {
        raiseAlert: ({ context }, params: { alert: RiskAlert }) => this.raiseAlert(context.id, context.subscriber, params.alert),
        hangup: ({ context }, params: { reason: EndReason }) => this.hangup(context.id, context.sessionId, params.reason),
        releaseMedia: ({ context }) => {
          const call = ctx.calls.get(context.id);
          if (!call) return;
          call.ended = true;
          void call.resources.release();
        },
        callEnded: ({ context }) => this.callEnded(context.id, context.endReason, context.risk.level),
      },
    });
  }

  /** A call actor, not started; its effects are this engine's. */
  create(input: CallInput): CallActor {
    return createActor(this.machine, { input, systemId: CALL_SYSTEM_ID });
  }

  private analysisDone(ms: number, ok: boolean): void {
    this.outcomes.analysisTimes.push(ms);
    try {
      this.outcomes.onAnalysis?.(ms, ok);
    } catch (err) {
      // A metrics hook must not cost the call its analysis.
      this.ctx.log.warn({ err }, 'analysis hook failed');
    }
  }

  private raiseAlert(callId: string, subscriber: string, risk: RiskAlert): void {
    const call = this.ctx.calls.get(callId);
    if (!call) return;
    const alert: EngineAlert = {
      callId,
      subscriber,
      recording: call.recordingKeys[0]!,
      ...(call.caller ? { caller: call.caller } : {}),
      raisedAt: this.ctx.now(),
      ...risk,
    };
    this.outcomes.alerts.push(alert);
    this.ctx.log.info({ callId, subscriber: maskNumber(subscriber), category: risk.category, score: risk.score }, 'scam alert raised');
    this.outcomes.onAlert?.(alert);
  }

  private hangup(callId: string, sessionId: string, reason: EndReason): void {
    this.ctx.deps.sip.hangup(sessionId, reason).catch((err: unknown) => {
      this.ctx.log.warn({ callId, err }, 'hangup failed; ending the call locally');
      this.outcomes.ended(sessionId, reason);
    });
  }

  private callEnded(callId: string, endReason: EndReason | undefined, level: RiskLevel): void {
    const call = this.ctx.calls.get(callId);
    if (!call) return;
    // Per-call analyzer state (rate limit, token budget) goes with the call.
    (this.ctx.deps.analyzer as { endCall?: (callId: string) => void } | undefined)?.endCall?.(callId);
    this.ctx.calls.remove(call);
    this.ctx.counters.ended++;
    const reason = endReason ?? 'bye';
    this.outcomes.endReasons[reason] = (this.outcomes.endReasons[reason] ?? 0) + 1;
    const peak = higherRisk(call.peakRisk, level);
    this.outcomes.riskReached[peak] = (this.outcomes.riskReached[peak] ?? 0) + 1;
    this.ctx.log.info({ callId, reason: endReason }, 'recording ended');
    this.ctx.emit({ type: 'ended', callId, reason, recording: call.recordingKeys[0]! });
  }
}

/** The id of the call an invoked actor runs for (the root of its actor system). */
function callIdOf(system: CallActor['system']): string {
  const call = system.get(CALL_SYSTEM_ID) as CallActor | undefined;
  if (!call) throw new Error('an analysis ran outside a call actor');
  return call.getSnapshot().context.id;
}
