/**
 * Wires recording sessions (the SIP port) to call actors and their resources. The engine answers
 * offers (SIPREC body → roles → RTP ports → SDP answer), turns port events into actor events, and
 * provides the actor's effects. Every port and timer a call holds is released when its actor ends,
 * however the call ends.
 */
import { randomUUID } from 'node:crypto';
import { createActor, fromPromise, type Actor } from 'xstate';
import {
  callMachine,
  withoutContent,
  type CallEvent,
  type CallInput,
  type CallStream,
  type MetadataRevision,
  type SpeechSummary,
} from '../machines/call.js';
import type { Config } from './config/index.js';
import { maskNumber, type Logger } from './log.js';
import { mediaPlan, type MediaPlan } from './media/media-plan.js';
import { PortsExhaustedError, type PcmFrame, type RtpEndpoint, type RtpPortPool } from './media/types.js';
import { buildAnswer, chooseCodec, mergeMetadata, parseRecordingBody, resolveParticipants } from './siprec/index.js';
import { participantKey } from './siprec/roles.js';
import type { CallParticipant, OfferedSdp, RecordingMetadata } from './siprec/types.js';
import type {
  EndReason,
  OfferAnswer,
  RecordingSessionHandler,
  RecordingSessionServer,
  ReofferKind,
  SessionInfo,
  SessionTimer,
  SipBody,
} from './sip/types.js';
import type { RiskAlert } from './analysis/policy.js';
import { analyzeForCall } from './analysis/select.js';
import type { Analysis, AnalysisInput, Analyzer, RiskLevel, Tactic } from './analysis/types.js';
import { TACTIC_ORDER } from './analysis/local/tactics.js';
import { RISK_LEVELS } from './analysis/types.js';
import type { Recognizer, RecognizerFactory } from './speech/types.js';
import type { RecordingState, RecordingStateStore, SubscriberStore } from './state/types.js';

export interface EngineDeps {
  config: Pick<Config, 'defaultCountry' | 'subscriberHeader' | 'nodeId'> & {
    sip: Pick<Config['sip'], 'maxCalls'>;
    rtp: Pick<Config['rtp'], 'advertise'>;
    media?: Partial<Config['media']>;
    speech?: Pick<Config['speech'], 'max' | 'language' | 'transcript'>;
  };
  /** Speech recognition; absent: calls are recorded without transcription. */
  speech?: RecognizerFactory;
  /** Scam analysis of the transcript window; absent: the actor's inert default (never alerts). */
  analyzer?: Analyzer;
  sip: RecordingSessionServer;
  subscribers: SubscriberStore;
  /** Where a recording's risk survives its SRC failing over to another node; absent: nothing is restored. */
  recordings?: RecordingStateStore;
  ports: RtpPortPool;
  logger: Logger;
  now?: () => number;
}

type CallActor = Actor<typeof callMachine>;

/** An alert the engine raised: who to warn, and why. */
export interface EngineAlert extends RiskAlert {
  callId: string;
  /** E.164; masked everywhere it is shown. */
  subscriber: string;
  /**
   * The recording this alert is about, stable across re-INVITEs, duplicate forks and an SRC failing over
   * to another node: the metadata's group id, else its recording session id, else the SIP Call-ID.
   */
  recording: string;
  /** The other party (E.164 when known); masked everywhere it is shown. */
  caller?: string;
  raisedAt: number;
}

export type EngineCallEvent = { type: 'started' | 'updated'; callId: string } | { type: 'ended'; callId: string; reason: string; recording: string };

/** Keeps the newest `max` items. */
export class BoundedList<T> {
  private readonly items: T[] = [];
  constructor(private readonly max: number) {}
  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.max) this.items.splice(0, this.items.length - this.max);
  }
  toArray(): T[] {
    return [...this.items];
  }
  get length(): number {
    return this.items.length;
  }
}

/** A running recognizer and how to detach it from its endpoint's frames. */
interface Transcriber {
  rec: Recognizer;
  detach: () => void;
}

interface LiveCall {
  id: string;
  sessionId: string;
  actor: CallActor;
  /** RTP endpoint per offered m-line index. */
  media: Map<number, RtpEndpoint>;
  /** Unsubscribe functions of the endpoints' DTMF listeners, by m-line index. */
  wired: Map<number, () => void>;
  /** The recognizer of each transcribed stream, by m-line index (a promise while it starts). */
  recognizers: Map<number, Promise<Transcriber | undefined>>;
  language?: string;
  ended: boolean;
  offer: OfferedSdp;
  metadata?: RecordingMetadata;
  /**
   * The recording this call belongs to (alert dedup, failover state), fixed at the INVITE; plus any
   * other key later metadata gave it (an SRC may send the group id only in an UPDATE), under which the
   * recording state is stored too so a failover by either key resumes it.
   */
  recordingKeys: string[];
  answer: string;
  answerVersion: number;
  answerSessionId: string;
  session: SessionInfo;
}

