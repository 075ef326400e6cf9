/**
 * The native recording-session server: the UAS side of RFC 3261 that an SRS needs, over UDP, TCP
 * and TLS, turned into the recording-session port (src/sip/types.ts).
 *
 * Layers, bottom up (files named layer-role): parser / parser-stream / serializer (messages) →
 * transport-udp / transport-stream (TCP and TLS: transport-tcp, transport-tls) (sockets, framing) → transaction-* and transaction-layer
 * (RFC 3261 §17: matching, retransmission absorption, timers) → dialog (§12; 2xx retransmission
 * §13.3.1.4) and session-timer (RFC 4028) → this file, the UAS core (§8.2, §9.2, §13.3, §14.2,
 * §15): it calls the handler, answers for it, and reports `ended` exactly once per offered session
 * (uas-session.ts holds the per-session record).
 */
import { maskNumber, type Logger } from '../../log.js';
import type { EndReason, OfferAnswer, RecordingSessionHandler, RecordingSessionServer, SessionInfo, SipBody } from '../types.js';
import { Dialog, dialogKey } from './dialog.js';
import { NativeServerError, SipTransactionError } from './errors.js';
import { optionTags, parseNameAddr, parseSessionExpires } from './header-values.js';
import { newBranch, newSessionId, newTag } from './ids.js';
import { describeRequest, responseEnvelope, type IncomingRequest } from './message-incoming.js';
import {
  ACCEPTED_CONTENT_TYPES,
  ALLOWED_METHODS,
  EMPTY_BODY,
  KNOWN_UNSERVED_METHODS,
  SUPPORTED_OPTION_TAGS,
  reasonPhrase,
  type SipRequest,
} from './message.js';
import { isRespondable, type ParseOptions, type ParseResult } from './parser.js';
import type { HeaderPair, ResponseOptions } from './serializer.js';
import {
  allowsUpdate,
  negotiateSessionTimer,
  timerRequestOf,
  timerResponseHeaders,
  UasRefreshSchedule,
  type RefreshResult,
  type TimerDecision,
} from './session-timer.js';
import { TimerSet } from './timers.js';
import { InviteServerTransaction } from './transaction-invite-server.js';
import { TransactionLayer } from './transaction-layer.js';
import type { ClientOutcome } from './transaction-non-invite-client.js';
import { DEFAULT_TIMERS, type TransactionTimers } from './transaction.js';
import type { StreamTransportOptions } from './transport-stream.js';
import { TcpTransport } from './transport-tcp.js';
import { TlsTransport } from './transport-tls.js';
import { UdpTransport } from './transport-udp.js';
import { isStreamTransport, type SendErrorCallback, type SendTarget, type TransportKind, type TransportSink, type TransportSource } from './transport.js';
import { LocalAddress } from './transport-address.js';
import { failureResponse, invoke, toNameAddr, type PendingRequest, type Session } from './uas-session.js';

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
export type RejectReason = 'too-many-headers' | 'body-too-large' | 'message-too-large' | 'calls-per-source' | 'overload' | 'source-not-allowed';

/** Parse failures that are limits rather than malformed input. */
const LIMIT_REASONS: Readonly<Partial<Record<string, RejectReason>>> = {
  SIP_TOO_MANY_HEADERS: 'too-many-headers',
  SIP_BODY_TOO_LARGE: 'body-too-large',
  SIP_TOO_LARGE: 'message-too-large',
};

const ALLOW = ALLOWED_METHODS.join(', ');
const SUPPORTED = 'timer, siprec';
type State = 'idle' | 'starting' | 'listening' | 'closing' | 'closed';

export class NativeSessionServer implements RecordingSessionServer {
  private readonly log: Logger;
  private readonly t: TransactionTimers;
  private readonly timers: TimerSet;
  private readonly minSE: number;
  private readonly defaultSessionExpires: number;
  private readonly maxPendingOffers: number;
  private readonly maxDialogs: number;
  private readonly limits: ParseOptions;
  private readonly maxCallsPerSource: number;
  private readonly retryAfter: number;
  private readonly closeTimeoutMs: number;
  private state: State = 'idle';
  private handler: RecordingSessionHandler | null = null;
  private udp: UdpTransport | null = null;
  private tcp: TcpTransport | null = null;
  private tls: TlsTransport | null = null;
  private ports: { udp?: number; tcp?: number; tls?: number } = {};
  private closing: Promise<void> | null = null;

  private readonly sessions = new Map<string, Session>();
  private readonly dialogs = new Map<string, Session>();
  private readonly byInvite = new Map<string, Session>();
  private readonly txl: TransactionLayer;
  private readonly local: LocalAddress;
  private pendingOffers = 0;
  /** Live sessions per source IP, for maxCallsPerSource. */
  private readonly callsBySource = new Map<string, number>();
  private readonly counters = { dropped: 0, parseErrors: 0, retransmissions: 0 };
  private readonly rejected: Record<RejectReason, number> = {
    'too-many-headers': 0,
    'body-too-large': 0,
    'message-too-large': 0,
    'calls-per-source': 0,
    overload: 0,
    'source-not-allowed': 0,
  };
  private readonly sink: TransportSink;

