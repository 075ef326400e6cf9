/**
 * The recording-session port (src/sip/types.ts) over drachtio-srf: callguard is a drachtio
 * application and drachtio-server (a separate process, sofia-sip) is the SIP stack. drachtio-server
 * sends 100 Trying, absorbs retransmissions, retransmits our 2xx until the ACK (and sends BYE when
 * none comes), answers CANCEL with 200 + 487, answers 481 for unknown dialogs and runs the RFC 4028
 * timers armed by the Session-Expires of our 200. This adapter decides what the native adapter
 * decides (same request parser, same session timer negotiation, same failure mapping) and reports
 * `ended` exactly once per offered session.
 *
 * A session moves offering ─engine answers─▶ answering ─200 sent─▶ answered ─ACK─▶ confirmed
 * ─our BYE─▶ terminating ─▶ terminated; a failure, CANCEL, their BYE or hangup before the answer
 * go straight to terminated.
 */
import { randomUUID } from 'node:crypto';
import { maskNumber, type Logger } from '../../log.js';
import type { EndReason, OfferAnswer, RecordingSessionHandler, RecordingSessionServer, ReofferKind, SessionInfo, SessionTimer, SipBody } from '../types.js';
import {
  ALLOW,
  allowsUpdate,
  failureOf,
  headerRecord,
  nameAddrOf,
  negotiateSessionTimer,
  optionTags,
  parseRawRequest,
  sipBodyOf,
  srsContact,
  SUPPORTED,
  timerRequestOf,
  timerResponseHeaders,
  transportOf,
  unsupportedRequired,
  type TimerDecision,
} from './drachtio-message.js';
import { DrachtioServerError } from './errors.js';
import { createSrf, rebindDialog, stopConnection, type SrfApp, type SrfDialog, type SrfRequest, type SrfResponse } from './srf-binding.js';

export interface DrachtioSessionServerOptions {
  /** drachtio-server's admin address (we connect to it: an inbound connection). */
  host: string;
  port: number;
  /** The shared secret drachtio-server expects. Never logged. */
  secret: string;
  logger: Logger;
  /** Our Min-SE in seconds (RFC 4028 §5, default 90). */
  minSE?: number;
  /** Session interval proposed when the SRC supports timer but sends no Session-Expires (default 1800). */
  defaultSessionExpires?: number;
  /** Live sessions from one source IP; beyond this new INVITEs get 486 (default 2000). */
  maxCallsPerSource?: number;
  /**
   * SRC allow-list (CALLGUARD_SRC_ALLOW): recording INVITEs and in-dialog re-INVITEs and UPDATEs
   * from other addresses get 403 (drachtio-server matches a dialog by Call-ID and tags, whatever
   * address the request comes from). An in-dialog BYE cannot be refused: drachtio-srf's Dialog
   * answers it with 200 itself before it tells us (the 'destroy' event).
   */
  allowSource?: (address: string) => boolean;
  /** Server header value on our responses. */
  userAgent?: string;
  /** listen() rejects when no authenticated connection is up within this (default 10000 ms). */
  connectTimeoutMs?: number;
  /** Longest wait between reconnect attempts (default 30000 ms; drachtio-srf starts at ~255 ms and grows 1.7×). */
  reconnectMaxDelayMs?: number;
  /** Keep-alive ping to drachtio-server (default 15000 ms, drachtio-srf's minimum is 5000). */
  pingIntervalMs?: number;
  /** How long hangup() waits for the BYE's answer (default 32000 ms, 64×T1). */
  byeTimeoutMs?: number;
  /** How long close() waits for BYE answers (default 2000 ms). */
  closeTimeoutMs?: number;
  /** Retry-After seconds on 503 (default 5). */
  retryAfterSeconds?: number;
}

export interface DrachtioServerStats {
  /** Dialogs established (2xx sent) and not yet torn down. */
  dialogs: number;
  /** Sessions offered and not yet released (pending offers included). */
  sessions: number;
  /** Responses this application sent, by status (drachtio-server's own 100, 487 and 481 are not counted). */
  responsesByCode: Record<number, number>;
  /** Requests refused by a limit before the engine saw them. */
  rejected: Record<DrachtioRejectReason, number>;
  /** An authenticated connection to drachtio-server is up. */
  connected: boolean;
  /** Authenticated connections made so far (more than 1: reconnects). */
  connects: number;
}