/** A live call as the ops API lists it: no content, numbers masked. */
export interface CallSummary {
  id: string;
  sipCallId: string;
  node: string;
  state: unknown;
  subscriber: string;
  participants: Array<{ id: string; role: string; number: string }>;
  streams: CallStream[];
  startedAt: string;
  answeredAt?: string;
  lastRefreshAt?: string;
  refreshes: number;
  /** Transcription status and counts (never text). */
  speech: SpeechSummary;
  risk: { level: string; score: number; category: string; alerted: boolean };
}

/** A recording has a few streams (one per party, a conference a handful); more is abuse or a bug. */
const MAX_MEDIA_LINES = 16;

const REJECT = (status: number, reason: string, headers?: Record<string, string>): OfferAnswer => ({
  ok: false,
  status,
  reason,
  ...(headers ? { headers } : {}),
});

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

export class Engine implements RecordingSessionHandler {
  private readonly bySession = new Map<string, LiveCall>();
  private readonly byId = new Map<string, LiveCall>();
  /** Offers being answered; true once the SRC cancelled it. */
  private readonly pending = new Map<string, { cancelled: boolean }>();
  /** The media plan of each call's current answer, by answer session id. */
  private readonly plans = new Map<string, MediaPlan[]>();
  /** Reads every stream's stats into its actor: media timeout and the ops view. */
  private readonly statsTimer: NodeJS.Timeout;
  private readonly log: Logger;
  private readonly now: () => number;
  private closing: Promise<void> | undefined;
  readonly counters = { offers: 0, rejected: 0, ended: 0, metadataRefused: 0 };
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
  /** RTP counts of endpoints already closed; mediaTotals() adds the live ones. */
  private readonly retiredMedia = { packets: 0, lost: 0, late: 0 };
  /** Recognizers wired to a stream, for their lag figure (metrics). */
  private readonly liveRecognizers = new Set<Recognizer>();

  constructor(private readonly deps: EngineDeps) {
    this.log = deps.logger.child({ mod: 'engine' });
    this.now = deps.now ?? Date.now;
    this.statsTimer = setInterval(() => this.sweepMediaStats(), deps.config.media?.statsIntervalMs ?? 1000);
    this.statsTimer.unref();
  }

  get activeCalls(): number {
    return this.byId.size;
  }

  get pendingOffers(): number {
    return this.pending.size;
  }

  // ---- RecordingSessionHandler ----

  async offer(session: SessionInfo, body: SipBody): Promise<OfferAnswer> {
    this.counters.offers++;
    const reject = (status: number, reason: string, headers?: Record<string, string>): OfferAnswer => {
      this.counters.rejected++;
      this.log.info({ sipCallId: session.callId, status, reason }, 'recording refused');
      return REJECT(status, reason, headers);
    };
    if (this.closing) return reject(503, 'Shutting Down', { 'Retry-After': '5' });
    if (this.byId.size + this.pending.size >= this.deps.config.sip.maxCalls) {
      return reject(503, 'Too Many Recordings', { 'Retry-After': '5' });
    }
    const parsed = parseRecordingBody(body.contentType, body.raw, { defaultCountry: this.deps.config.defaultCountry });
    if (!parsed.ok) return reject(parsed.error.sipStatus, parsed.error.message);
    const { sdp, metadata, metadataError } = parsed.value;
    if (!sdp) return reject(400, 'Recording Offer Has No SDP');
    if (sdp.media.length > MAX_MEDIA_LINES) return reject(488, 'Too Many Media Streams');
    if (metadataError?.code === 'SIPREC_METADATA_DTD_FORBIDDEN') {
      // A DTD or entities in rs-metadata is an attack (XXE, billion laughs), not an SRC's mistake: refuse
      // the request itself rather than record it as if the metadata were merely unreadable.
      this.counters.metadataRefused++;
      return reject(400, 'Recording Metadata Refused', { Reason: 'SIP;cause=400;text="rs-metadata with a DTD or entities"' });
    }
    if (metadataError) {
      // Degraded, not fatal: roles fall back to the INVITE's headers.
      this.log.warn({ sipCallId: session.callId, code: metadataError.code }, 'metadata unusable, recording with degraded metadata');
    }

    const pend = { cancelled: false };
    this.pending.set(session.id, pend);
    try {
      // One round trip each, concurrently: who is protected, and whether this recording already lived
      // on another node (an SRC failing over) whose risk and alert must carry on here.
      const [roles, restored] = await Promise.all([this.resolveRoles(session, metadata), this.restoredState(recordingKeyOf(metadata, session.callId))]);
      if (!roles.subscriber) {
        return reject(403, 'Subscriber Not Provisioned', {
          Reason: 'SIP;cause=403;text="no participant is a provisioned subscriber"',
        });
      }
      const media = new Map<number, RtpEndpoint>();
      const answerSessionId = randomId();
      let answer: string;
      try {
        answer = await this.allocateAndAnswer(session, sdp, media, answerSessionId, 1);
      } catch (err) {
        this.plans.delete(answerSessionId);
        await closeAll(media.values());
        if (err instanceof PortsExhaustedError) return reject(503, 'Media Ports Exhausted', { 'Retry-After': '5' });
        if (err instanceof NoUsableStreamError) return reject(488, 'No Usable Audio Stream');
        throw err;
      }
      if (pend.cancelled || this.closing) {
        this.plans.delete(answerSessionId);
        await closeAll(media.values());
        return reject(487, 'Request Terminated');
      }
      const call = this.startCall(session, sdp, metadata, metadataError !== undefined, roles, media, answer, answerSessionId, restored);
      this.log.info(
        {
          callId: call.id,
          sipCallId: session.callId,
          subscriber: maskNumber(roles.subscriber),
          streams: sdp.media.length,
          rolesFrom: roles.source,
        },
        'recording started',
      );
      return { ok: true, sdp: answer };
    } finally {
      this.pending.delete(session.id);
    }
  }