  constructor(private readonly opts: NativeSessionServerOptions) {
    this.log = opts.logger;
    this.t = {
      t1: opts.timers?.t1 ?? DEFAULT_TIMERS.t1,
      t2: opts.timers?.t2 ?? DEFAULT_TIMERS.t2,
      t4: opts.timers?.t4 ?? DEFAULT_TIMERS.t4,
    };
    this.timers = new TimerSet((err) => this.log.error({ err }, 'sip timer callback failed'));
    this.minSE = opts.minSE ?? 90;
    this.defaultSessionExpires = Math.max(opts.defaultSessionExpires ?? 1800, this.minSE);
    this.maxPendingOffers = opts.maxPendingOffers ?? 200;
    this.maxDialogs = opts.maxDialogs ?? 10_000;
    this.limits = {
      maxBytes: opts.maxMessageBytes ?? 65535,
      maxHeaders: opts.maxHeaders ?? 100,
      maxBodyBytes: opts.maxBodyBytes ?? 32768,
    };
    this.maxCallsPerSource = opts.maxCallsPerSource ?? 2000;
    this.retryAfter = opts.retryAfterSeconds ?? 5;
    this.closeTimeoutMs = opts.closeTimeoutMs ?? Math.min(2000, 64 * this.t.t1);
    this.local = new LocalAddress(opts, (transport) => this.ports[transport] ?? opts.port);
    this.txl = new TransactionLayer({
      timers: this.timers,
      t: this.t,
      logger: this.log,
      send: (target, data, onError) => this.send(target, data, onError),
      responseHeaders: opts.userAgent ? [['Server', opts.userAgent]] : [],
    });
    this.sink = {
      onMessage: (result, source) => this.onMessage(result, source),
      onConnectionClosed: (id) => {
        if (this.log.isLevelEnabled('debug')) this.log.debug({ conn: id }, 'sip connection closed');
      },
    };
  }

  // ---- port ----

  async listen(handler: RecordingSessionHandler): Promise<void> {
    if (this.state !== 'idle') {
      throw new NativeServerError(this.state === 'closing' || this.state === 'closed' ? 'SIP_CLOSED' : 'SIP_ALREADY_LISTENING', `cannot listen: server is ${this.state}`);
    }
    this.state = 'starting';
    this.handler = handler;
    try {
      await this.bind();
    } catch (err) {
      this.state = 'idle';
      this.handler = null;
      if (err instanceof NativeServerError) throw err;
      throw new NativeServerError('SIP_BIND_FAILED', `cannot bind SIP on ${this.opts.host}:${this.opts.port}`, { cause: err });
    }
    if (this.state !== 'starting') {
      // close() ran while we were binding: it found no sockets, so release them here.
      await this.closeTransports();
      throw new NativeServerError('SIP_CLOSED', 'closed while starting');
    }
    this.state = 'listening';
    this.log.info({ host: this.opts.host, ...this.ports }, 'sip listening');
  }

  /** Bound ports (port 0 resolved). */
  address(): { udp?: number; tcp?: number; tls?: number } {
    return { ...this.ports };
  }

  async hangup(sessionId: string, reason: EndReason): Promise<void> {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    switch (s.phase) {
      case 'offering':
        // Not answered yet: a final failure ends it (the engine's later answer is dropped).
        this.txl.respond(s.inviteTx, s.invite, 480, reasonPhrase(480), { toTag: s.localTag });
        s.phase = 'terminated';
        this.notifyEnded(s, reason);
        this.release(s);
        return;
      case 'answered':
        // RFC 3261 §15: no BYE before the ACK for our 2xx arrives or times out.
        s.byeAfterAck = true;
        this.notifyEnded(s, reason);
        return;
      case 'confirmed': {
        const bye = this.sendBye(s);
        this.notifyEnded(s, reason);
        await bye;
        return;
      }
      case 'terminating':
        await s.bye;
        return;
      case 'terminated':
        return;
    }
  }

  /** Idempotent: the first call does the work, later calls get the same promise. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  stats(): NativeServerStats {
    return {
      dialogs: this.dialogs.size,
      transactions: this.txl.size,
      timers: this.timers.size,
      responsesByCode: { ...this.txl.responsesByCode },
      dropped: this.counters.dropped,
      parseErrors: this.counters.parseErrors,
      retransmissionsAbsorbed: this.counters.retransmissions,
      rejected: { ...this.rejected },
    };
  }

  /** Open sockets (listening and connections), for leak checks. */
  get openSockets(): number {
    return (this.udp?.sockets ?? 0) + (this.tcp?.sockets ?? 0) + (this.tls?.sockets ?? 0);
  }

  // ---- lifecycle ----

  private async bind(): Promise<void> {
    const wantUdp = this.opts.transports.includes('udp');
    const wantTcp = this.opts.transports.includes('tcp');
    const tlsOpts = this.opts.tls;
    if (!wantUdp && !wantTcp && !tlsOpts) throw new Error('no transport configured');
    // Built before anything is bound: an unusable certificate or key fails with nothing to undo.
    let tls: TlsTransport | null = null;
    if (tlsOpts) {
      try {
        tls = new TlsTransport(this.sink, this.streamOptions('tls'), { cert: tlsOpts.cert, key: tlsOpts.key });
      } catch (err) {
        throw new NativeServerError('SIP_TLS_INVALID', 'the SIP TLS certificate or key is unusable', { cause: err });
      }
    }
    if (wantUdp || wantTcp) await this.bindUdpTcp(wantUdp, wantTcp);
    if (tls && tlsOpts) {
      this.tls = tls;
      try {
        this.ports.tls = await tls.listen(this.opts.host, tlsOpts.port);
      } catch (err) {
        await this.closeTransports();
        throw err;
      }
    }
  }

