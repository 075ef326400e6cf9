/**
 * Wires recording sessions (the SIP port) to call actors and their resources, and answers the ops
 * API's queries. Each job sits in its own module: offer.ts and reoffer.ts answer the SRC,
 * call-actors.ts provides the actor's effects, call-resources.ts holds and releases a call's ports and
 * recognizers, media-stats.ts sweeps statistics, call-view.ts shows calls. Every port and timer a call
 * holds is released when its actor ends, however the call ends.
 */
import type { CallStream } from '../../machines/call.js';
import type { RiskLevel } from '../analysis/types.js';
import type { Logger } from '../log.js';
import type { PcmFrame } from '../media/types.js';
import type { EndReason, OfferAnswer, RecordingSessionHandler, ReofferKind, SessionInfo, SessionTimer, SipBody } from '../sip/types.js';
import type { RecordingState } from '../state/types.js';
import { BoundedList } from './bounded-list.js';
import { CallActors, type CallOutcomes } from './call-actors.js';
import { callDetail, lazyCallDetail, summarise } from './call-view.js';
import type { EngineContext } from './engine-context.js';
import { CallRegistry } from './live-call.js';
import { MediaStats } from './media-stats.js';
import { OfferHandler } from './offer.js';
import { Recognizers } from './recognizers.js';
import { recordingStateOf } from './recording-state.js';
import { reoffer } from './reoffer.js';
import type { CallSummary, EngineAlert, EngineCallEvent, EngineCounters, EngineDeps } from './types.js';

export class Engine implements RecordingSessionHandler, CallOutcomes {
  private readonly calls = new CallRegistry();
  private readonly ctx: EngineContext;
  private readonly offers: OfferHandler;
  /** Reads every stream's stats into its actor (media timeout and the ops view); the node's RTP totals. */
  private readonly mediaStats: MediaStats;
  private readonly recognizers: Recognizers;
  private readonly log: Logger;
  private readonly now: () => number;
  private closing: Promise<void> | undefined;
  readonly counters: EngineCounters = { offers: 0, rejected: 0, ended: 0, metadataRefused: 0 };
  /** Alerts raised (the SMS queue consumes them with the alerts issue), newest last, bounded. */
  readonly alerts = new BoundedList<EngineAlert>(1000);
  /** Called once per alert; the alert queue subscribes here. */
  onAlert?: (alert: EngineAlert) => void;
  /**
   * Call lifecycle for the shared registry and the event stream: started; updated when the state, the
   * risk or the streams change (not on every media statistic); ended.
   */
  onCallEvent?: (event: EngineCallEvent) => void;
  /** Analysis latencies (ms), for metrics. */
  readonly analysisTimes = new BoundedList<number>(10_000);
  /** Called once per finished analysis, ok or failed (the metrics histogram observes here). */
  onAnalysis?: ((ms: number, ok: boolean) => void) | undefined;
  /** Ended calls by reason (bye, cancel, session-expired, media-timeout, …). */
  readonly endReasons: Partial<Record<EndReason, number>> = {};
  /** Ended calls by the highest risk level they reached (metrics). */
  readonly riskReached: Partial<Record<RiskLevel, number>> = {};

  constructor(private readonly deps: EngineDeps) {
    this.log = deps.logger.child({ mod: 'engine' });
    this.now = deps.now ?? Date.now;
    this.mediaStats = new MediaStats(this.calls, this.now, deps.config.media?.statsIntervalMs ?? 1000);
    this.recognizers = new Recognizers(deps, this.log, this.now);
    this.ctx = {
      deps,
      log: this.log,
      now: this.now,
      calls: this.calls,
      counters: this.counters,
      recognizers: this.recognizers,
      mediaStats: this.mediaStats,
      isClosing: () => this.closing !== undefined,
      emit: (event) => this.emitCallEvent(event),
    };
    // The one machine every call runs: effects provided once, here.
    this.offers = new OfferHandler(this.ctx, new CallActors(this.ctx, this));
  }

  get activeCalls(): number {
    return this.calls.size;
  }

  get pendingOffers(): number {
    return this.offers.pendingCount;
  }

  get recognizerCount(): number {
    return this.recognizers.count;
  }

  // ---- RecordingSessionHandler ----

  offer(session: SessionInfo, body: SipBody): Promise<OfferAnswer> {
    return this.offers.offer(session, body);
  }