  async reoffer(sessionId: string, body: SipBody | null, kind: ReofferKind, timer: SessionTimer | undefined): Promise<OfferAnswer> {
    const call = this.bySession.get(sessionId);
    if (!call) return REJECT(481, 'Call/Transaction Does Not Exist');
    const at = this.now();
    if (!body || body.raw.length === 0) {
      // A bare refresh (RFC 4028): same answer, same version.
      call.actor.send({ type: 'sip.reoffer', at, timer: timer ?? null });
      return { ok: true, sdp: call.answer };
    }
    const parsed = parseRecordingBody(body.contentType, body.raw, { defaultCountry: this.deps.config.defaultCountry });
    if (!parsed.ok) return REJECT(parsed.error.sipStatus, parsed.error.message);
    const { sdp, metadata, metadataError } = parsed.value;
    if (sdp && sdp.media.length > MAX_MEDIA_LINES) return REJECT(488, 'Too Many Media Streams');
    if (metadataError?.code === 'SIPREC_METADATA_DTD_FORBIDDEN') {
      // As for an initial offer: hostile metadata is refused; the session stays as it was (RFC 3261 §14.2).
      this.counters.metadataRefused++;
      return REJECT(400, 'Recording Metadata Refused');
    }

    const event: Extract<CallEvent, { type: 'sip.reoffer' }> = { type: 'sip.reoffer', at, timer: timer ?? null };
    if (metadata || metadataError) {
      if (metadata) {
        call.metadata = call.metadata && metadata.dataMode === 'partial' ? mergeMetadata(call.metadata, metadata) : metadata;
        const key = recordingKeyOf(call.metadata, call.session.callId);
        if (!call.recordingKeys.includes(key)) call.recordingKeys.push(key);
      }
      event.metadata = revision(at, metadata ?? call.metadata, metadataError !== undefined);
      if (metadata) {
        const roles = await this.resolveRoles(call.session, call.metadata);
        // The call may have ended (BYE, CANCEL, media timeout) while the store answered.
        if (call.ended) return REJECT(481, 'Call/Transaction Does Not Exist');
        // The protected subscriber never changes mid-call; the other roles follow the metadata.
        const subscriber = call.actor.getSnapshot().context.subscriber;
        event.participants = roles.participants.map((p) =>
          participantKey(p) === subscriber ? { ...p, role: 'subscriber' } : { ...p, role: 'caller' },
        );
      }
    }
    const participants = event.participants ?? call.actor.getSnapshot().context.participants;
    if (sdp && !isSameOffer(call.offer, sdp)) {
      try {
        const version = call.answerVersion + 1;
        call.answer = await this.allocateAndAnswer(call.session, sdp, call.media, call.answerSessionId, version, this.plans.get(call.answerSessionId));
        if (call.ended) {
          // Ended while binding: releaseMedia already ran, so what was just bound is ours to close.
          const eps = [...call.media.values()];
          call.media.clear();
          this.plans.delete(call.answerSessionId);
          await closeAll(eps);
          return REJECT(481, 'Call/Transaction Does Not Exist');
        }
        this.wireMedia(call);
        call.answerVersion = version;
        call.offer = sdp;
      } catch (err) {
        if (err instanceof PortsExhaustedError) return REJECT(503, 'Media Ports Exhausted', { 'Retry-After': '5' });
        if (err instanceof NoUsableStreamError) return REJECT(488, 'No Usable Audio Stream');
        throw err;
      }
      event.streams = describeStreams(sdp, call.media, participants);
    } else if (event.participants) {
      event.streams = describeStreams(call.offer, call.media, participants);
    }
    this.log.debug({ callId: call.id, kind, sdp: Boolean(sdp), metadata: Boolean(metadata) }, 're-offer');
    call.actor.send(event);
    return { ok: true, sdp: call.answer };
  }