  /** What TCP and TLS share: limits, the allow-list at accept time, idle and incomplete-message timeouts. */
  private streamOptions(kind: 'tcp' | 'tls'): StreamTransportOptions {
    const opts: StreamTransportOptions = {
      limits: this.limits,
      logger: this.log,
      onSourceRefused: () => {
        this.rejected['source-not-allowed']++;
      },
      inUse: (connectionId) => this.connectionInUse(kind, connectionId),
      onIncompleteMessage: () => {
        this.counters.dropped++;
      },
    };
    if (this.opts.allowSource) opts.allowSource = this.opts.allowSource;
    if (this.opts.connectionIdleTimeoutMs !== undefined) opts.idleTimeoutMs = this.opts.connectionIdleTimeoutMs;
    if (this.opts.incompleteMessageTimeoutMs !== undefined) opts.incompleteMessageTimeoutMs = this.opts.incompleteMessageTimeoutMs;
    return opts;
  }

  /**
   * Whether a live session relies on this connection: its INVITE came on it and is not answered yet
   * (the answer goes back on it), its dialog's requests come and ours go on it (Dialog.source, RFC 3261 §18.1.1 reuse),
   * or a re-INVITE/UPDATE on it awaits the engine. Asked only when a connection has been idle for
   * connectionIdleTimeoutMs, so a scan is cheap enough.
   */
  private connectionInUse(kind: 'tcp' | 'tls', connectionId: number): boolean {
    const on = (src: TransportSource | undefined): boolean => src?.transport === kind && src.connectionId === connectionId;
    for (const s of this.sessions.values()) {
      if (s.phase === 'terminated') continue;
      // Once there is a dialog, its source is what counts (it follows the SRC to a new connection).
      if (on(s.dialog ? s.dialog.source : s.invite.source)) return true;
      for (const p of s.pending) if (on(p.req.source)) return true;
    }
    return false;
  }

  private async bindUdpTcp(wantUdp: boolean, wantTcp: boolean): Promise<void> {
    const host = this.opts.host;
    // Port 0: bind the first transport to an ephemeral port, then the other to the same number;
    // if that number is taken for the other protocol, start over.
    for (let attempt = 0; ; attempt++) {
      const udp = wantUdp ? new UdpTransport(this.sink, { limits: this.limits, logger: this.log }) : null;
      const tcp = wantTcp ? new TcpTransport(this.sink, this.streamOptions('tcp')) : null;
      let port = this.opts.port;
      try {
        if (udp) port = await udp.listen(host, port);
        if (tcp) port = await tcp.listen(host, port);
        this.udp = udp;
        this.tcp = tcp;
        this.ports = {};
        if (udp) this.ports.udp = port;
        if (tcp) this.ports.tcp = port;
        return;
      } catch (err) {
        await udp?.close();
        await tcp?.close();
        const code = (err as NodeJS.ErrnoException).code;
        if (this.opts.port !== 0 || code !== 'EADDRINUSE' || attempt >= 20) throw err;
      }
    }
  }

  private async shutdown(): Promise<void> {
    const wasListening = this.state === 'listening' || this.state === 'starting';
    this.state = 'closing';
    const byes: Array<Promise<void>> = [];
    for (const s of [...this.sessions.values()]) {
      try {
        for (const p of s.pending) this.txl.respond(p.tx, p.req, 487, reasonPhrase(487));
        s.pending.clear();
        switch (s.phase) {
          case 'offering':
            this.txl.respond(s.inviteTx, s.invite, 503, reasonPhrase(503), {
              toTag: s.localTag,
              headers: [['Retry-After', String(this.retryAfter)]],
            });
            s.phase = 'terminated';
            this.notifyEnded(s, 'shutdown');
            this.release(s);
            break;
          case 'answered':
          case 'confirmed':
            // Best effort: on shutdown we do not wait for a missing ACK before the BYE.
            byes.push(this.sendBye(s));
            this.notifyEnded(s, 'shutdown');
            break;
          case 'terminating':
            if (s.bye) byes.push(s.bye);
            break;
          case 'terminated':
            break;
        }
      } catch (err) {
        this.log.error({ err, session: s.id }, 'sip shutdown of a session failed');
      }
    }
    if (byes.length > 0 && wasListening) {
      await new Promise<void>((resolve) => {
        const wait = this.timers.set(this.closeTimeoutMs, resolve);
        void Promise.allSettled(byes).then(() => {
          wait.cancel();
          resolve();
        });
      });
    }
    this.state = 'closed';
    this.txl.terminateAll();
    for (const s of [...this.sessions.values()]) {
      this.notifyEnded(s, 'shutdown');
      this.release(s);
    }
    this.timers.clearAll();
    await this.closeTransports();
    this.log.info('sip closed');
  }

  private async closeTransports(): Promise<void> {
    const results = await Promise.allSettled([this.udp?.close(), this.tcp?.close(), this.tls?.close()]);
    for (const r of results) if (r.status === 'rejected') this.log.error({ err: r.reason }, 'sip transport close failed');
    this.udp = null;
    this.tcp = null;
    this.tls = null;
  }

  // ---- inbound ----

  private onMessage(result: ParseResult, source: TransportSource): void {
    try {
      if (this.state !== 'listening' && this.state !== 'closing') {
        this.counters.dropped++;
        return;
      }
      // Before anything else, so a refused source cannot reach a dialog, a transaction or the parser's answers.
      if (!(result.ok && result.message.kind === 'response') && !this.sourceAllowed(source)) {
        this.refuseSource(result, source);
        return;
      }
      if (!result.ok) {
        this.counters.parseErrors++;
        const limit = LIMIT_REASONS[result.error.code];
        if (limit) this.rejected[limit]++;
        this.onParseError(result.error.sipStatus, result.error.reasonPhrase, result.partial, source);
        return;
      }
      const msg = result.message;
      if (msg.kind === 'response') {
        if (!this.txl.onResponse(msg)) this.counters.dropped++;
      } else this.onRequest(msg, source);
    } catch (err) {
      this.log.error({ err }, 'sip message handling failed');
    }
  }

