/**
 * One recording session's life, shared by both SIP adapters (src/sip/native, src/sip/drachtio).
 * A session moves
 *
 *   offering ─engine answers─▶ [answering] ─200 sent─▶ answered ─ACK─▶ confirmed ─our BYE─▶ terminating ─▶ terminated
 *       └─ failure / CANCEL / hangup ─▶ terminated                         (their BYE ─▶ terminated)
 *
 * ('answering' only where sending the 200 is asynchronous: drachtio's createUAS), and `ended` is
 * reported exactly once per offered session, whichever way it goes. This module owns the phases,
 * the BYE-after-ACK rule (RFC 3261 §15), re-offers awaiting the engine, the per-source call count,
 * the session-timer policy, asking the handler, and release. The adapter drives it with events
 * (offer answered, ACK, their BYE, CANCEL) and provides the transport's effects (SessionTransport):
 * how a response, a BYE or a release looks on its transport.
 *
 * A plain typed module rather than an XState machine: the native stack handles hundreds of
 * INVITEs per second, and a session here is a few fields and a switch.
 */
import type { Logger } from '../log.js';
import type { SipHeaders } from './native/message.js';
import { allowsUpdate, negotiateSessionTimer, timerRequestOf, type TimerDecision, type TimerPolicy } from './native/session-timer.js';
import { CallsPerSource } from './source-limits.js';
import type { LifecycleSession, PendingReoffer } from './session-record.js';
import type { EndReason, OfferAnswer, RecordingSessionHandler, ReofferKind, SessionTimer, SipBody } from './types.js';

export type OfferFailure = Extract<OfferAnswer, { ok: false }>;

/** The transport's side of the lifecycle: how each outcome is sent. */
export interface SessionTransport<S, P> {
  /** A final status of ours to the initial INVITE before any 2xx: 480 (hangup), or 503 with Retry-After (shutdown). */
  refuseOffer(s: S, status: number, retryAfterSeconds?: number): void;
  /** The engine's failure as the final response to the initial INVITE. */
  failOffer(s: S, failure: OfferFailure): void;
  /** The engine's failure to a re-INVITE or UPDATE (RFC 3261 §14.2: the session stays as it was). */
  failReoffer(s: S, p: P, failure: OfferFailure): void;
  /** A final status (487) to a re-INVITE or UPDATE still awaiting the engine. */
  answerPending(s: S, p: P, status: number): void;
  /** BYE in the session's dialog, settling when answered or given up; null when there is no dialog to send it in. */
  bye(s: S): Promise<void> | null;
  /** Forgets what the transport keeps for a released session (maps, timers, listeners). */
  forget(s: S): void;
}

export interface SessionLifecycleOptions extends TimerPolicy {
  /** Log prefix: 'sip' (native) or 'drachtio'. */
  name: string;
  logger: Logger;
  maxCallsPerSource: number;
  /** Retry-After seconds on the 503 to offers still pending at shutdown. */
  retryAfterSeconds: number;
}

const INTERNAL_ERROR: OfferFailure = { ok: false, status: 500, reason: 'Server Internal Error' };

export class SessionLifecycle<P extends PendingReoffer, S extends LifecycleSession<P>> {
  readonly sessions = new Map<string, S>();
  /** Offers awaiting the handler (the native adapter's maxPendingOffers). */
  pendingOffers = 0;
  handler: RecordingSessionHandler | null = null;
  readonly policy: TimerPolicy;
  private readonly sources: CallsPerSource;
  private readonly log: Logger;
  private readonly name: string;

  constructor(
    private readonly opts: SessionLifecycleOptions,
    private readonly transport: SessionTransport<S, P>,
  ) {
    this.log = opts.logger;
    this.name = opts.name;
    this.policy = { minSE: opts.minSE, defaultSessionExpires: Math.max(opts.defaultSessionExpires, opts.minSE) };
    this.sources = new CallsPerSource(opts.maxCallsPerSource);
  }

  // ---- admission ----

  /** This source already holds maxCallsPerSource live sessions: the INVITE gets 486. */
  sourceFull(address: string): boolean {
    return this.sources.full(address);
  }

  get maxCallsPerSource(): number {
    return this.sources.limit;
  }

  /** RFC 4028 for an initial INVITE: UPDATE usable unless the SRC's Allow rules it out. */
  negotiateOffer(h: SipHeaders): { canUpdate: boolean; decision: TimerDecision } {
    const canUpdate = allowsUpdate(h) ?? true;
    return { canUpdate, decision: negotiateSessionTimer(timerRequestOf(h), this.policy, { canUpdate }) };
  }

