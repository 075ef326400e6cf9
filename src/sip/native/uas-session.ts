/**
 * The native UAS core's record of one recording session (one initial INVITE and the dialog it
 * creates), what its parts share (UasContext), and the helpers that turn engine answers into SIP.
 * The session's phases, `ended` exactly once and release are src/sip/session-lifecycle.ts's; this
 * record adds the transactions, the dialog and the refresh schedule.
 */
import type { Logger } from '../../log.js';
import type { SessionLifecycle } from '../session-lifecycle.js';
import type { LifecycleSession, PendingReoffer } from '../session-record.js';
import type { EndReason, NameAddr, OfferAnswer } from '../types.js';
import type { Dialog } from './dialog.js';
import type { ParsedNameAddr } from './header-values.js';
import type { IncomingRequest } from './message-incoming.js';
import { ACCEPTED_CONTENT_TYPES, reasonPhrase } from './message.js';
import { sanitizeHeaderText, type HeaderPair } from './serializer.js';
import type { NativeSessionServerOptions, ServerCounters } from './server-options.js';
import type { UasRefreshSchedule } from './session-timer.js';
import type { TimerSet } from './timers.js';
import type { InviteServerTransaction } from './transaction-invite-server.js';
import type { ServerTransaction, TransactionLayer } from './transaction-layer.js';
import type { TransactionTimers } from './transaction.js';
import type { LocalAddress } from './transport-address.js';
import type { SendErrorCallback, SendTarget } from './transport.js';

/** An in-dialog re-INVITE or UPDATE waiting for the handler's answer. */
export interface PendingRequest extends PendingReoffer {
  tx: ServerTransaction;
  req: IncomingRequest;
}

export interface Session extends LifecycleSession<PendingRequest> {
  invite: IncomingRequest;
  inviteTx: InviteServerTransaction;
  localTag: string;
  /** Call-ID, From tag and CSeq of the INVITE: RFC 3261 §8.2.2.2 merged-request detection. */
  mergeKey: string;
  dialog: Dialog | null;
  refresher: UasRefreshSchedule | null;
  /** Reason to end with once our refresh failed. */
  refreshFailure: EndReason;
}

export type NativeLifecycle = SessionLifecycle<PendingRequest, Session>;

/** What the UAS core's parts (router, INVITE, in-dialog, refresh) share; the server builds it. */
export interface UasContext {
  readonly opts: NativeSessionServerOptions;
  readonly log: Logger;
  readonly t: TransactionTimers;
  readonly timers: TimerSet;
  readonly txl: TransactionLayer;
  readonly local: LocalAddress;
  readonly lifecycle: NativeLifecycle;
  /** Answered sessions by dialog key (Call-ID, local and remote tags). */
  readonly dialogs: Map<string, Session>;
  /** Sessions by merge key, for RFC 3261 §8.2.2.2. */
  readonly byInvite: Map<string, Session>;
  readonly counters: ServerCounters;
  /** Whether new INVITEs are served (not starting, closing or closed). */
  listening(): boolean;
  send(target: SendTarget, data: Buffer, onError?: SendErrorCallback): void;
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