  private sourceAllowed(source: TransportSource): boolean {
    return !this.opts.allowSource || this.opts.allowSource(source.address);
  }

  /**
   * 403 to every request from a refused source, in-dialog ones included (ACK: dropped). Stateless
   * (RFC 3261 §8.2.7): a source we do not serve gets no transaction and no timers; a retransmission
   * is simply refused again.
   */
  private refuseSource(result: ParseResult, source: TransportSource): void {
    this.rejected['source-not-allowed']++;
    const req = result.ok ? (result.message.kind === 'request' ? result.message : undefined) : result.partial;
    const env = req && isRespondable(req) ? responseEnvelope(req, source) : null;
    if (env) this.txl.respondStateless(env.base, env.target, 403, reasonPhrase(403));
    if (this.log.isLevelEnabled('debug')) this.log.debug({ from: source.address, answered: env !== null }, 'sip request from a refused source');
  }

  /** Malformed: answer statelessly if Via, From, To, Call-ID and CSeq are there, else drop. */
  private onParseError(status: number, reason: string, partial: SipRequest | undefined, source: TransportSource): void {
    if (!partial || !isRespondable(partial)) {
      this.counters.dropped++;
      if (this.log.isLevelEnabled('debug')) this.log.debug({ reason, from: source.address }, 'sip unparseable message dropped');
      return;
    }
    const env = responseEnvelope(partial, source);
    if (!env) {
      this.counters.dropped++;
      return;
    }
    this.txl.respondStateless(env.base, env.target, status, reason);
    if (this.log.isLevelEnabled('debug')) this.log.debug({ status, reason, from: source.address }, 'sip malformed request answered');
  }

  private onRequest(msg: SipRequest, source: TransportSource): void {
    const req = describeRequest(msg, source, Date.now());
    if (!req) {
      this.counters.dropped++;
      return;
    }
    if (this.log.isLevelEnabled('debug')) this.log.debug({ method: req.method, callId: req.callId, cseq: req.cseq.seq }, 'sip request');
    const method = req.method;
    if (method === 'ACK') {
      this.onAck(req);
      return;
    }
    // RFC 3261 §17.2.3: a retransmission matches a live server transaction and goes no further.
    const existing = this.txl.match(req.txKey);
    if (existing) {
      this.counters.retransmissions++;
      existing.onRetransmission();
      return;
    }
    if (method === 'CANCEL') {
      this.onCancel(req);
      return;
    }
    const inDialog = req.toTag !== undefined;
    // RFC 3261 §8.2.1: methods we recognise but do not serve get 405 with Allow; others 501.
    if (!(ALLOWED_METHODS as readonly string[]).includes(method)) {
      if (KNOWN_UNSERVED_METHODS.has(method)) this.txl.reject(req, 405, reasonPhrase(405), [['Allow', ALLOW]]);
      else this.txl.reject(req, 501, reasonPhrase(501), [['Allow', ALLOW]]);
      return;
    }
    if (inDialog) {
      this.onInDialog(req);
      return;
    }
    if (this.checkRequire(req)) return;
    switch (method) {
      case 'INVITE':
        this.onInitialInvite(req);
        return;
      case 'OPTIONS':
        this.onOptions(req);
        return;
      default:
        // BYE and UPDATE only exist inside a dialog (RFC 3261 §12.2.2, RFC 3311 §5.2).
        this.txl.reject(req, 481, reasonPhrase(481));
    }
  }

  /** RFC 3261 §8.2.2.3: an option tag in Require that we do not support gets 420 with Unsupported. */
  private checkRequire(req: IncomingRequest): boolean {
    const required = optionTags(req.msg.headers.list('require'));
    if (required.length === 0) return false;
    const unsupported = required.filter((t) => !SUPPORTED_OPTION_TAGS.has(t));
    if (unsupported.length === 0) return false;
    this.txl.reject(req, 420, reasonPhrase(420), [['Unsupported', unsupported.join(', ')]]);
    return true;
  }

  private onAck(req: IncomingRequest): void {
    // RFC 3261 §17.2.3: the ACK for a non-2xx final carries the INVITE's branch.
    const tx = this.txl.match(req.txKey);
    if (tx instanceof InviteServerTransaction && (tx.state === 'completed' || tx.state === 'confirmed')) {
      tx.onAck();
      return;
    }
    // The ACK for a 2xx is a request of its own inside the dialog (§13.3.1.4, §17.1.1.3).
    const s = req.toTag !== undefined ? this.dialogs.get(dialogKey(req.callId, req.toTag, req.fromTag)) : undefined;
    if (!s?.dialog || !s.dialog.onAck(req.cseq.seq)) {
      this.counters.dropped++;
      return;
    }
    if (s.phase === 'answered') {
      s.phase = 'confirmed';
      if (s.byeAfterAck) void this.sendBye(s);
    }
  }

  /** RFC 3261 §9.2: 200 to the CANCEL, and 487 to the INVITE if no final response went out yet. */
  private onCancel(req: IncomingRequest): void {
    const inviteKey = req.txKey.endsWith('\u0000CANCEL') ? `${req.txKey.slice(0, -'CANCEL'.length)}INVITE` : req.txKey;
    const inviteTx = this.txl.match(inviteKey);
    if (!(inviteTx instanceof InviteServerTransaction)) {
      this.txl.reject(req, 481, reasonPhrase(481));
      return;
    }
    const tx = this.txl.createServer(req);
    this.txl.respond(tx, req, 200, reasonPhrase(200), { toTag: inviteTx.toTag ?? newTag(), headers: [] });
    if (!inviteTx.isFinal) inviteTx.onCancel?.();
  }