  /** RFC 4028 for a re-INVITE or UPDATE: a new Allow updates canUpdate; the interval never rises above the current one. */
  negotiateReoffer(s: S, h: SipHeaders): TimerDecision {
    const allow = allowsUpdate(h);
    if (allow !== undefined) s.canUpdate = allow;
    return negotiateSessionTimer(timerRequestOf(h), this.policy, s.timer ? { current: s.timer, canUpdate: s.canUpdate } : { canUpdate: s.canUpdate });
  }

  /**
   * RFC 3261 §14.2 / RFC 3311 §5.2: an offer while we still owe an answer to an earlier one gets
   * 500 with a Retry-After of 0–10 s (491 is for glare with an offer of ours; we never send one).
   * Returns that Retry-After, or null when the request may go on.
   */
  previousOfferPending(s: S, isInvite: boolean, hasOffer: boolean): string | null {
    if (!isInvite && !hasOffer) return null;
    for (const p of s.pending) if (p.hasOffer || p.isInvite) return String(Math.floor(Math.random() * 11));
    return null;
  }

  // ---- the engine ----

  /** A new session: it counts against its source from now until it is released. */
  start(s: S): void {
    this.sessions.set(s.id, s);
    if (s.countedSource !== null) this.sources.add(s.countedSource);
  }

  /**
   * Hands the offer to the engine. A failure ends the session ('rejected'); a success calls
   * `accept` while the session is still offering (CANCEL, hangup or shutdown may have come first:
   * then the answer is dropped and a 2xx is never sent).
   */
  offer(s: S, body: SipBody, accept: (sdp: string) => void): void {
    const handler = this.handler;
    if (!handler) return;
    s.offerPending = true;
    this.pendingOffers++;
    const name = this.name;
    invoke(() => handler.offer(s.info, body))
      .then(
        (answer) => this.onOfferAnswer(s, answer, accept),
        (err: unknown) => {
          this.log.error({ err, session: s.id }, `${name} offer handler failed`);
          this.onOfferAnswer(s, INTERNAL_ERROR, accept);
        },
      )
      .catch((err: unknown) => this.log.error({ err, session: s.id }, `${name} answering an offer failed`));
  }

  private onOfferAnswer(s: S, answer: OfferAnswer, accept: (sdp: string) => void): void {
    if (s.offerPending) {
      s.offerPending = false;
      this.pendingOffers--;
    }
    if (s.phase !== 'offering') {
      if (this.log.isLevelEnabled('debug')) this.log.debug({ session: s.id, ok: answer.ok }, `${this.name} late answer dropped`);
      return;
    }
    if (!answer.ok) {
      this.transport.failOffer(s, answer);
      this.end(s, 'rejected');
      return;
    }
    accept(answer.sdp);
  }

  /**
   * Hands a re-INVITE or UPDATE to the engine; `timer` is the one in force once it is answered.
   * `accept` runs while the request is still pending (not answered by CANCEL, BYE or shutdown).
   */
  reoffer(s: S, pending: P, body: SipBody | null, kind: ReofferKind, timer: SessionTimer | undefined, accept: (sdp: string) => void): void {
    const handler = this.handler;
    if (!handler) return;
    s.pending.add(pending);
    const name = this.name;
    invoke(() => handler.reoffer(s.id, body, kind, timer))
      .then(
        (answer) => this.onReofferAnswer(s, pending, answer, accept),
        (err: unknown) => {
          this.log.error({ err, session: s.id }, `${name} reoffer handler failed`);
          this.onReofferAnswer(s, pending, INTERNAL_ERROR, accept);
        },
      )
      .catch((err: unknown) => this.log.error({ err, session: s.id }, `${name} answering a re-offer failed`));
  }

  private onReofferAnswer(s: S, pending: P, answer: OfferAnswer, accept: (sdp: string) => void): void {
    // Gone from the set: cancelled, BYE or shutdown answered it already.
    if (!s.pending.delete(pending)) return;
    if (!answer.ok) this.transport.failReoffer(s, pending, answer);
    else accept(answer.sdp);
  }

  // ---- events from the transport ----

  /** The ACK for our 2xx: confirmed, and a hangup that came before it now sends its BYE. */
  acked(s: S): void {
    if (s.phase !== 'answered') return;
    s.phase = 'confirmed';
    if (s.byeAfterAck) void this.sendBye(s);
  }

  /** Ends a session without a BYE of ours (their BYE, CANCEL, a failure answered, hangup before the answer). */
  end(s: S, reason: EndReason): void {
    s.phase = 'terminated';
    this.notifyEnded(s, reason);
    this.release(s);
  }