  ended(sessionId: string, reason: EndReason): void {
    const pend = this.pending.get(sessionId);
    if (pend) {
      pend.cancelled = true;
      return;
    }
    const call = this.bySession.get(sessionId);
    if (!call) return;
    call.actor.send({ type: 'sip.ended', reason, at: this.now() });
  }

  // ---- Engine API (ops, cli) ----

  /** Ends a call from our side (policy, ops). Resolves false when the call is unknown. */
  hangup(callId: string, reason: EndReason = 'hangup'): boolean {
    const call = this.byId.get(callId);
    if (!call) return false;
    call.actor.send({ type: 'call.hangup', reason });
    return true;
  }

  listCalls(): CallSummary[] {
    return [...this.byId.values()].map((c) => this.summarise(c));
  }

  /** The actor's state value and persisted snapshot (ids, roles, codecs, ports, times: no content). */
  getCall(id: string): { summary: CallSummary; state: unknown; snapshot: unknown } | undefined {
    const call = this.byId.get(id);
    if (!call) return undefined;
    // Live numbers for the operator, not the last sweep's.
    this.pushMediaStats(call, this.now());
    const snap = call.actor.getSnapshot();
    return { summary: this.summarise(call), state: snap.value, snapshot: maskSnapshot(withoutContent(call.actor.getPersistedSnapshot())) };
  }

  stats(): { calls: number; pendingOffers: number; rtpPortsInUse: number } {
    return { calls: this.byId.size, pendingOffers: this.pending.size, rtpPortsInUse: this.deps.ports.inUse };
  }

  /** Ends every call (BYE through the adapter) and releases everything. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.statsTimer);
      await this.deps.sip.close().catch((err: unknown) => this.log.error({ err }, 'closing SIP failed'));
      // The adapter reported 'shutdown' for its dialogs; anything left is ended here.
      for (const call of [...this.byId.values()]) call.actor.send({ type: 'sip.ended', reason: 'shutdown', at: this.now() });
      await this.deps.ports.close();
    })();
    return this.closing;
  }

  // ---- internals ----

  private emitCallEvent(event: EngineCallEvent): void {
    try {
      this.onCallEvent?.(event);
    } catch (err) {
      this.log.warn({ err, callId: event.callId }, 'call event listener failed');
    }
  }

  /**
   * What another node needs to carry this recording on (risk and alert, no numbers, no content), once
   * per key the recording is known by.
   */
  recordingStatesOf(callId: string): RecordingState[] {
    const call = this.byId.get(callId);
    if (!call) return [];
    const state = this.recordingStateOf(call);
    return call.recordingKeys.map((recording) => ({ ...state, recording }));
  }

  private recordingStateOf(call: LiveCall): RecordingState {
    const c = call.actor.getSnapshot().context;
    return {
      recording: call.recordingKeys[0]!,
      risk: { ...c.risk, tactics: [...c.risk.tactics] },
      ...(c.alert ? { alert: { ...c.alert, tactics: [...c.alert.tactics] } } : {}),
      alertAnnounced: c.alertAnnounced,
      node: this.deps.config.nodeId,
      updatedAt: this.now(),
    };
  }

  /** A store failure must not refuse the call: it starts fresh (and the alert dedup still holds). */
  private async restoredState(recording: string): Promise<RecordingState | undefined> {
    if (!this.deps.recordings) return undefined;
    try {
      return await this.deps.recordings.getRecording(recording);
    } catch (err) {
      this.log.warn({ err }, 'recording state unavailable; starting the call fresh');
      return undefined;
    }
  }

  private async resolveRoles(session: SessionInfo, metadata: RecordingMetadata | undefined) {
    const input = {
      metadata,
      from: session.from.uri,
      to: session.to.uri,
      headers: (name: string) => session.header(name),
      defaultCountry: this.deps.config.defaultCountry,
      subscriberHeader: this.deps.config.subscriberHeader,
    };
    // Two passes keep resolveParticipants synchronous: collect the candidate numbers, ask the store
    // once (one round trip with Redis), then decide.
    const candidates: string[] = [];
    resolveParticipants(input, (n) => {
      candidates.push(n);
      return false;
    });
    const provisioned = candidates.length ? await this.deps.subscribers.filterProvisioned(candidates) : new Set<string>();
    return resolveParticipants(input, (n) => provisioned.has(n));
  }