  private onOptions(req: IncomingRequest): void {
    const tx = this.txl.createServer(req);
    this.txl.respond(tx, req, 200, reasonPhrase(200), {
      toTag: newTag(),
      headers: [
        ['Allow', ALLOW],
        ['Accept', ACCEPTED_CONTENT_TYPES],
        ['Supported', SUPPORTED],
      ],
    });
  }

  // ---- initial INVITE ----

  private onInitialInvite(req: IncomingRequest): void {
    // RFC 3261 §8.2.2.2: same From tag, Call-ID and CSeq as a request already handled, but another
    // branch: a merged request (482). The same branch after its transaction ended is a stray
    // retransmission: ignore it rather than offer the call twice.
    const mergeKey = `${req.callId}\u0000${req.fromTag}\u0000${req.cseq.seq}`;
    const prior = this.byInvite.get(mergeKey);
    if (prior) {
      if (prior.invite.via.branch === req.via.branch) this.counters.dropped++;
      else this.txl.reject(req, 482, reasonPhrase(482));
      return;
    }
    const tx = this.txl.createInviteServer(req);
    const localTag = newTag();
    tx.toTag = localTag;
    // RFC 3261 §17.2.1: the handler answers asynchronously, so 100 Trying goes out at once.
    this.txl.respond(tx, req, 100, reasonPhrase(100), { headers: [] });
    if (this.state !== 'listening') {
      this.txl.respond(tx, req, 503, reasonPhrase(503), { toTag: localTag, headers: [['Retry-After', String(this.retryAfter)]] });
      return;
    }
    if (this.pendingOffers >= this.maxPendingOffers || this.sessions.size >= this.maxDialogs) {
      this.rejected.overload++;
      this.txl.respond(tx, req, 503, reasonPhrase(503), { toTag: localTag, headers: [['Retry-After', String(this.retryAfter)]] });
      if (this.log.isLevelEnabled('debug')) this.log.debug({ pending: this.pendingOffers, sessions: this.sessions.size }, 'sip overload: 503');
      return;
    }
    const sourceAddress = req.source.address;
    if ((this.callsBySource.get(sourceAddress) ?? 0) >= this.maxCallsPerSource) {
      // One SRC (or one misbehaving one) may not take every slot: 486, as RFC 3261 §21.4.24 has
      // for a callee that cannot take another call, so the SRC tries another SRS.
      this.rejected['calls-per-source']++;
      this.txl.respond(tx, req, 486, reasonPhrase(486), { toTag: localTag });
      if (this.log.isLevelEnabled('debug')) this.log.debug({ from: sourceAddress, limit: this.maxCallsPerSource }, 'sip calls-per-source limit: 486');
      return;
    }
    const h = req.msg.headers;
    const canUpdate = allowsUpdate(h) ?? true;
    const decision = negotiateSessionTimer(timerRequestOf(h), this.timerPolicy(), { canUpdate });
    if (decision.kind === 'too-small') {
      this.txl.respond(tx, req, 422, reasonPhrase(422), { toTag: localTag, headers: [['Min-SE', String(decision.minSE)]] });
      return;
    }
    const id = newSessionId();
    const info: SessionInfo = {
      id,
      callId: req.callId,
      from: toNameAddr(req.from),
      to: toNameAddr(req.to),
      requestUri: req.msg.uri,
      source: { address: req.source.address, port: req.source.port, transport: req.source.transport },
      header: (name: string) => h.values(name),
      require: optionTags(h.list('require')),
      supported: optionTags(h.list('supported')),
      receivedAt: req.receivedAt,
    };
    if (decision.kind === 'timer') info.timer = decision.timer;
    const s: Session = {
      id,
      info,
      invite: req,
      inviteTx: tx,
      localTag,
      mergeKey,
      phase: 'offering',
      offerPending: true,
      endNotified: false,
      dialog: null,
      pending: new Set(),
      timer: decision.kind === 'timer' ? decision.timer : undefined,
      canUpdate,
      refresher: null,
      refreshFailure: 'session-expired',
      byeAfterAck: false,
      bye: null,
      countedSource: sourceAddress,
    };
    this.callsBySource.set(sourceAddress, (this.callsBySource.get(sourceAddress) ?? 0) + 1);
    this.sessions.set(id, s);
    this.byInvite.set(mergeKey, s);
    this.pendingOffers++;
    tx.onCancel = () => this.cancelOffer(s);
    if (this.log.isLevelEnabled('debug')) {
      this.log.debug({ session: id, callId: req.callId, from: maskNumber(req.from.uri), to: maskNumber(req.to.uri) }, 'sip offer');
    }
    const body: SipBody = { contentType: h.get('content-type') ?? '', raw: req.msg.body };
    const handler = this.handler;
    if (!handler) return;
    invoke(() => handler.offer(info, body))
      .then(
        (answer) => this.onOfferAnswer(s, answer, decision),
        (err: unknown) => {
          this.log.error({ err, session: id }, 'sip offer handler failed');
          this.onOfferAnswer(s, { ok: false, status: 500, reason: reasonPhrase(500) }, decision);
        },
      )
      .catch((err: unknown) => this.log.error({ err, session: id }, 'sip answering an offer failed'));
  }

