/**
 * The native recording-session server's options, counters and refusal reasons (its public
 * surface besides the class, re-exported by native-session-server.ts and index.ts).
 */
import type { Logger } from '../../log.js';
import type { Admission } from '../admission.js';

export interface NativeSessionServerOptions {
  /** Address to bind (UDP and TCP share host and port; TLS shares the host). */
  host: string;
  /** Port to bind; 0 binds an ephemeral port, the same one for UDP and TCP (see address()). */
  port: number;
  /** May be empty when `tls` is set. */
  transports: Array<'udp' | 'tcp'>;
  /**
   * SIP over TLS (RFC 3261 §26.2, RFC 5630) on its own port (0: ephemeral), with this PEM
   * certificate (chain) and key. Contact says `transport=tls`; no client certificate is asked for.
   */
  tls?: { port: number; cert: string | Buffer; key: string | Buffer };
  logger: Logger;
  /**
   * Every request (in-dialog ones too) from a source it rejects gets 403 Forbidden, sent without
   * keeping state; an ACK is dropped. Responses to our own requests are not checked. Over TCP and
   * TLS a refused source's connection is closed as soon as it is accepted (before any TLS
   * handshake), unanswered, and counted once per connection.
   */
  allowSource?: (address: string) => boolean;
  /**
   * TCP/TLS: a connection without a complete message for this long is closed, unless a session
   * still relies on it (its dialog, or an offer being answered): then it stays open for as long
   * as the session lives (default 60000).
   */
  connectionIdleTimeoutMs?: number;
  /** TCP/TLS: a message still incomplete this long after its first bytes is dropped and the connection closed (default 10000). */
  incompleteMessageTimeoutMs?: number;
  /** RFC 3261 §17.1.1.1 timers in ms (default 500 / 4000 / 5000). */
  timers?: { t1?: number; t2?: number; t4?: number };
  /** Our Min-SE in seconds (RFC 4028 §5, default 90). */
  minSE?: number;
  /** Session interval proposed when the SRC supports timer but sends no Session-Expires (default 1800). */
  defaultSessionExpires?: number;
  /** Offers awaiting the handler; beyond this new INVITEs get 503 with Retry-After (default 200). */
  maxPendingOffers?: number;
  /** Live sessions (offered, answered or confirmed); beyond this 503 with Retry-After (default 10000). */
  maxDialogs?: number;
  /** Largest message accepted (default 65535); larger gets 513. */
  maxMessageBytes?: number;
  /** Most header fields in one message (default 100); more gets 400 Too Many Headers, or is dropped when unanswerable. */
  maxHeaders?: number;
  /**
   * Largest body (default 32768): a larger Content-Length gets 413. Over TCP/TLS the body is not
   * read and the connection is closed after the answer.
   */
  maxBodyBytes?: number;
  /** Live sessions (offered, answered or confirmed) from one source IP; beyond this new INVITEs get 486 (default 2000). */
  maxCallsPerSource?: number;
  /** Server / User-Agent header value. */
  userAgent?: string;
  /** Retry-After seconds on 503 (default 5). */
  retryAfterSeconds?: number;
  /**
   * Early shedding: new INVITEs it does not admit get 503 with its Retry-After at once, before
   * any other work (default: admit all). The server closes it.
   */
  admission?: Pick<Admission, 'admit' | 'retryAfterSeconds' | 'close'> & Partial<Pick<Admission, 'watchQueue'>>;
  /** Host for Via and Contact when `host` is a wildcard address (default: the connection's or the first interface's address). */
  advertisedHost?: string;
  /** How long close() waits for BYE responses (default min(2000, 64*T1)). */
  closeTimeoutMs?: number;
}

export interface NativeServerStats {
  /** Dialogs established (2xx sent) and not yet torn down. */
  dialogs: number;
  /** Live server and client transactions. */
  transactions: number;
  /** Live timers (transactions, 2xx retransmission, refreshes). */
  timers: number;
  /** Responses sent, by status (first transmissions, not retransmissions). */
  responsesByCode: Record<number, number>;
  /** Messages dropped: unparseable without a way to answer, unmatched ACKs and responses, incomplete past incompleteMessageTimeoutMs, after close. */
  dropped: number;
  /** Messages that failed to parse or validate (answered or not). */
  parseErrors: number;
  /** Request retransmissions matched to a live server transaction and kept from the engine. */
  retransmissionsAbsorbed: number;
  /**
   * Requests refused by a limit or policy, by reason (answered or, when unanswerable, dropped).
   * source-not-allowed counts requests over UDP, and connections over TCP/TLS (closed at accept).
   */
  rejected: Record<RejectReason, number>;
}

/**
 * Why a request was refused before the engine saw it: size and header limits (413, 400, 513),
 * the per-source call limit (486), the global limits (503 overload) and the source allow-list (403).
 */
export const REJECT_REASONS = ['too-many-headers', 'body-too-large', 'message-too-large', 'calls-per-source', 'overload', 'source-not-allowed'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** What the server counts as it goes; stats() reports it. */
export interface ServerCounters {
  dropped: number;
  parseErrors: number;
  retransmissions: number;
  rejected: Record<RejectReason, number>;
}

export function newCounters(): ServerCounters {
  const rejected = {} as Record<RejectReason, number>; // filled with every reason on the next line
  for (const reason of REJECT_REASONS) rejected[reason] = 0;
  return { dropped: 0, parseErrors: 0, retransmissions: 0, rejected };
}