export type DrachtioRejectReason = 'calls-per-source' | 'source-not-allowed';

type State = 'idle' | 'connecting' | 'listening' | 'closing' | 'closed';
type Phase = 'offering' | 'answering' | 'answered' | 'confirmed' | 'terminating' | 'terminated';

/** A re-INVITE or UPDATE awaiting the handler's answer. */
interface PendingRequest {
  isInvite: boolean;
  hasOffer: boolean;
  res: SrfResponse;
}

interface Session {
  id: string;
  info: SessionInfo;
  req: SrfRequest;
  res: SrfResponse;
  phase: Phase;
  dialog: SrfDialog | null;
  /** createUAS in flight: settles once the 200 went out (or could not). */
  answering: Promise<void> | null;
  /** While createUAS is in flight: settles it as failed (the connection carrying it was lost). */
  failAnswer: ((err: Error) => void) | null;
  /** Our Contact for 2xx responses (undefined: drachtio-server's own). */
  contact: string | undefined;
  timer: SessionTimer | undefined;
  canUpdate: boolean;
  pending: Set<PendingRequest>;
  endNotified: boolean;
  /** hangup() before the ACK: RFC 3261 §15 says BYE only after it. */
  byeAfterAck: boolean;
  bye: Promise<void> | null;
  countedSource: string | null;
}

const DEFAULTS = {
  minSE: 90,
  defaultSessionExpires: 1800,
  maxCallsPerSource: 2000,
  connectTimeoutMs: 10_000,
  reconnectMaxDelayMs: 30_000,
  pingIntervalMs: 15_000,
  byeTimeoutMs: 32_000,
  closeTimeoutMs: 2000,
  retryAfterSeconds: 5,
};

export class DrachtioSessionServer implements RecordingSessionServer {
  private readonly log: Logger;
  private readonly minSE: number;
  private readonly defaultSessionExpires: number;
  private readonly maxCallsPerSource: number;
  private state: State = 'idle';
  private handler: RecordingSessionHandler | null = null;
  private srf: SrfApp | null = null;
  private closing: Promise<void> | null = null;
  /** listen()'s wait for the first authenticated connection. */
  private firstConnect: { resolve: () => void; reject: (err: Error) => void } | null = null;
  private connected = false;
  private connects = 0;
  /** What drachtio-server said it listens on (`udp/10.0.0.1:5060`, …), for our Contact. */
  private hostports: string[] = [];
  private readonly sessions = new Map<string, Session>();
  private readonly callsBySource = new Map<string, number>();
  private readonly responsesByCode: Record<number, number> = {};
  private readonly rejected: Record<DrachtioRejectReason, number> = { 'calls-per-source': 0, 'source-not-allowed': 0 };

  constructor(private readonly opts: DrachtioSessionServerOptions) {
    this.log = opts.logger;
    this.minSE = opts.minSE ?? DEFAULTS.minSE;
    this.defaultSessionExpires = Math.max(opts.defaultSessionExpires ?? DEFAULTS.defaultSessionExpires, this.minSE);
    this.maxCallsPerSource = opts.maxCallsPerSource ?? DEFAULTS.maxCallsPerSource;
  }

  // ---- port ----