  /**
   * Ensures one endpoint per usable m-line (keeping existing ones), releases the rest, configures
   * each from the offer (codecs, expected source, SRTP key, hold) and builds the SDP answer.
   */
  private async allocateAndAnswer(
    session: SessionInfo,
    sdp: OfferedSdp,
    media: Map<number, RtpEndpoint>,
    sessionId: string,
    version: number,
    previous?: MediaPlan[],
  ): Promise<string> {
    const plans = sdp.media.map((m, i) =>
      mediaPlan(m, {
        sipSource: session.source.address,
        latch: this.deps.config.media?.latch ?? 'auto',
        // Keep our SRTP key across re-offers of the same stream: the SRC may check it.
        previous: previous?.[i],
      }),
    );
    if (!plans.some((p) => p.codec)) throw new NoUsableStreamError();
    for (const [index, ep] of media) {
      if (!plans[index]?.codec) {
        this.retireMedia(ep);
        media.delete(index);
        await ep.close();
      }
    }
    // Concurrently: each bind is an event-loop round trip when no pre-bound pair is ready.
    const wanted = plans.filter((p) => p.codec && !media.has(p.index));
    const got = await Promise.allSettled(wanted.map(() => this.deps.ports.allocate()));
    got.forEach((r, i) => {
      if (r.status === 'fulfilled') media.set(wanted[i]!.index, r.value);
    });
    const failed = got.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    for (const p of plans) if (p.config) media.get(p.index)?.configure(p.config);
    this.plans.set(sessionId, plans);
    return buildAnswer(
      sdp,
      plans.map((p) => ({
        port: p.codec ? (media.get(p.index)?.port ?? 0) : 0,
        codec: p.codec,
        telephoneEvent: p.telephoneEvent,
        crypto: p.answerCrypto,
      })),
      { address: this.deps.config.rtp.advertise, sessionId, version, userAgent: 'callguard' },
    );
  }

  private startCall(
    session: SessionInfo,
    sdp: OfferedSdp,
    metadata: RecordingMetadata | undefined,
    degraded: boolean,
    roles: ReturnType<typeof resolveParticipants>,
    media: Map<number, RtpEndpoint>,
    answer: string,
    answerSessionId: string,
    restored?: RecordingState,
  ): LiveCall {
    const at = this.now();
    const id = randomUUID();
    const input: CallInput = {
      id,
      sessionId: session.id,
      sipCallId: session.callId,
      groupId: metadata?.groupId,
      recordingSessionId: metadata?.sessionId,
      subscriber: roles.subscriber as string,
      participants: roles.participants,
      rolesFrom: roles.source,
      metadata: revision(at, metadata, degraded),
      timer: session.timer,
      source: `${session.source.transport}:${session.source.address}:${session.source.port}`,
      startedAt: session.receivedAt,
      mediaTimeoutMs: this.deps.config.media?.timeoutMs ?? 60_000,
      transcriptLimits: this.deps.config.speech?.transcript ?? { windowMs: 120_000, maxUtterances: 50 },
      ...(restored && restoredInput(restored) ? { restored: restoredInput(restored)! } : {}),
    };
    if (restored) {
      this.log.info({ callId: id, recordingLevel: restored.risk.level, alerted: restored.alertAnnounced, from: restored.node }, 'recording resumed from another node');
    }
    const analyzer = this.deps.analyzer;
    // The policy steps down after calmer windows, so the level at the end may be below the peak.
    let peakRisk: RiskLevel = 'none';
    const machine = callMachine.provide({
      ...(analyzer
        ? {
            actors: {
              analyze: fromPromise<Analysis, AnalysisInput>(({ input, signal }) => {
                const t0 = performance.now();
                let ok = false;
                return analyzeForCall(analyzer, id, input, signal)
                  .then((a) => {
                    ok = true;
                    return a;
                  })
                  .finally(() => {
                    const ms = performance.now() - t0;
                    this.analysisTimes.push(ms);
                    try {
                      this.onAnalysis?.(ms, ok);
                    } catch (err) {
                      // A metrics hook must not cost the call its analysis.
                      this.log.warn({ err }, 'analysis hook failed');
                    }
                  });
              }),
            },
          }
        : {}),
      actions: {
        raiseAlert: (_, params: { alert: RiskAlert }) => {
          const alert: EngineAlert = {
            callId: id,
            subscriber: input.subscriber,
            recording: call.recordingKeys[0]!,
            ...(callerOf(input) ? { caller: callerOf(input) } : {}),
            raisedAt: this.now(),
            ...params.alert,
          };
          this.alerts.push(alert);
          this.log.info(
            { callId: id, subscriber: maskNumber(input.subscriber), category: params.alert.category, score: params.alert.score },
            'scam alert raised',
          );
          this.onAlert?.(alert);
        },
        hangup: (_, params) => {
          this.deps.sip.hangup(session.id, params.reason).catch((err: unknown) => {
            this.log.warn({ callId: id, err }, 'hangup failed; ending the call locally');
            this.ended(session.id, params.reason);
          });
        },
        releaseMedia: () => {
          call.ended = true;
          for (const off of call.wired.values()) off();
          call.wired.clear();
          for (const rec of call.recognizers.values()) void rec.then((r) => r && this.closeRecognizer(r));
          call.recognizers.clear();
          this.plans.delete(answerSessionId);
          const eps = [...media.values()];
          for (const ep of eps) this.retireMedia(ep);
          media.clear();
          void closeAll(eps);
        },
        callEnded: ({ context }) => {
          // Per-call analyzer state (rate limit, token budget) goes with the call.
          (analyzer as { endCall?: (callId: string) => void } | undefined)?.endCall?.(id);
          this.bySession.delete(session.id);
          this.byId.delete(id);
          this.counters.ended++;
          const reason = context.endReason ?? 'bye';
          this.endReasons[reason] = (this.endReasons[reason] ?? 0) + 1;
          const peak = higherRisk(peakRisk, context.risk.level);
          this.riskReached[peak] = (this.riskReached[peak] ?? 0) + 1;
          this.log.info({ callId: id, reason: context.endReason }, 'recording ended');
          this.emitCallEvent({ type: 'ended', callId: id, reason, recording: call.recordingKeys[0]! });
        },
      },
    });
    const actor = createActor(machine, { input });
    const call: LiveCall = {
      id,
      sessionId: session.id,
      actor,
      media,
      wired: new Map(),
      recognizers: new Map(),
      ended: false,
      offer: sdp,
      metadata,
      recordingKeys: [recordingKeyOf(metadata, session.callId)],
      answer,
      answerVersion: 1,
      answerSessionId,
      session,
    };
    this.bySession.set(session.id, call);
    this.byId.set(id, call);
    actor.start();
    actor.send({ type: 'sip.answered', streams: describeStreams(sdp, media, roles.participants), at });
    this.wireMedia(call);
    this.emitCallEvent({ type: 'started', callId: id });
    peakRisk = higherRisk(peakRisk, actor.getSnapshot().context.risk.level);
    actor.subscribe((snap) => {
      peakRisk = higherRisk(peakRisk, snap.context.risk.level);
    });
    // What the registry and the dashboard show changes rarely; media statistics every second do not count.
    const shownOf = (snap: ReturnType<CallActor['getSnapshot']>): string => {
      const c = snap.context;
      return JSON.stringify([snap.value, c.risk.level, c.risk.alerted, c.risk.category, c.streams.map((st) => [st.index, st.held, st.codec]), c.speech.status, call.recordingKeys.length]);
    };
    let shown = shownOf(actor.getSnapshot());
    actor.subscribe((snap) => {
      if (snap.status !== 'active') return;
      const now = shownOf(snap);
      if (now === shown) return;
      shown = now;
      this.emitCallEvent({ type: 'updated', callId: id });
    });
    return call;
  }