  private onOfferAnswer(s: Session, answer: OfferAnswer, decision: TimerDecision): void {
    if (s.offerPending) {
      s.offerPending = false;
      this.pendingOffers--;
    }
    if (s.phase !== 'offering') {
      // CANCEL, hangup or shutdown came first: the answer is dropped (a 2xx is never sent).
      if (this.log.isLevelEnabled('debug')) this.log.debug({ session: s.id, ok: answer.ok }, 'sip late answer dropped');
      return;
    }
    const req = s.invite;
    // The body went to the handler; the session does not need to keep the received bytes alive.
    req.msg.body = EMPTY_BODY;
    if (!answer.ok) {
      const { status, reason, headers } = failureResponse(answer);
      this.txl.respond(s.inviteTx, req, status, reason, { toTag: s.localTag, headers });
      s.phase = 'terminated';
      this.notifyEnded(s, 'rejected');
      this.release(s);
      return;
    }
    const h = req.msg.headers;
    const contact = parseNameAddr(h.list('contact')[0] ?? '');
    const dialog = new Dialog({
      callId: req.callId,
      localTag: s.localTag,
      remoteTag: req.fromTag,
      localUri: req.base.to,
      remoteUri: req.base.from,
      remoteTarget: contact?.uri ?? req.from.uri,
      routeSet: h.list('record-route'),
      remoteCSeq: req.cseq.seq,
      source: req.source,
    });
    s.dialog = dialog;
    this.dialogs.set(dialog.key, s);
    if (!this.answerInvite(s, s.inviteTx, req, answer.sdp, decision)) {
      // The transaction ended under us (shutdown): nothing was sent.
      s.phase = 'terminated';
      this.notifyEnded(s, 'transport-error');
      this.release(s);
      return;
    }
    s.phase = 'answered';
    this.applyTimer(s, decision);
  }

  /** CANCEL while the handler still holds the offer: 487 at once, ended('cancel'). */
  private cancelOffer(s: Session): void {
    if (s.phase !== 'offering') return;
    this.txl.respond(s.inviteTx, s.invite, 487, reasonPhrase(487), { toTag: s.localTag });
    s.phase = 'terminated';
    this.notifyEnded(s, 'cancel');
    this.release(s);
  }

  /** The 200 to an INVITE or re-INVITE: plain SDP, Contact with +sip.srs, and 2xx retransmission. */
  private answerInvite(s: Session, tx: InviteServerTransaction, req: IncomingRequest, sdp: string, decision: TimerDecision): boolean {
    const headers: HeaderPair[] = [
      ['Contact', this.local.contact(req.source)],
      ['Allow', ALLOW],
      ['Supported', SUPPORTED],
      ...timerResponseHeaders(decision),
      ['Content-Type', 'application/sdp'],
    ];
    const data = this.txl.buildResponse(req, 200, reasonPhrase(200), { toTag: s.localTag, headers, body: Buffer.from(sdp, 'utf8') });
    if (!this.txl.respondWith(tx, 200, data)) return false;
    s.dialog?.awaitAck(req.cseq.seq, data, {
      timers: this.timers,
      t: this.t,
      reliable: isStreamTransport(req.source.transport),
      send: (d) => this.send(req.target, d),
      onTimeout: () => this.onAckTimeout(s),
    });
    return true;
  }

  /** RFC 3261 §13.3.1.4: no ACK within 64*T1: the dialog is confirmed but the session ends with BYE. */
  private onAckTimeout(s: Session): void {
    if (s.phase !== 'answered' && s.phase !== 'confirmed') return;
    this.log.warn({ session: s.id, callId: s.info.callId }, 'sip no ACK for 2xx: sending BYE');
    s.phase = 'confirmed';
    const bye = this.sendBye(s);
    this.notifyEnded(s, 'ack-timeout');
    void bye;
  }

  // ---- in-dialog ----

  private onInDialog(req: IncomingRequest): void {
    const s = this.dialogs.get(dialogKey(req.callId, req.toTag ?? '', req.fromTag));
    if (!s || !s.dialog) {
      // RFC 3261 §12.2.2: no dialog matches: 481.
      this.txl.reject(req, 481, reasonPhrase(481));
      return;
    }
    if (s.phase === 'terminating' || s.phase === 'terminated') {
      // Our BYE is in flight: a crossing BYE still gets its 200; anything else finds no dialog.
      if (req.method === 'BYE') this.txl.reject(req, 200, reasonPhrase(200));
      else this.txl.reject(req, 481, reasonPhrase(481));
      return;
    }
    if (this.checkRequire(req)) return;
    const dialog = s.dialog;
    if (!dialog.acceptRemoteCSeq(req.cseq.seq)) {
      // RFC 3261 §12.2.2: lower CSeq than the last request: out of order.
      this.txl.reject(req, 500, 'Out Of Order CSeq');
      return;
    }
    if (req.source.transport === dialog.source.transport) dialog.source = req.source;
    switch (req.method) {
      case 'BYE':
        this.onBye(s, req);
        return;
      case 'INVITE':
      case 'UPDATE':
        this.onReoffer(s, req);
        return;
      case 'OPTIONS':
        this.onOptions(req);
        return;
      default:
        this.txl.reject(req, 405, reasonPhrase(405), [['Allow', ALLOW]]);
    }
  }

  private onBye(s: Session, req: IncomingRequest): void {
    const tx = this.txl.createServer(req);
    this.txl.respond(tx, req, 200, reasonPhrase(200), {});
    // RFC 3261 §15.1.2: requests still pending in the dialog get 487.
    for (const p of s.pending) this.txl.respond(p.tx, p.req, 487, reasonPhrase(487));
    s.pending.clear();
    s.phase = 'terminated';
    this.notifyEnded(s, 'bye');
    this.release(s);
  }