  /**
   * Connects to drachtio-server and registers for INVITEs. Resolves once authenticated; rejects on
   * a refused secret or when no connection is up within connectTimeoutMs. Once up, a lost
   * connection is re-established by drachtio-srf with back-off, for as long as we are open.
   */
  async listen(handler: RecordingSessionHandler): Promise<void> {
    if (this.state !== 'idle') {
      throw new DrachtioServerError(
        this.state === 'closing' || this.state === 'closed' ? 'DRACHTIO_CLOSED' : 'DRACHTIO_ALREADY_LISTENING',
        `cannot listen: server is ${this.state}`,
      );
    }
    this.state = 'connecting';
    this.handler = handler;
    const { host, port } = this.opts;
    const srf = createSrf();
    this.srf = srf;
    // Without an 'error' listener drachtio-srf's connection errors are thrown (and crash the process).
    srf.on('error', (err) => this.log.warn({ host, port, err: err.message }, 'drachtio connection error'));
    srf.on('close', () => this.onConnectionClosed());
    srf.on('reconnecting', (r) => this.log.info({ host, port, delayMs: r.delay, attempt: r.attempt }, 'drachtio reconnecting'));
    srf.on('connect', (err, hostport, serverVersion) => this.onConnect(err, hostport, serverVersion));
    srf.invite((req, res) => this.onInvite(req, res));

    const connectTimeoutMs = this.opts.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    const first = new Promise<void>((resolve, reject) => {
      this.firstConnect = { resolve, reject };
    });
    const timeout = setTimeout(() => {
      this.settleFirstConnect(
        new DrachtioServerError('DRACHTIO_CONNECT_TIMEOUT', `no connection to drachtio-server at ${host}:${port} within ${connectTimeoutMs} ms`),
      );
    }, connectTimeoutMs);
    this.log.info({ host, port }, 'drachtio connecting');
    try {
      srf.connect({
        host,
        port,
        secret: this.opts.secret,
        reconnect: { retryMaxDelay: this.opts.reconnectMaxDelayMs ?? DEFAULTS.reconnectMaxDelayMs },
        enablePing: true,
        pingInterval: Math.max(5000, this.opts.pingIntervalMs ?? DEFAULTS.pingIntervalMs),
      });
      await first;
    } catch (err) {
      this.firstConnect = null;
      if (this.state === 'connecting') {
        // Nothing keeps retrying behind a rejected listen(): the caller may try again.
        await stopConnection(srf, 200);
        this.srf = null;
        this.handler = null;
        this.state = 'idle';
      }
      throw err;
    } finally {
      clearTimeout(timeout);
    }
    if (this.state !== 'connecting') throw new DrachtioServerError('DRACHTIO_CLOSED', 'closed while connecting to drachtio-server');
    this.state = 'listening';
  }

  /** No SIP sockets of our own: drachtio-server owns them. */
  address(): Record<string, never> {
    return {};
  }

