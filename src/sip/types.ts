/**
 * The recording-session port. The SIPREC domain never sees SIP transactions: an adapter
 * (src/sip/native, later src/sip/drachtio) turns SIP into these calls and back.
 */

export type SipTransport = 'udp' | 'tcp' | 'tls';

export interface SipSource {
  address: string;
  port: number;
  transport: SipTransport;
}

/** A name-addr from From/To/Contact/P-Asserted-Identity. */
export interface NameAddr {
  uri: string;
  display?: string;
  tag?: string;
}

/** RFC 4028 session timer as negotiated by the adapter for this dialog. */
export interface SessionTimer {
  /** Session interval in seconds. */
  interval: number;
  /** Who sends the refreshes. When 'uac' the SRC refreshes and we end the call if it does not. */
  refresher: 'uac' | 'uas';
}

/** What the engine learns about a new recording session (an initial INVITE). */
export interface SessionInfo {
  /** Adapter-unique, stable for the dialog's life. */
  id: string;
  /** The SIP Call-ID. */
  callId: string;
  from: NameAddr;
  to: NameAddr;
  requestUri: string;
  source: SipSource;
  /** Header lookup: case-insensitive, compact forms resolved; all values of a repeated header. */
  header(name: string): string[];
  /** Option tags from Require and Supported. */
  require: string[];
  supported: string[];
  /** Negotiated session timer, if any. */
  timer?: SessionTimer;
  /** Time the request was received (ms since epoch). */
  receivedAt: number;
}

export interface SipBody {
  /** The message's Content-Type header value, verbatim (may be empty when there is no body). */
  contentType: string;
  /** Byte-exact body. */
  raw: Buffer;
}

export type OfferAnswer =
  | { ok: true; sdp: string }
  | { ok: false; status: number; reason: string; headers?: Record<string, string> };

export type ReofferKind = 'invite' | 'update';

export type EndReason =
  | 'bye' // the SRC sent BYE
  | 'cancel' // the SRC cancelled before the answer was acknowledged
  | 'session-expired' // RFC 4028: the refresher missed its refresh
  | 'ack-timeout' // RFC 3261 §13.3.1.4: no ACK for our 2xx
  | 'transport-error' // connection lost / unreachable
  | 'rejected' // we answered the INVITE with a failure
  | 'hangup' // the engine ended it (policy)
  | 'media-timeout'
  | 'shutdown';

/** What the adapter calls. Implemented by the engine. */
export interface RecordingSessionHandler {
  /** A new INVITE. The answer becomes a 200 with plain application/sdp, or a failure response. */
  offer(session: SessionInfo, body: SipBody): Promise<OfferAnswer>;
  /**
   * A re-INVITE or UPDATE inside the dialog: hold/resume, metadata update or session refresh.
   * body is null when the request carried none (a bare refresh). The engine answers with a full SDP.
   * timer is the session timer in force once this request is answered (RFC 4028 lets a refresh
   * change the interval or the refresher); undefined when none is.
   */
  reoffer(sessionId: string, body: SipBody | null, kind: ReofferKind, timer: SessionTimer | undefined): Promise<OfferAnswer>;
  /** The dialog is over, however it ended. Called exactly once per session that was offered. */
  ended(sessionId: string, reason: EndReason): void;
}

/** A SIP stack adapter. */
export interface RecordingSessionServer {
  /** Start listening; the handler receives every recording session. */
  listen(handler: RecordingSessionHandler): Promise<void>;
  /** The engine ends a session: BYE (or a failure response if not yet answered). */
  hangup(sessionId: string, reason: EndReason): Promise<void>;
  /** Stop accepting, end every dialog, release every socket and timer. Idempotent. */
  close(): Promise<void>;
}