  /** A re-INVITE or UPDATE: hold/resume, metadata update or session refresh. */
  private onReoffer(s: Session, req: IncomingRequest): void {
    const isInvite = req.method === 'INVITE';
    const tx = this.txl.createServer(req);
    if (tx instanceof InviteServerTransaction) {
      tx.toTag = s.localTag;
      this.txl.respond(tx, req, 100, reasonPhrase(100), { headers: [] });
    }
    const hasOffer = req.msg.body.length > 0;
    const offerPending = [...s.pending].some((p) => p.hasOffer || p.tx instanceof InviteServerTransaction);
    if ((isInvite || hasOffer) && offerPending) {
      // RFC 3261 §14.2 / RFC 3311 §5.2: an offer while we still owe an answer to an earlier one:
      // 500 with a Retry-After of 0–10 s. (491 is for glare with an offer of ours; we never send one.)
      this.txl.respond(tx, req, 500, 'Previous Offer Pending', { headers: [['Retry-After', String(Math.floor(Math.random() * 11))]] });
      return;
    }
    const h = req.msg.headers;
    const allow = allowsUpdate(h);
    if (allow !== undefined) s.canUpdate = allow;
    const decision = negotiateSessionTimer(timerRequestOf(h), this.timerPolicy(), s.timer ? { current: s.timer, canUpdate: s.canUpdate } : { canUpdate: s.canUpdate });
    if (decision.kind === 'too-small') {
      this.txl.respond(tx, req, 422, reasonPhrase(422), { headers: [['Min-SE', String(decision.minSE)]] });
      return;
    }
    const pending: PendingRequest = { tx, req, hasOffer };
    s.pending.add(pending);
    if (tx instanceof InviteServerTransaction) {
      tx.onCancel = () => {
        // CANCEL of a re-INVITE: 487, and the dialog carries on unchanged (RFC 3261 §9.2, §14.2).
        if (!s.pending.delete(pending)) return;
        this.txl.respond(tx, req, 487, reasonPhrase(487));
      };
    }
    const body: SipBody | null = hasOffer ? { contentType: h.get('content-type') ?? '', raw: req.msg.body } : null;
    const handler = this.handler;
    if (!handler) return;
    const kind = isInvite ? 'invite' : 'update';
    invoke(() => handler.reoffer(s.id, body, kind, decision.kind === 'timer' ? decision.timer : undefined))
      .then(
        (answer) => this.onReofferAnswer(s, pending, answer, decision),
        (err: unknown) => {
          this.log.error({ err, session: s.id }, 'sip reoffer handler failed');
          this.onReofferAnswer(s, pending, { ok: false, status: 500, reason: reasonPhrase(500) }, decision);
        },
      )
      .catch((err: unknown) => this.log.error({ err, session: s.id }, 'sip answering a re-offer failed'));
  }

  private onReofferAnswer(s: Session, pending: PendingRequest, answer: OfferAnswer, decision: TimerDecision): void {
    // Gone from the set: cancelled, BYE or shutdown answered it already.
    if (!s.pending.delete(pending)) return;
    const { tx, req } = pending;
    if (!answer.ok) {
      // RFC 3261 §14.2: a failed re-INVITE leaves the session as it was.
      const { status, reason, headers } = failureResponse(answer);
      this.txl.respond(tx, req, status, reason, { headers });
      return;
    }
    // RFC 3261 §12.2.2: re-INVITE and UPDATE are target refresh requests.
    s.dialog?.refreshTarget(req.msg.headers.list('contact')[0]);
    if (tx instanceof InviteServerTransaction) {
      // A re-INVITE without an offer gets our SDP as the offer in the 2xx (RFC 3261 §14.2); the
      // answer in the ACK is not passed on (the port has no place for it).
      this.answerInvite(s, tx, req, answer.sdp, decision);
    } else {
      // RFC 3311 §5.2: an UPDATE without an offer gets a 2xx without an answer.
      const headers: HeaderPair[] = [
        ['Contact', this.local.contact(req.source)],
        ['Allow', ALLOW],
        ['Supported', SUPPORTED],
        ...timerResponseHeaders(decision),
      ];
      if (pending.hasOffer) headers.push(['Content-Type', 'application/sdp']);
      const opts: ResponseOptions = { headers };
      if (pending.hasOffer) opts.body = Buffer.from(answer.sdp, 'utf8');
      this.txl.respond(tx, req, 200, reasonPhrase(200), opts);
    }
    // RFC 4028 §10: a successful refresh request restarts the session timer.
    this.applyTimer(s, decision);
  }

  // ---- session timer (we refresh) ----

  private timerPolicy(): { minSE: number; defaultSessionExpires: number } {
    return { minSE: this.minSE, defaultSessionExpires: this.defaultSessionExpires };
  }

  private applyTimer(s: Session, decision: TimerDecision): void {
    if (decision.kind !== 'timer') {
      s.timer = undefined;
      s.refresher?.stop();
      s.refresher = null;
      return;
    }
    s.timer = decision.timer;
    if (decision.timer.refresher === 'uas' && !decision.cannotRefresh) {
      if (!s.refresher) {
        s.refresher = new UasRefreshSchedule(
          this.timers,
          () => this.refreshWithUpdate(s),
          () => this.onRefreshFatal(s),
          (why) => this.log.info({ session: s.id, why }, 'sip session refreshes by us stopped'),
          (err) => this.log.error({ err, session: s.id }, 'sip session refresh failed'),
        );
      }
      s.refresher.start(decision.timer.interval);
      return;
    }
    s.refresher?.stop();
    s.refresher = null;
    if (decision.cannotRefresh) {
      this.log.warn({ session: s.id }, 'sip SRC insists on refresher=uas but does not allow UPDATE: no refreshes will be sent');
    }
  }