  async hangup(sessionId: string, reason: EndReason): Promise<void> {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    switch (s.phase) {
      case 'offering':
        // Not answered yet: a final failure ends it (the engine's later answer is dropped).
        this.respond(s.res, 480);
        s.phase = 'terminated';
        this.notifyEnded(s, reason);
        this.release(s);
        return;
      case 'answering':
      case 'answered':
        // RFC 3261 §15: no BYE before the ACK for our 2xx (drachtio-server sends one if it never comes).
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

  stats(): DrachtioServerStats {
    let dialogs = 0;
    for (const s of this.sessions.values()) if (s.dialog) dialogs++;
    return {
      dialogs,
      sessions: this.sessions.size,
      responsesByCode: { ...this.responsesByCode },
      rejected: { ...this.rejected },
      connected: this.connected,
      connects: this.connects,
    };
  }

  // ---- connection ----

  private onConnect(err: Error | null, hostport: string | undefined, serverVersion: string | undefined): void {
    const { host, port } = this.opts;
    if (err) {
      this.log.error({ host, port }, 'drachtio-server refused our secret (CALLGUARD_DRACHTIO_SECRET)');
      this.settleFirstConnect(new DrachtioServerError('DRACHTIO_AUTH_FAILED', `drachtio-server at ${host}:${port} refused the shared secret`, { cause: err }));
      return;
    }
    this.connected = true;
    this.connects++;
    this.hostports = (hostport ?? '').split(',').filter((hp) => hp.length > 0);
    this.log.info({ host, port, sip: this.hostports, serverVersion, reconnect: this.connects > 1 }, 'drachtio connected');
    this.settleFirstConnect(null);
  }

  private onConnectionClosed(): void {
    this.failPendingAnswers();
    if (!this.connected) return;
    this.connected = false;
    if (this.state === 'closing' || this.state === 'closed') return;
    // Dialogs live on in drachtio-server; they carry on here once drachtio-srf has reconnected.
    this.log.warn({ host: this.opts.host, port: this.opts.port, sessions: this.sessions.size }, 'drachtio connection lost; reconnecting');
  }

  /**
   * drachtio-agent drops the callbacks pending on a lost connection (_onClose): a createUAS whose
   * 200 was written but not yet acknowledged by drachtio-server would never settle, leaving its
   * session 'answering' (and counted against its source) for ever. We cannot tell whether the 200
   * reached the SRC, and the dialog, if drachtio-server made one, is not ours to reach any more
   * (drachtio-srf has no Dialog for it): end those sessions as transport errors.
   */
  private failPendingAnswers(): void {
    const pending = [...this.sessions.values()].filter((s) => s.phase === 'answering' && s.failAnswer);
    if (pending.length === 0) return;
    this.log.warn({ sessions: pending.length }, 'drachtio connection lost while answering: sessions ended');
    for (const s of pending) s.failAnswer?.(new Error('drachtio connection lost before the 200 was acknowledged'));
  }

  private settleFirstConnect(err: Error | null): void {
    const first = this.firstConnect;
    if (!first) return;
    this.firstConnect = null;
    if (err) first.reject(err);
    else first.resolve();
  }

  private async shutdown(): Promise<void> {
    const srf = this.srf;
    this.state = 'closing';
    this.settleFirstConnect(new DrachtioServerError('DRACHTIO_CLOSED', 'closed while connecting to drachtio-server'));
    const byes: Array<Promise<unknown>> = [];
    for (const s of [...this.sessions.values()]) {
      try {
        this.answerPending(s, 487);
        switch (s.phase) {
          case 'offering':
            this.respond(s.res, 503, undefined, { 'Retry-After': String(this.opts.retryAfterSeconds ?? DEFAULTS.retryAfterSeconds) });
            s.phase = 'terminated';
            this.notifyEnded(s, 'shutdown');
            this.release(s);
            break;
          case 'answering':
            // onDialog sends the BYE as soon as the 200 is out (we are closing: no wait for the ACK).
            byes.push((async () => {
              await s.answering;
              await s.bye;
            })());
            this.notifyEnded(s, 'shutdown');
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
        this.log.error({ err, session: s.id }, 'drachtio shutdown of a session failed');
      }
    }
    if (byes.length > 0) await settledWithin(byes, this.opts.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs);
    // Whatever did not finish in time is forgotten (a dialog whose 200 is still going out is ended in onDialog).
    for (const s of [...this.sessions.values()]) {
      this.notifyEnded(s, 'shutdown');
      if (s.phase !== 'answering') s.phase = 'terminated';
      this.release(s);
    }
    if (srf) await stopConnection(srf, 500);
    this.connected = false;
    this.srf = null;
    this.state = 'closed';
    this.log.info('drachtio closed');
  }

  // ---- initial INVITE ----

  private onInvite(req: SrfRequest, res: SrfResponse): void {
    try {
      this.handleInvite(req, res);
    } catch (err) {
      this.log.error({ err }, 'drachtio INVITE handling failed');
      this.respond(res, 500);
    }
  }

  private handleInvite(req: SrfRequest, res: SrfResponse): void {
    const handler = this.handler;
    if (!this.sourceAllowed(req)) {
      this.rejected['source-not-allowed']++;
      this.respond(res, 403);
      return;
    }
    if (!handler || this.state === 'closing' || this.state === 'closed') {
      this.respond(res, 503, undefined, { 'Retry-After': String(this.opts.retryAfterSeconds ?? DEFAULTS.retryAfterSeconds) });
      return;
    }
    const parsed = parseRawRequest(req.raw);
    if ('error' in parsed) {
      this.respond(res, parsed.status, parsed.error);
      return;
    }
    const h = parsed.headers;
    const to = nameAddrOf(h.get('to'));
    if (to.tag !== undefined) {
      // A re-INVITE whose dialog drachtio-srf no longer holds (we released it): RFC 3261 §12.2.2.
      this.respond(res, 481);
      return;
    }
    const unsupported = unsupportedRequired(h);
    if (unsupported.length > 0) {
      this.respond(res, 420, undefined, { Unsupported: unsupported.join(', ') });
      return;
    }
    if (!h.has('contact')) {
      // RFC 3261 §8.1.1.8; drachtio-srf's createUAS cannot build a dialog without it.
      this.respond(res, 400, 'Missing Contact Header');
      return;
    }
    const sourceAddress = req.source_address;
    if ((this.callsBySource.get(sourceAddress) ?? 0) >= this.maxCallsPerSource) {
      this.rejected['calls-per-source']++;
      this.respond(res, 486);
      return;
    }
    const canUpdate = allowsUpdate(h) ?? true;
    const decision = negotiateSessionTimer(timerRequestOf(h), this.timerPolicy(), { canUpdate });
    if (decision.kind === 'too-small') {
      this.respond(res, 422, undefined, { 'Min-SE': String(decision.minSE) });
      return;
    }
    const callId = h.get('call-id') ?? '';
    if (parsed.lossy) this.log.warn({ callId }, 'drachtio INVITE body was not valid UTF-8: the bytes drachtio-srf could not decode are lost');
    const id = `dr-${randomUUID()}`;
    const info: SessionInfo = {
      id,
      callId,
      from: nameAddrOf(h.get('from')),
      to,
      requestUri: req.uri,
      source: { address: sourceAddress, port: Number(req.source_port), transport: transportOf(req.protocol) },
      header: (name: string) => h.values(name),
      require: optionTags(h.list('require')),
      supported: optionTags(h.list('supported')),
      receivedAt: Date.now(),
    };
    if (decision.kind === 'timer') info.timer = decision.timer;
    const s: Session = {
      id,
      info,
      req,
      res,
      phase: 'offering',
      dialog: null,
      answering: null,
      failAnswer: null,
      contact: srsContact(req.protocol, req.receivedOn, this.hostports),
      timer: decision.kind === 'timer' ? decision.timer : undefined,
      canUpdate,
      pending: new Set(),
      endNotified: false,
      byeAfterAck: false,
      bye: null,
      countedSource: sourceAddress,
    };
    this.sessions.set(id, s);
    this.callsBySource.set(sourceAddress, (this.callsBySource.get(sourceAddress) ?? 0) + 1);
    // drachtio-server already answered the CANCEL (200) and the INVITE (487).
    req.on('cancel', () => this.onCancel(s));
    if (this.log.isLevelEnabled('debug')) {
      this.log.debug({ session: id, callId, from: maskNumber(info.from.uri), to: maskNumber(to.uri) }, 'drachtio offer');
    }
    invoke(() => handler.offer(info, sipBodyOf(parsed)))
      .then(
        (answer) => this.onOfferAnswer(s, answer, decision),
        (err: unknown) => {
          this.log.error({ err, session: id }, 'drachtio offer handler failed');
          this.onOfferAnswer(s, { ok: false, status: 500, reason: 'Server Internal Error' }, decision);
        },
      )
      .catch((err: unknown) => this.log.error({ err, session: id }, 'drachtio answering an offer failed'));
  }

  private onOfferAnswer(s: Session, answer: OfferAnswer, decision: TimerDecision): void {
    if (s.phase !== 'offering') {
      // CANCEL, hangup or shutdown came first: the answer is dropped (a 2xx is never sent).
      if (this.log.isLevelEnabled('debug')) this.log.debug({ session: s.id, ok: answer.ok }, 'drachtio late answer dropped');
      return;
    }
    if (!answer.ok) {
      const f = failureOf(answer);
      this.respond(s.res, f.status, f.reason, f.headers);
      s.phase = 'terminated';
      this.notifyEnded(s, 'rejected');
      this.release(s);
      return;
    }
    const srf = this.srf;
    if (!srf) return;
    s.phase = 'answering';
    const headers = this.okHeaders(s, decision, true);
    this.count(200);
    s.answering = new Promise<void>((resolve) => {
      let settled = false;
      // Listeners go on the dialog inside this callback: an ACK and BYE read together with the
      // 200's acknowledgement are dispatched right after it, synchronously.
      const settle = (err: unknown, dialog?: SrfDialog): void => {
        if (settled) return;
        settled = true;
        s.failAnswer = null;
        try {
          if (!err && dialog) this.onDialog(s, dialog, decision);
          else this.onAnswerFailed(s, err);
        } catch (e) {
          this.log.error({ err: e, session: s.id }, 'drachtio dialog set-up failed');
        }
        resolve();
      };
      // The callback never comes when the connection drops before drachtio-server acknowledges
      // the 200: onConnectionClosed settles it through this instead.
      s.failAnswer = (err) => settle(err);
      srf.createUAS(s.req, s.res, { localSdp: answer.sdp, headers }, settle);
    });
  }

  private onDialog(s: Session, dialog: SrfDialog, decision: TimerDecision): void {
    s.answering = null;
    s.dialog = dialog;
    dialog.on('destroy', (req, reason) => this.onDestroy(s, req, reason));
    // A 'modify' listener and no 'refresh'/'hold' ones: every re-INVITE reaches the engine, which
    // tells a refresh (same o= version) from a change itself, as with the native adapter.
    dialog.on('modify', (req, res) => this.onReoffer(s, req, res, 'invite'));
    dialog.on('update', (req, res) => this.onReoffer(s, req, res, 'update'));
    dialog.on('ack', () => this.onAck(s));
    if (s.phase === 'terminated') {
      // Released meanwhile (cannot happen once the 200 is out, but never leave a dialog behind).
      void dialog.destroy().catch(() => undefined);
      return;
    }
    s.phase = 'answered';
    s.timer = decision.kind === 'timer' ? decision.timer : undefined;
    // Closing: no wait for the ACK (as for every dialog close() ends).
    if (this.state === 'closing' || this.state === 'closed') void this.sendBye(s);
  }

  /** createUAS failed: drachtio-server would not send our 200 (the INVITE was cancelled meanwhile, or the connection is gone). */
  private onAnswerFailed(s: Session, err: unknown): void {
    s.answering = null;
    if (s.phase !== 'answering') return;
    const text = err instanceof Error ? err.message : String(err);
    // drachtio-server answers "unknown transaction" when the stack already finished the INVITE:
    // the CANCEL crossed our 200.
    const cancelled = (err as { status?: number } | null)?.status === 487 || /unknown transaction/i.test(text);
    this.log.info({ session: s.id, why: text }, 'drachtio 200 not sent');
    s.phase = 'terminated';
    this.notifyEnded(s, cancelled ? 'cancel' : 'transport-error');
    this.release(s);
  }

  /** CANCEL while the engine holds the offer (drachtio-server has sent 200 and 487). */
  private onCancel(s: Session): void {
    if (s.phase !== 'offering') return;
    s.phase = 'terminated';
    this.notifyEnded(s, 'cancel');
    this.release(s);
  }

  // ---- in-dialog ----

  private onAck(s: Session): void {
    if (s.phase !== 'answered') return;
    s.phase = 'confirmed';
    if (s.byeAfterAck) void this.sendBye(s);
  }

  /**
   * BYE from the SRC, or one drachtio-server sent for us (ACK timeout, session timer, CANCEL after
   * 200). drachtio-srf's Dialog has already answered the SRC's BYE with 200 when it emits 'destroy',
   * so the allow-list cannot refuse a BYE (unlike re-INVITE and UPDATE, see handleReoffer): a BYE
   * names a dialog only an allowed INVITE could have made, and ending it is all it can do.
   */
  private onDestroy(s: Session, req: SrfRequest, reason: string | undefined): void {
    if (s.phase === 'terminated') return;
    this.answerPending(s, 487);
    s.phase = 'terminated';
    this.notifyEnded(s, req.source === 'application' ? serverByeReason(reason) : 'bye');
    this.release(s);
  }

  /** A re-INVITE or UPDATE: hold/resume, metadata update or session refresh. */
  private onReoffer(s: Session, req: SrfRequest, res: SrfResponse, kind: ReofferKind): void {
    try {
      this.handleReoffer(s, req, res, kind);
    } catch (err) {
      this.log.error({ err, session: s.id }, 'drachtio re-offer handling failed');
      this.respond(res, 500);
    }
  }

  private handleReoffer(s: Session, req: SrfRequest, res: SrfResponse, kind: ReofferKind): void {
    // The allow-list holds inside dialogs too (as with the native adapter): drachtio-server matches
    // the dialog by Call-ID and tags, from whatever address. The dialog stays as it was.
    if (!this.sourceAllowed(req)) {
      this.rejected['source-not-allowed']++;
      this.respond(res, 403);
      if (this.log.isLevelEnabled('debug')) this.log.debug({ session: s.id, from: req.source_address, kind }, 'drachtio in-dialog request from a refused source');
      return;
    }
    const handler = this.handler;
    if (!handler || (s.phase !== 'answered' && s.phase !== 'confirmed')) {
      // Our BYE is in flight: the dialog is gone as far as the engine is concerned.
      this.respond(res, 481);
      return;
    }
    const parsed = parseRawRequest(req.raw);
    if ('error' in parsed) {
      this.respond(res, parsed.status, parsed.error);
      return;
    }
    const h = parsed.headers;
    const unsupported = unsupportedRequired(h);
    if (unsupported.length > 0) {
      this.respond(res, 420, undefined, { Unsupported: unsupported.join(', ') });
      return;
    }
    const isInvite = kind === 'invite';
    const hasOffer = parsed.body.length > 0;
    const offerPending = [...s.pending].some((p) => p.hasOffer || p.isInvite);
    if ((isInvite || hasOffer) && offerPending) {
      // RFC 3261 §14.2 / RFC 3311 §5.2: an offer while we still owe an answer: 500 with Retry-After 0–10 s.
      this.respond(res, 500, 'Previous Offer Pending', { 'Retry-After': String(Math.floor(Math.random() * 11)) });
      return;
    }
    const allow = allowsUpdate(h);
    if (allow !== undefined) s.canUpdate = allow;
    const decision = negotiateSessionTimer(timerRequestOf(h), this.timerPolicy(), s.timer ? { current: s.timer, canUpdate: s.canUpdate } : { canUpdate: s.canUpdate });
    if (decision.kind === 'too-small') {
      this.respond(res, 422, undefined, { 'Min-SE': String(decision.minSE) });
      return;
    }
    const pending: PendingRequest = { isInvite, hasOffer, res };
    s.pending.add(pending);
    const body: SipBody | null = hasOffer ? sipBodyOf(parsed) : null;
    invoke(() => handler.reoffer(s.id, body, kind, decision.kind === 'timer' ? decision.timer : undefined))
      .then(
        (answer) => this.onReofferAnswer(s, pending, answer, decision),
        (err: unknown) => {
          this.log.error({ err, session: s.id }, 'drachtio reoffer handler failed');
          this.onReofferAnswer(s, pending, { ok: false, status: 500, reason: 'Server Internal Error' }, decision);
        },
      )
      .catch((err: unknown) => this.log.error({ err, session: s.id }, 'drachtio answering a re-offer failed'));
  }

  private onReofferAnswer(s: Session, pending: PendingRequest, answer: OfferAnswer, decision: TimerDecision): void {
    // Gone from the set: BYE or shutdown answered it already.
    if (!s.pending.delete(pending)) return;
    if (!answer.ok) {
      // RFC 3261 §14.2: a failed re-INVITE leaves the session as it was.
      const f = failureOf(answer);
      this.respond(pending.res, f.status, f.reason, f.headers);
      return;
    }
    // A re-INVITE always gets our SDP (an offer-less one gets it as our offer, RFC 3261 §14.2);
    // RFC 3311 §5.2: an UPDATE without an offer gets a 2xx without an answer.
    const withSdp = pending.isInvite || pending.hasOffer;
    this.respond(pending.res, 200, undefined, this.okHeaders(s, decision, withSdp), withSdp ? answer.sdp : undefined);
    // RFC 4028 §10: drachtio-server re-armed its timer from the request's Session-Expires.
    s.timer = decision.kind === 'timer' ? decision.timer : undefined;
  }

  // ---- outbound ----

  /** BYE through drachtio-server; the session is released once answered (or after byeTimeoutMs). */
  private sendBye(s: Session): Promise<void> {
    if (s.bye) return s.bye;
    s.phase = 'terminating';
    this.uncountSource(s);
    const dialog = s.dialog;
    if (!dialog) {
      s.phase = 'terminated';
      this.release(s);
      return Promise.resolve();
    }
    // The connection the INVITE came on may have been replaced by a reconnect since.
    if (this.srf && !rebindDialog(this.srf, dialog)) this.log.warn({ session: s.id }, 'drachtio not connected: BYE cannot be sent');
    s.bye = settledWithin([dialog.destroy()], this.opts.byeTimeoutMs ?? DEFAULTS.byeTimeoutMs)
      .then((results) => {
        const r = results[0];
        if (r?.status === 'rejected') this.log.warn({ session: s.id, err: errorText(r.reason) }, 'drachtio BYE failed');
        else if (!r) this.log.warn({ session: s.id }, 'drachtio BYE unanswered');
      })
      .finally(() => {
        s.phase = 'terminated';
        this.release(s);
      });
    return s.bye;
  }

  // ---- plumbing ----

  private sourceAllowed(req: SrfRequest): boolean {
    return !this.opts.allowSource || this.opts.allowSource(req.source_address);
  }

  private timerPolicy(): { minSE: number; defaultSessionExpires: number } {
    return { minSE: this.minSE, defaultSessionExpires: this.defaultSessionExpires };
  }

  /** Headers of our 2xx: Contact with +sip.srs, Allow, Supported, the negotiated timer (RFC 4028 §9). */
  private okHeaders(s: Session, decision: TimerDecision, withSdp: boolean): Record<string, string> {
    return headerRecord([
      ...(s.contact ? ([['Contact', s.contact]] as const) : []),
      ['Allow', ALLOW],
      ['Supported', SUPPORTED],
      ...timerResponseHeaders(decision),
      ...(withSdp ? ([['Content-Type', 'application/sdp']] as const) : []),
      ...(this.opts.userAgent ? ([['Server', this.opts.userAgent]] as const) : []),
    ]);
  }

  /** Sends a response; never throws. A status drachtio-srf does not know goes out as its class's x00. */
  private respond(res: SrfResponse, status: number, reason?: string, headers: Record<string, string> = {}, body?: string): void {
    if (res.finalResponseSent) return;
    const send = (code: number): void => {
      const all = { ...headers, ...(this.opts.userAgent && !headers['Server'] ? { Server: this.opts.userAgent } : {}) };
      res.send(code, reason, { headers: all, ...(body !== undefined ? { body } : {}) }, (err) => {
        if (err) this.log.debug({ status: code, err: errorText(err) }, 'drachtio response not sent');
      });
      this.count(code);
    };
    try {
      send(status);
    } catch {
      // Response#send throws for a status sip-status lacks (e.g. 499): keep the class.
      try {
        send(Math.floor(status / 100) * 100);
      } catch (err) {
        this.log.error({ err, status }, 'drachtio response failed');
      }
    }
  }

  private count(status: number): void {
    this.responsesByCode[status] = (this.responsesByCode[status] ?? 0) + 1;
  }

  private answerPending(s: Session, status: number): void {
    // RFC 3261 §15.1.2: requests still pending in the dialog get 487.
    for (const p of s.pending) this.respond(p.res, status);
    s.pending.clear();
  }

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
    if (this.log.isLevelEnabled('debug')) this.log.debug({ session: s.id, reason }, 'drachtio session ended');
    const handler = this.handler;
    if (!handler) return;
    try {
      handler.ended(s.id, reason);
    } catch (err) {
      this.log.error({ err, session: s.id }, 'drachtio ended handler failed');
    }
  }

  private release(s: Session): void {
    s.pending.clear();
    this.uncountSource(s);
    if (this.sessions.get(s.id) === s) this.sessions.delete(s.id);
    s.dialog = null;
  }
}

/** Calls a handler method, turning a synchronous throw into a rejection. */
function invoke<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * drachtio-server's own BYEs carry a Reason text (sip-dialog-controller.cpp): "ACK timeout",
 * "Session timer expired", "CANCEL after 200 OK". It sends no others; unknown text is taken as the
 * ACK timeout drachtio-srf assumes.
 */
function serverByeReason(text: string | undefined): EndReason {
  const t = text ?? '';
  if (/session timer/i.test(t)) return 'session-expired';
  if (/cancel/i.test(t)) return 'cancel';
  return 'ack-timeout';
}

/** allSettled, but no longer than `ms`: resolves with [] on timeout (the timer never outlives it). */
function settledWithin<T>(promises: Array<Promise<T>>, ms: number): Promise<Array<PromiseSettledResult<T>>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve([]), ms);
    void Promise.allSettled(promises).then((results) => {
      clearTimeout(timer);
      resolve(results);
    });
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
