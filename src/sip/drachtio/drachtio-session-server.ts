/**
 * The recording-session port (src/sip/types.ts) over drachtio-srf: callguard is a drachtio
 * application and drachtio-server (a separate process, sofia-sip) is the SIP stack. drachtio-server
 * sends 100 Trying, absorbs retransmissions, retransmits our 2xx until the ACK (and sends BYE when
 * none comes), answers CANCEL with 200 + 487, answers 481 for unknown dialogs and runs the RFC 4028
 * timers armed by the Session-Expires of our 200. This adapter decides what the native adapter
 * decides (same request parser, same header rules, same session timer negotiation, same failure
 * mapping) and drives the same session lifecycle (src/sip/session-lifecycle.ts), which reports
 * `ended` exactly once per offered session.
 *
 * This file owns the connection to drachtio-server and gives the lifecycle its drachtio effects;
 * uas-invite.ts handles the recording INVITE and its 200 (createUAS), uas-in-dialog.ts the
 * dialog's events, responder.ts every response.
 */
import type { Logger } from '../../log.js';
import { SessionLifecycle } from '../session-lifecycle.js';
import type { EndReason, RecordingSessionHandler, RecordingSessionServer } from '../types.js';
import { failureOf } from './drachtio-message.js';
import { DEFAULTS, type DrachtioRejectReason, type DrachtioServerStats, type DrachtioSessionServerOptions } from './drachtio-options.js';
import { DrachtioServerError } from './errors.js';
import { Responder } from './responder.js';
import { createSrf, rebindDialog, stopConnection, type SrfApp } from './srf-binding.js';
import { InDialogHandler } from './uas-in-dialog.js';
import { InviteHandler } from './uas-invite.js';
import { errorText, type DrachtioContext, type DrachtioLifecycle, type PendingRequest, type Session } from './uas-session.js';

export type { DrachtioRejectReason, DrachtioServerStats, DrachtioSessionServerOptions } from './drachtio-options.js';

type State = 'idle' | 'connecting' | 'listening' | 'closing' | 'closed';

export class DrachtioSessionServer implements RecordingSessionServer {
  private readonly log: Logger;
  private state: State = 'idle';
  private srf: SrfApp | null = null;
  private closing: Promise<void> | null = null;
  /** listen()'s wait for the first authenticated connection. */
  private firstConnect: { resolve: () => void; reject: (err: Error) => void } | null = null;
  private connected = false;
  private connects = 0;
  /** What drachtio-server said it listens on (`udp/10.0.0.1:5060`, …), for our Contact. */
  private hostports: string[] = [];
  private readonly lifecycle: DrachtioLifecycle;
  private readonly responder: Responder;
  private readonly rejected: Record<DrachtioRejectReason, number> = { 'calls-per-source': 0, 'source-not-allowed': 0, overload: 0 };
  private readonly invites: InviteHandler;