  reoffer(sessionId: string, body: SipBody | null, kind: ReofferKind, timer: SessionTimer | undefined): Promise<OfferAnswer> {
    return reoffer(this.ctx, this.calls.ofSession(sessionId), body, kind, timer);
  }

  ended(sessionId: string, reason: EndReason): void {
    if (this.offers.cancel(sessionId)) return;
    this.calls.ofSession(sessionId)?.actor.send({ type: 'sip.ended', reason, at: this.now() });
  }

  // ---- Engine API (ops, cli) ----

  /** Ends a call from our side (policy, ops). Resolves false when the call is unknown. */
  hangup(callId: string, reason: EndReason = 'hangup'): boolean {
    const call = this.calls.get(callId);
    if (!call) return false;
    call.actor.send({ type: 'call.hangup', reason });
    return true;
  }

  /** The ids of the live calls. */
  callIds(): string[] {
    return [...this.calls.values()].map((c) => c.id);
  }

  listCalls(): CallSummary[] {
    // Live media numbers: a sweep reads a call into its actor only every few seconds at scale.
    return [...this.calls.values()].map((c) => summarise(c, this.deps.config.nodeId, this.mediaStats.live(c)));
  }

  /** The actor's state value and persisted snapshot (ids, roles, codecs, ports, times: no content). */
  getCall(id: string): { summary: CallSummary; state: unknown; snapshot: unknown } | undefined {
    const call = this.calls.get(id);
    if (!call) return undefined;
    // Live numbers for the operator, not the last sweep's.
    this.mediaStats.push(call, this.now());
    return callDetail(call, this.deps.config.nodeId);
  }

  /**
   * The call as the shared registry keeps it: like getCall(), with the media numbers its actor last
   * read (fresh ones are an actor transition each, too dear for every published change): at most a
   * sweep old, or ceil(calls / REFRESHED_PER_SWEEP) sweeps with many calls (src/engine/media-stats.ts).
   */
  viewOf(id: string): { summary: CallSummary; state: unknown; snapshot: unknown } | undefined {
    const call = this.calls.get(id);
    return call && lazyCallDetail(call, this.deps.config.nodeId);
  }

  stats(): { calls: number; pendingOffers: number; rtpPortsInUse: number } {
    return { calls: this.calls.size, pendingOffers: this.offers.pendingCount, rtpPortsInUse: this.deps.ports.inUse };
  }

  /**
   * What another node needs to carry this recording on (risk and alert, no numbers, no content), once
   * per key the recording is known by.
   */
  recordingStatesOf(callId: string): RecordingState[] {
    const call = this.calls.get(callId);
    if (!call) return [];
    const state = recordingStateOf(call, this.deps.config.nodeId, this.now());
    return call.recordingKeys.map((recording) => ({ ...state, recording }));
  }

  /** Largest lag (ms) a live recognizer reports; undefined when none measures it. */
  recognizerLagMs(): number | undefined {
    return this.recognizers.lagMs();
  }

  /** RTP packets received, lost and late since start: closed endpoints plus every live call's. */
  mediaTotals(): { packets: number; lost: number; late: number } {
    return this.mediaStats.totals();
  }

  /**
   * A call's decoded audio: 20 ms PCM frames per stream, with the stream (label, role) they came
   * from. The speech recognizers subscribe here. Returns an unsubscribe function.
   */
  subscribeAudio(callId: string, listener: (frame: PcmFrame, stream: CallStream) => void): (() => void) | undefined {
    const call = this.calls.get(callId);
    if (!call) return undefined;
    const offs = [...call.resources.media].map(([index, ep]) =>
      ep.onFrame((frame) => {
        const stream = call.actor.getSnapshot().context.streams.find((s) => s.index === index);
        if (stream) listener(frame, stream);
      }),
    );
    return () => offs.forEach((off) => off());
  }

  /** Ends every call (BYE through the adapter) and releases everything. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.mediaStats.close();
      await this.deps.sip.close().catch((err: unknown) => this.log.error({ err }, 'closing SIP failed'));
      // The adapter reported 'shutdown' for its dialogs; anything left is ended here.
      for (const call of [...this.calls.values()]) call.actor.send({ type: 'sip.ended', reason: 'shutdown', at: this.now() });
      await this.deps.ports.close();
    })();
    return this.closing;
  }

  private emitCallEvent(event: EngineCallEvent): void {
    try {
      this.onCallEvent?.(event);
    } catch (err) {
      this.log.warn({ err, callId: event.callId }, 'call event listener failed');
    }
  }
}
