/**
 * What the transaction layer shares: timer values (RFC 3261 §17.1.1.1 T1/T2/T4) and the keys
 * transactions are matched by (§17.1.3 for clients, §17.2.3 for servers).
 */
import type { Logger } from '../../log.js';
import { BRANCH_MAGIC_COOKIE, type Via } from './header-values.js';
import type { TimerSet } from './timers.js';

export interface TransactionTimers {
  /** RTT estimate, default 500 ms. */
  t1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  t2: number;
  /** Maximum duration a message remains in the network, default 5 s. */
  t4: number;
}

export const DEFAULT_TIMERS: TransactionTimers = { t1: 500, t2: 4000, t4: 5000 };

export interface TransactionDeps {
  timers: TimerSet;
  t: TransactionTimers;
  /** Reliable transport (TCP): no retransmissions, zero-length wait states (§17.1.2.2, §17.2.1). */
  reliable: boolean;
  logger: Logger;
  /**
   * Where a finished server transaction waits 64×T1 (Timer L after a 2xx, Timer J) before it
   * terminates: one queue for all of them (src/sip/native/expiry-queue.ts).
   */
  linger: { add(tx: { terminate(): void }): void };
}

/** Key parts of a request needed for RFC 2543 (no magic cookie) matching. */
export interface LegacyMatchParts {
  callId: string;
  cseq: number;
  fromTag: string;
  viaRaw: string;
}

function sentBy(via: Via): string {
  return `${via.host.toLowerCase()}:${via.port ?? 5060}`;
}

/**
 * RFC 3261 §17.2.3: a request matches a server transaction by the top Via branch (with the
 * magic cookie), the sent-by, and the method (ACK matches the INVITE). Older clients without the
 * cookie are matched on Call-ID, CSeq, From tag and the whole top Via.
 */
export function serverTransactionKey(via: Via, method: string, legacy: LegacyMatchParts): string {
  const m = method === 'ACK' ? 'INVITE' : method;
  const branch = via.branch;
  if (branch && branch.startsWith(BRANCH_MAGIC_COOKIE)) return `${branch}\u0000${sentBy(via)}\u0000${m}`;
  return `legacy\u0000${legacy.callId}\u0000${legacy.cseq}\u0000${legacy.fromTag}\u0000${legacy.viaRaw}\u0000${m}`;
}

/** RFC 3261 §17.1.3: a response matches a client transaction by top Via branch and CSeq method. */
export function clientTransactionKey(branch: string, method: string): string {
  return `${branch}\u0000${method}`;
}
