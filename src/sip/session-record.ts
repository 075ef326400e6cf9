/**
 * What a recording session is made of, for both SIP adapters: the fields src/sip/session-lifecycle.ts
 * drives (an adapter's session record extends them with its transport's handles), and the
 * SessionInfo the engine receives, built the same way from either stack's parsed headers.
 */
import { optionTags } from './native/header-values.js';
import type { SipHeaders } from './native/message.js';
import type { TimerDecision } from './native/session-timer.js';
import type { NameAddr, SessionInfo, SessionTimer, SipSource } from './types.js';

export type SessionPhase = 'offering' | 'answering' | 'answered' | 'confirmed' | 'terminating' | 'terminated';

/** An in-dialog re-INVITE or UPDATE waiting for the handler's answer. */
export interface PendingReoffer {
  isInvite: boolean;
  hasOffer: boolean;
}

/** What the lifecycle keeps of a session; an adapter's session record extends it with its transport's handles. */
export interface LifecycleSession<P extends PendingReoffer = PendingReoffer> {
  readonly id: string;
  readonly info: SessionInfo;
  phase: SessionPhase;
  /** handler.offer is in flight (counts toward pendingOffers). */
  offerPending: boolean;
  endNotified: boolean;
  /** The 200 is being sent (drachtio's createUAS): settles once it went out, or could not. */
  answering: Promise<void> | null;
  /** hangup() before the ACK: RFC 3261 §15 says BYE only after the ACK (or its timeout). */
  byeAfterAck: boolean;
  bye: Promise<void> | null;
  /** Source IP this session counts against for maxCallsPerSource; null once it no longer counts. */
  countedSource: string | null;
  pending: Set<P>;
  timer: SessionTimer | undefined;
  /** RFC 3311 UPDATE usable for refreshes as UAS (the SRC's Allow lists it, or it sent none). */
  canUpdate: boolean;
}

/** The fields every session starts with; an adapter spreads them into its record. */
export function newSessionState<P extends PendingReoffer>(info: SessionInfo, countedSource: string, canUpdate: boolean): LifecycleSession<P> {
  return {
    id: info.id,
    info,
    phase: 'offering',
    offerPending: false,
    endNotified: false,
    answering: null,
    byeAfterAck: false,
    bye: null,
    countedSource,
    pending: new Set(),
    timer: info.timer,
    canUpdate,
  };
}

/** What the engine learns of a new recording session (SessionInfo) from the INVITE's parsed headers. */
export function sessionInfoOf(
  id: string,
  invite: { callId: string; from: NameAddr; to: NameAddr; requestUri: string; source: SipSource; headers: SipHeaders; receivedAt: number },
  decision: TimerDecision,
): SessionInfo {
  const h = invite.headers;
  const info: SessionInfo = {
    id,
    callId: invite.callId,
    from: invite.from,
    to: invite.to,
    requestUri: invite.requestUri,
    source: invite.source,
    header: (name: string) => h.values(name),
    require: optionTags(h.list('require')),
    supported: optionTags(h.list('supported')),
    receivedAt: invite.receivedAt,
  };
  if (decision.kind === 'timer') info.timer = decision.timer;
  return info;
}