  /** RFC 4028 §7.4, §10: a body-less UPDATE, where we are the UAC and so name refresher=uac. */
  private async refreshWithUpdate(s: Session): Promise<RefreshResult> {
    if (s.phase !== 'answered' && s.phase !== 'confirmed') return { kind: 'retry' };
    const interval = s.timer?.interval ?? this.defaultSessionExpires;
    const outcome = await this.sendInDialog(s, 'UPDATE', [
      ['Session-Expires', `${interval};refresher=uac`],
      ['Min-SE', String(this.minSE)],
      ['Supported', SUPPORTED],
    ], true);
    if (!outcome.ok) {
      if (outcome.error.code === 'SIP_TRANSACTION_ABORTED') return { kind: 'retry' };
      s.refreshFailure = outcome.error.code === 'SIP_TRANSPORT_ERROR' ? 'transport-error' : 'session-expired';
      return { kind: 'fatal' };
    }
    const status = outcome.response.status;
    if (status >= 200 && status < 300) {
      const se = parseSessionExpires(outcome.response.headers.get('session-expires') ?? '');
      // RFC 4028 §7.2: no Session-Expires in the 2xx means no session timer any more.
      if (!se) {
        s.timer = undefined;
        return { kind: 'refreshed', interval, weRefresh: false };
      }
      // In our UPDATE we are the UAC: refresher=uac means us, which is 'uas' in the dialog's terms.
      const weRefresh = se.refresher !== 'uas';
      s.timer = { interval: se.interval, refresher: weRefresh ? 'uas' : 'uac' };
      return { kind: 'refreshed', interval: se.interval, weRefresh };
    }
    if (status === 408 || status === 481) {
      s.refreshFailure = 'session-expired';
      return { kind: 'fatal' };
    }
    if (status === 405 || status === 501 || status === 420) return { kind: 'unsupported' };
    return { kind: 'retry' };
  }

  private onRefreshFatal(s: Session): void {
    if (s.phase !== 'answered' && s.phase !== 'confirmed') return;
    const bye = this.sendBye(s);
    this.notifyEnded(s, s.refreshFailure);
    void bye;
  }

  // ---- outbound requests ----

  /** BYE through a non-INVITE client transaction; the session is released when it completes. */
  private sendBye(s: Session): Promise<void> {
    if (s.bye) return s.bye;
    s.phase = 'terminating';
    this.uncountSource(s);
    s.refresher?.stop();
    s.refresher = null;
    s.dialog?.stopAckWaits();
    s.bye = this.sendInDialog(s, 'BYE', [], false)
      .then((outcome) => {
        if (this.log.isLevelEnabled('debug')) {
          this.log.debug({ session: s.id, status: outcome.ok ? outcome.response.status : outcome.error.code }, 'sip BYE done');
        }
      })
      .catch((err: unknown) => this.log.error({ err, session: s.id }, 'sip BYE failed'))
      .finally(() => {
        s.phase = 'terminated';
        this.release(s);
      });
    return s.bye;
  }

  private sendInDialog(s: Session, method: string, headers: HeaderPair[], withContact: boolean): Promise<ClientOutcome> {
    const dialog = s.dialog;
    if (!dialog) return Promise.resolve({ ok: false, error: new SipTransactionError('SIP_TRANSACTION_ABORTED', 'no dialog') });
    const target = dialog.target();
    const branch = newBranch();
    const via = `SIP/2.0/${target.transport.toUpperCase()} ${this.local.hostPort(dialog.source)};branch=${branch};rport`;
    const built = dialog.buildRequest(method, {
      via,
      headers,
      ...(withContact ? { contact: this.local.contact(dialog.source) } : {}),
      ...(this.opts.userAgent ? { userAgent: this.opts.userAgent } : {}),
    });
    return this.txl.request(target, branch, method, built.data);
  }

  // ---- plumbing ----

  private send(target: SendTarget, data: Buffer, onError?: SendErrorCallback): void {
    const transport = this.transportFor(target.transport);
    if (!transport) {
      if (onError) queueMicrotask(() => onError(new Error(`no ${target.transport} transport`)));
      return;
    }
    transport.send(target, data, onError);
  }

  private transportFor(kind: TransportKind): UdpTransport | TcpTransport | TlsTransport | null {
    switch (kind) {
      case 'udp':
        return this.udp;
      case 'tcp':
        return this.tcp;
      case 'tls':
        return this.tls;
    }
  }

  /** The session no longer counts toward its source's maxCallsPerSource (once; BYE sent or released). */
  private uncountSource(s: Session): void {
    const address = s.countedSource;
    if (address === null) return;
    s.countedSource = null;
    const n = (this.callsBySource.get(address) ?? 1) - 1;
    if (n > 0) this.callsBySource.set(address, n);
    else this.callsBySource.delete(address);
  }

  private notifyEnded(s: Session, reason: EndReason): void {
    if (s.endNotified) return;
    s.endNotified = true;
    if (this.log.isLevelEnabled('debug')) this.log.debug({ session: s.id, reason }, 'sip session ended');
    const handler = this.handler;
    if (!handler) return;
    try {
      handler.ended(s.id, reason);
    } catch (err) {
      this.log.error({ err, session: s.id }, 'sip ended handler failed');
    }
  }

  /** Forgets a session: maps, refresh schedule, 2xx retransmissions. Transactions live on. */
  private release(s: Session): void {
    if (s.offerPending) {
      // The handler still holds the offer; its answer will find the session terminated.
      s.offerPending = false;
      this.pendingOffers--;
    }
    s.refresher?.stop();
    s.refresher = null;
    s.dialog?.stopAckWaits();
    s.inviteTx.onCancel = undefined;
    this.uncountSource(s);
    this.sessions.delete(s.id);
    if (this.byInvite.get(s.mergeKey) === s) this.byInvite.delete(s.mergeKey);
    if (s.dialog && this.dialogs.get(s.dialog.key) === s) this.dialogs.delete(s.dialog.key);
  }
}