  /**
   * Wires endpoints not yet wired (after the answer and each re-offer): DTMF to the actor, and a
   * recognizer per stream while the node has recognizer capacity.
   */
  private wireMedia(call: LiveCall): void {
    for (const [index, off] of call.wired) {
      if (!call.media.has(index)) {
        off();
        call.wired.delete(index);
        void call.recognizers.get(index)?.then((r) => r && this.closeRecognizer(r));
        call.recognizers.delete(index);
      }
    }
    for (const [index, ep] of call.media) {
      if (call.wired.has(index)) continue;
      call.wired.set(
        index,
        ep.onDtmf((e) => call.actor.send({ type: 'media.dtmf', at: this.now(), digit: e.digit, streamIndex: index })),
      );
      this.startRecognizer(call, index, ep);
    }
  }

  private activeRecognizers = 0;

  get recognizerCount(): number {
    return this.activeRecognizers;
  }

  /** Largest lag (ms) a live recognizer reports; undefined when none measures it. */
  recognizerLagMs(): number | undefined {
    let max: number | undefined;
    for (const rec of this.liveRecognizers) {
      const lag = rec.stats().lagMs;
      if (lag !== undefined && (max === undefined || lag > max)) max = lag;
    }
    return max;
  }

  /** RTP packets received, lost and late since start: closed endpoints plus every live call's. */
  mediaTotals(): { packets: number; lost: number; late: number } {
    const t = { ...this.retiredMedia };
    for (const call of this.byId.values()) for (const ep of call.media.values()) addMedia(t, ep.stats());
    return t;
  }

  /** Before an endpoint closes: its counts move to the running total, so the sums never go down. */
  private retireMedia(ep: RtpEndpoint): void {
    addMedia(this.retiredMedia, ep.stats());
  }

