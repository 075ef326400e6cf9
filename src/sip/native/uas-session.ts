/**
 * The UAS core's record of one recording session (one initial INVITE and the dialog it creates),
 * and the helpers that turn engine answers into SIP. A session moves
 *
 *   offering ─2xx─▶ answered ─ACK─▶ confirmed ─our BYE─▶ terminating ─▶ terminated
 *       └─ failure / CANCEL / hangup ─▶ terminated        (their BYE ─▶ terminated)
 *
 * and `ended` is reported exactly once, whichever way it goes.
 */
import type { EndReason, NameAddr, OfferAnswer, SessionInfo, SessionTimer } from '../types.js';
import type { Dialog } from './dialog.js';
import type { ParsedNameAddr } from './header-values.js';
import type { IncomingRequest } from './message-incoming.js';
import { ACCEPTED_CONTENT_TYPES, reasonPhrase } from './message.js';
import { sanitizeHeaderText, type HeaderPair } from './serializer.js';
import type { UasRefreshSchedule } from './session-timer.js';
import type { InviteServerTransaction } from './transaction-invite-server.js';
import type { ServerTransaction } from './transaction-layer.js';

export type SessionPhase = 'offering' | 'answered' | 'confirmed' | 'terminating' | 'terminated';

/** An in-dialog re-INVITE or UPDATE waiting for the handler's answer. */
export interface PendingRequest {
  tx: ServerTransaction;
  req: IncomingRequest;
  hasOffer: boolean;
}

export interface Session {
  id: string;
  info: SessionInfo;
  invite: IncomingRequest;
  inviteTx: InviteServerTransaction;
  localTag: string;
  /** Call-ID, From tag and CSeq of the INVITE: RFC 3261 §8.2.2.2 merged-request detection. */
  mergeKey: string;
  phase: SessionPhase;
  /** handler.offer is in flight (counts toward maxPendingOffers). */
  offerPending: boolean;
  endNotified: boolean;
  dialog: Dialog | null;
  pending: Set<PendingRequest>;
  timer: SessionTimer | undefined;
  /** RFC 3311 UPDATE usable for our refreshes (the SRC's Allow lists it, or it sent none). */
  canUpdate: boolean;
  refresher: UasRefreshSchedule | null;
  /** Reason to end with once our refresh failed. */
  refreshFailure: EndReason;
  /** hangup() before the ACK: RFC 3261 §15 says BYE only after the ACK (or its timeout). */
  byeAfterAck: boolean;
  bye: Promise<void> | null;
  /** Source IP this session counts against for maxCallsPerSource; null once it no longer counts. */
  countedSource: string | null;
}

/** Calls a handler method, turning a synchronous throw into a rejection. */
export function invoke<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}

export function toNameAddr(p: ParsedNameAddr): NameAddr {
  const out: NameAddr = { uri: p.uri };
  if (p.display !== undefined) out.display = p.display;
  if (p.tag !== undefined) out.tag = p.tag;
  return out;
}

/** Headers an engine may not set on a failure: they belong to the transaction. */
const RESERVED_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  'via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq', 'content-length', 'l', 'content-type', 'c',
]);

/**
 * An engine failure as a response: status kept within 300–699 (else 500), the reason as the
 * reason phrase and as a Reason header (RFC 3326, allowed in responses by RFC 6432), plus the
 * engine's extra headers.
 */
export function failureResponse(answer: Extract<OfferAnswer, { ok: false }>): { status: number; reason: string; headers: HeaderPair[] } {
  const status = Number.isInteger(answer.status) && answer.status >= 300 && answer.status <= 699 ? answer.status : 500;
  const reason = sanitizeHeaderText(answer.reason || reasonPhrase(status)) || reasonPhrase(status);
  const text = reason.replace(/[\\"]/g, (c) => `\\${c}`);
  const headers: HeaderPair[] = [['Reason', `SIP;cause=${status};text="${text}"`]];
  for (const [name, value] of Object.entries(answer.headers ?? {})) {
    if (RESERVED_RESPONSE_HEADERS.has(name.toLowerCase())) continue;
    headers.push([name, value]);
  }
  // RFC 3261 §8.2.3: a 415 lists what we accept, so the SRC can retry with a body we read.
  if (status === 415 && !headers.some(([name]) => name.toLowerCase() === 'accept')) headers.push(['Accept', ACCEPTED_CONTENT_TYPES]);
  return { status, reason, headers };
}