  /** Ends an established session with our BYE. */
  endWithBye(s: S, reason: EndReason): Promise<void> {
    const bye = this.sendBye(s);
    this.notifyEnded(s, reason);
    return bye;
  }

  /** RFC 3261 §15.1.2: requests still pending in the dialog get a final status (487). */
  endPending(s: S, status: number): void {
    for (const p of s.pending) this.transport.answerPending(s, p, status);
    s.pending.clear();
  }

  // ---- the port ----

  async hangup(sessionId: string, reason: EndReason): Promise<void> {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    switch (s.phase) {
      case 'offering':
        // Not answered yet: a final failure ends it (the engine's later answer is dropped).
        this.transport.refuseOffer(s, 480);
        this.end(s, reason);
        return;
      case 'answering':
      case 'answered':
        // RFC 3261 §15: no BYE before the ACK for our 2xx arrives or times out.
        s.byeAfterAck = true;
        this.notifyEnded(s, reason);
        return;
      case 'confirmed':
        await this.endWithBye(s, reason);
        return;
      case 'terminating':
        await s.bye;
        return;
      case 'terminated':
        return;
    }
  }

  /**
   * Shutdown, first step: pending offers get 503, established sessions our BYE (best effort: on
   * shutdown we do not wait for a missing ACK), each `ended('shutdown')`. Returns what to wait for.
   */
  closeAll(): Array<Promise<unknown>> {
    const byes: Array<Promise<unknown>> = [];
    for (const s of [...this.sessions.values()]) {
      try {
        this.endPending(s, 487);
        switch (s.phase) {
          case 'offering':
            this.transport.refuseOffer(s, 503, this.opts.retryAfterSeconds);
            this.end(s, 'shutdown');
            break;
          case 'answering':
            // The adapter sends the BYE as soon as the 200 is out (closing: no wait for the ACK).
            byes.push(waitAnswerThenBye(s));
            this.notifyEnded(s, 'shutdown');
            break;
          case 'answered':
          case 'confirmed':
            byes.push(this.endWithBye(s, 'shutdown'));
            break;
          case 'terminating':
            if (s.bye) byes.push(s.bye);
            break;
          case 'terminated':
            break;
        }
      } catch (err) {
        this.log.error({ err, session: s.id }, `${this.name} shutdown of a session failed`);
      }
    }
    return byes;
  }

  /** Shutdown, last step: whatever did not finish in time is forgotten (a 200 still going out ends when it is out). */
  forgetAll(): void {
    for (const s of [...this.sessions.values()]) {
      this.notifyEnded(s, 'shutdown');
      if (s.phase !== 'answering') s.phase = 'terminated';
      this.release(s);
    }
  }

  // ---- ending ----

  /** Our BYE; the session is released when it completes. */
  sendBye(s: S): Promise<void> {
    if (s.bye) return s.bye;
    s.phase = 'terminating';
    this.uncountSource(s);
    const sent = this.transport.bye(s);
    if (!sent) {
      s.phase = 'terminated';
      this.release(s);
      return Promise.resolve();
    }
    s.bye = sent
      .catch((err: unknown) => this.log.error({ err, session: s.id }, `${this.name} BYE failed`))
      .finally(() => {
        s.phase = 'terminated';
        this.release(s);
      });
    return s.bye;
  }

  notifyEnded(s: S, reason: EndReason): void {
    if (s.endNotified) return;
    s.endNotified = true;
    if (this.log.isLevelEnabled('debug')) this.log.debug({ session: s.id, reason }, `${this.name} session ended`);
    const handler = this.handler;
    if (!handler) return;
    try {
      handler.ended(s.id, reason);
    } catch (err) {
      this.log.error({ err, session: s.id }, `${this.name} ended handler failed`);
    }
  }

  /** Forgets a session: its source slot, its offer in flight, the transport's handles. */
  release(s: S): void {
    if (s.offerPending) {
      // The handler still holds the offer; its answer will find the session terminated.
      s.offerPending = false;
      this.pendingOffers--;
    }
    this.uncountSource(s);
    if (this.sessions.get(s.id) === s) this.sessions.delete(s.id);
    this.transport.forget(s);
  }

  /** The session no longer counts toward its source's maxCallsPerSource (once; BYE sent or released). */
  private uncountSource(s: S): void {
    const address = s.countedSource;
    if (address === null) return;
    s.countedSource = null;
    this.sources.remove(address);
  }
}

async function waitAnswerThenBye(s: LifecycleSession): Promise<void> {
  await s.answering;
  await s.bye;
}

/** Calls a handler method, turning a synchronous throw into a rejection. */
function invoke<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}