  private startRecognizer(call: LiveCall, index: number, ep: RtpEndpoint): void {
    const factory = this.deps.speech;
    if (!factory) return;
    if (this.activeRecognizers >= (this.deps.config.speech?.max ?? Infinity)) {
      // Still recorded, not transcribed: visible on the call and in the count.
      call.actor.send({ type: 'speech.status', status: 'capped' });
      return;
    }
    this.activeRecognizers++;
    const stream = call.actor.getSnapshot().context.streams.find((s) => s.index === index);
    const rate = stream?.codec?.startsWith('G722') ? 16000 : 8000;
    const started = (async (): Promise<Transcriber | undefined> => {
      call.language ??= await this.languageFor(call.actor.getSnapshot().context.subscriber);
      const rec = await factory.start({ role: stream?.role ?? 'unknown', streamIndex: index, sampleRate: rate, language: call.language });
      if (call.ended || !call.media.has(index)) {
        await this.closeRecognizer({ rec, detach: () => {} });
        return undefined;
      }
      const detach = ep.onFrame((frame) => rec.write(frame));
      this.liveRecognizers.add(rec);
      rec.onUtterance((utterance) => call.actor.send({ type: 'speech.utterance', at: this.now(), utterance }));
      rec.onError((err) => {
        this.log.warn({ callId: call.id, stream: index, err: err.message }, 'recognizer failed; recording goes on untranscribed');
        call.actor.send({ type: 'speech.status', status: 'failed' });
      });
      call.actor.send({ type: 'speech.status', status: 'on' });
      return { rec, detach };
    })().catch((err: unknown) => {
      this.activeRecognizers--;
      this.log.warn({ callId: call.id, stream: index, err: (err as Error).message }, 'recognizer did not start; recording goes on untranscribed');
      call.actor.send({ type: 'speech.status', status: 'failed' });
      return undefined;
    });
    call.recognizers.set(index, started);
  }

  private async closeRecognizer(t: Transcriber): Promise<void> {
    this.activeRecognizers--;
    this.liveRecognizers.delete(t.rec);
    t.detach();
    await t.rec.close().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'closing a recognizer failed'));
  }

  /** The subscriber's locale as a recognition language (es → es-ES), else the node default. */
  private async languageFor(subscriber: string): Promise<string> {
    const fallback = this.deps.config.speech?.language ?? 'en-US';
    const locale = (await this.deps.subscribers.get(subscriber).catch(() => undefined))?.locale;
    if (!locale) return fallback;
    if (locale.includes('-')) return locale;
    if (fallback.toLowerCase().startsWith(`${locale.toLowerCase()}-`)) return fallback;
    return `${locale.toLowerCase()}-${locale.toUpperCase()}`;
  }

  private sweepMediaStats(): void {
    const at = this.now();
    for (const call of this.byId.values()) this.pushMediaStats(call, at);
  }

  private pushMediaStats(call: LiveCall, at: number): void {
    const streams = [...call.media].map(([index, ep]) => {
      const s = ep.stats();
      return {
        index,
        media: {
          packets: s.packets,
          lost: s.lost,
          late: s.late,
          jitterMs: s.jitterMs,
          audioSeconds: s.audioSeconds,
          ...(s.lastPacketAt !== undefined ? { lastPacketAt: s.lastPacketAt } : {}),
          wrongSource: s.wrongSource,
          srtpAuthFailures: s.srtpAuthFailures,
        },
      };
    });
    call.actor.send({ type: 'media.stats', at, streams });
  }

  /**
   * A call's decoded audio: 20 ms PCM frames per stream, with the stream (label, role) they came
   * from. The speech recognizers subscribe here. Returns an unsubscribe function.
   */
  subscribeAudio(callId: string, listener: (frame: PcmFrame, stream: CallStream) => void): (() => void) | undefined {
    const call = this.byId.get(callId);
    if (!call) return undefined;
    const offs = [...call.media].map(([index, ep]) =>
      ep.onFrame((frame) => {
        const stream = call.actor.getSnapshot().context.streams.find((s) => s.index === index);
        if (stream) listener(frame, stream);
      }),
    );
    return () => offs.forEach((off) => off());
  }

  private summarise(call: LiveCall): CallSummary {
    const ctx = call.actor.getSnapshot().context;
    return {
      id: call.id,
      sipCallId: ctx.sipCallId,
      node: this.deps.config.nodeId,
      state: call.actor.getSnapshot().value,
      subscriber: maskNumber(ctx.subscriber),
      participants: ctx.participants.map((p) => ({ id: p.id, role: p.role, number: maskNumber(participantKey(p)) })),
      streams: ctx.streams,
      startedAt: iso(ctx.startedAt) as string,
      answeredAt: iso(ctx.answeredAt),
      lastRefreshAt: iso(ctx.lastRefreshAt),
      refreshes: ctx.refreshes,
      speech: ctx.speech,
      risk: { level: ctx.risk.level, score: ctx.risk.score, category: ctx.risk.category, alerted: ctx.risk.alerted },
    };
  }
}

class NoUsableStreamError extends Error {
  readonly code = 'ENGINE_NO_USABLE_STREAM';
}

function randomId(): string {
  return String(Math.floor(Math.random() * 1e12));
}

function addMedia(into: { packets: number; lost: number; late: number }, s: { packets: number; lost: number; late: number }): void {
  into.packets += s.packets;
  into.lost += s.lost;
  into.late += s.late;
}