  constructor(private readonly opts: DrachtioSessionServerOptions) {
    this.log = opts.logger;
    const responder = new Responder(this.log, opts.userAgent);
    this.responder = responder;
    this.lifecycle = new SessionLifecycle<PendingRequest, Session>(
      {
        name: 'drachtio',
        logger: this.log,
        minSE: opts.minSE ?? DEFAULTS.minSE,
        defaultSessionExpires: opts.defaultSessionExpires ?? DEFAULTS.defaultSessionExpires,
        maxCallsPerSource: opts.maxCallsPerSource ?? DEFAULTS.maxCallsPerSource,
        retryAfterSeconds: opts.retryAfterSeconds ?? DEFAULTS.retryAfterSeconds,
      },
      {
        refuseOffer: (s, status, retryAfterSeconds) => {
          responder.respond(s.res, status, undefined, retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) });
        },
        failOffer: (s, failure) => {
          const f = failureOf(failure);
          responder.respond(s.res, f.status, f.reason, f.headers);
        },
        failReoffer: (_s, p, failure) => {
          const f = failureOf(failure);
          responder.respond(p.res, f.status, f.reason, f.headers);
        },
        answerPending: (_s, p, status) => responder.respond(p.res, status),
        bye: (s) => this.bye(s),
        forget: (s) => {
          s.pending.clear();
          s.dialog = null;
        },
      },
    );
    const ctx: DrachtioContext = {
      opts,
      log: this.log,
      lifecycle: this.lifecycle,
      responder,
      rejected: this.rejected,
      srf: () => this.srf,
      closing: () => this.state === 'closing' || this.state === 'closed',
      hostports: () => this.hostports,
    };
    this.invites = new InviteHandler(ctx, new InDialogHandler(ctx));
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
    this.lifecycle.handler = handler;
    const { host, port } = this.opts;
    const srf = createSrf();
    this.srf = srf;
    // Without an 'error' listener drachtio-srf's connection errors are thrown (and crash the process).
    srf.on('error', (err) => this.log.warn({ host, port, err: err.message }, 'drachtio connection error'));
    srf.on('close', () => this.onConnectionClosed());
    srf.on('reconnecting', (r) => this.log.info({ host, port, delayMs: r.delay, attempt: r.attempt }, 'drachtio reconnecting'));
    srf.on('connect', (err, hostport, serverVersion) => this.onConnect(err, hostport, serverVersion));
    srf.invite((req, res) => this.invites.onInvite(req, res));

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
        this.lifecycle.handler = null;
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

  hangup(sessionId: string, reason: EndReason): Promise<void> {
    return this.lifecycle.hangup(sessionId, reason);
  }

  /** Idempotent: the first call does the work, later calls get the same promise. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  stats(): DrachtioServerStats {
    let dialogs = 0;
    for (const s of this.lifecycle.sessions.values()) if (s.dialog) dialogs++;
    return {
      dialogs,
      sessions: this.lifecycle.sessions.size,
      responsesByCode: { ...this.responder.responsesByCode },
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
    this.log.warn({ host: this.opts.host, port: this.opts.port, sessions: this.lifecycle.sessions.size }, 'drachtio connection lost; reconnecting');
  }

  /**
   * drachtio-agent drops the callbacks pending on a lost connection (_onClose): a createUAS whose
   * 200 was written but not yet acknowledged by drachtio-server would never settle, leaving its
   * session 'answering' (and counted against its source) for ever. We cannot tell whether the 200
   * reached the SRC, and the dialog, if drachtio-server made one, is not ours to reach any more
   * (drachtio-srf has no Dialog for it): end those sessions as transport errors.
   */
  private failPendingAnswers(): void {
    const pending = [...this.lifecycle.sessions.values()].filter((s) => s.phase === 'answering' && s.failAnswer);
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
    const byes = this.lifecycle.closeAll();
    if (byes.length > 0) await settledWithin(byes, this.opts.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs);
    // Whatever did not finish in time is forgotten (a dialog whose 200 is still going out is ended in onDialog).
    this.lifecycle.forgetAll();
    if (srf) await stopConnection(srf, 500);
    this.connected = false;
    this.srf = null;
    this.state = 'closed';
    this.opts.admission?.close();
    this.log.info('drachtio closed');
  }

  /** The lifecycle's BYE, through drachtio-server; settles once answered (or after byeTimeoutMs). */
  private bye(s: Session): Promise<void> | null {
    const dialog = s.dialog;
    if (!dialog) return null;
    // The connection the INVITE came on may have been replaced by a reconnect since.
    if (this.srf && !rebindDialog(this.srf, dialog)) this.log.warn({ session: s.id }, 'drachtio not connected: BYE cannot be sent');
    return settledWithin([dialog.destroy()], this.opts.byeTimeoutMs ?? DEFAULTS.byeTimeoutMs).then((results) => {
      const r = results[0];
      if (r?.status === 'rejected') this.log.warn({ session: s.id, err: errorText(r.reason) }, 'drachtio BYE failed');
      else if (!r) this.log.warn({ session: s.id }, 'drachtio BYE unanswered');
    });
  }
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