const higherRisk = (a: RiskLevel, b: RiskLevel): RiskLevel => (RISK_LEVELS.indexOf(b) > RISK_LEVELS.indexOf(a) ? b : a);

async function closeAll(eps: Iterable<RtpEndpoint>): Promise<void> {
  await Promise.all([...eps].map((ep) => ep.close()));
}

function revision(at: number, metadata: RecordingMetadata | undefined, degraded: boolean): MetadataRevision {
  return {
    at,
    dataMode: metadata?.dataMode ?? 'complete',
    participants: metadata?.participants.length ?? 0,
    streams: metadata?.streams.length ?? 0,
    degraded: degraded || !metadata,
  };
}

/** Same o= session id and version: RFC 3264 §8 says nothing changed (a refresh). */
function isSameOffer(a: OfferedSdp, b: OfferedSdp): boolean {
  return a.originSessionId === b.originSessionId && a.originVersion === b.originVersion;
}

function describeStreams(sdp: OfferedSdp, media: Map<number, RtpEndpoint>, participants: CallParticipant[]): CallStream[] {
  return sdp.media.map((m) => {
    // Metadata associates by label; Cisco NBR headers by media index (its offers carry no labels).
    const senders = participants.filter((p) =>
      m.label !== undefined ? p.sendLabels.includes(m.label) : (p.sendMediaIndexes ?? []).includes(m.index),
    );
    // One sender: a separate stream. Several or none: mixed or unknown; roles are not guessed from order.
    const sender = senders.length === 1 ? senders[0] : undefined;
    const ep = media.get(m.index);
    const codec = ep ? chooseCodec(m) : undefined;
    return {
      index: m.index,
      ...(m.label !== undefined ? { label: m.label } : {}),
      ...(sender ? { participantId: sender.id, role: sender.role } : {}),
      direction: m.direction,
      held: m.held,
      ...(codec ? { codec: `${codec.name}/${codec.clockRate}` } : {}),
      port: ep?.port ?? 0,
    };
  });
}

/** Persisted snapshots leave the process through the API: numbers masked, nothing else to hide. */
function maskSnapshot(snapshot: unknown): unknown {
  const s = structuredClone(snapshot) as { context?: { subscriber?: string; participants?: Array<{ number?: string; identity?: string; name?: string }> } };
  if (s.context) {
    if (s.context.subscriber) s.context.subscriber = maskNumber(s.context.subscriber);
    for (const p of s.context.participants ?? []) {
      if (p.number) p.number = maskNumber(p.number);
      if (p.identity) p.identity = maskNumber(p.identity);
      delete p.name;
    }
  }
  return s;
}

/** The party that is not the subscriber: the one the subscriber is being warned about. */
function callerOf(input: CallInput): string | undefined {
  const other = input.participants.find((p) => p.role === 'caller' && p.number && p.number !== input.subscriber);
  return other?.number;
}

/**
 * The recording a call belongs to, stable across re-INVITEs, duplicate forks and an SRC failing over to
 * another node: the metadata's group id, else its recording session id, else the SIP Call-ID.
 */
export function recordingKeyOf(metadata: { groupId?: string | undefined; sessionId?: string | undefined } | undefined, sipCallId: string): string {
  return metadata?.groupId ?? metadata?.sessionId ?? sipCallId;
}

/**
 * A stored recording state as the actor's input, or undefined when it is not one: the store is outside
 * our process, and a bad record must cost the call its history, not the call.
 */
function restoredInput(r: RecordingState): NonNullable<CallInput['restored']> | undefined {
  const risk = r.risk as Partial<RecordingState['risk']> | undefined;
  const ok =
    risk !== undefined &&
    (RISK_LEVELS as readonly unknown[]).includes(risk.level) &&
    [risk.score, risk.peakScore, risk.lowerStreak, risk.analyses].every((n) => typeof n === 'number' && Number.isFinite(n)) &&
    typeof risk.alerted === 'boolean' &&
    typeof risk.category === 'string' &&
    Array.isArray(risk.tactics) &&
    typeof r.alertAnnounced === 'boolean' &&
    (r.alert === undefined || (typeof r.alert === 'object' && Array.isArray(r.alert.tactics) && typeof r.alert.explanation === 'string'));
  if (!ok) return undefined;
  const tactics = (xs: readonly string[]): Tactic[] => xs.filter((t): t is Tactic => (TACTIC_ORDER as readonly string[]).includes(t));
  return {
    risk: { ...r.risk, tactics: tactics(r.risk.tactics) },
    ...(r.alert
      ? {
          alert: {
            ...r.alert,
            level: r.alert.level as RiskLevel,
            tactics: tactics(r.alert.tactics),
            analyzer: r.alert.analyzer === 'azure-openai' || r.alert.analyzer === 'openai' ? r.alert.analyzer : 'local',
          },
        }
      : {}),
    alertAnnounced: r.alertAnnounced,
  };
}
