/**
 * The native recording-session server: the UAS side of RFC 3261 that an SRS needs, over UDP, TCP
 * and TLS, turned into the recording-session port (src/sip/types.ts).
 *
 * Layers, bottom up (files named layer-role): parser / parser-stream / serializer (messages) →
 * transport-udp / transport-stream (TCP and TLS: transport-tcp, transport-tls) (sockets, framing),
 * bound and closed together by server-transports → transaction-* and transaction-layer (RFC 3261
 * §17: matching, retransmission absorption, timers) → dialog (§12; 2xx retransmission §13.3.1.4)
 * and session-timer (RFC 4028) → the UAS core (§8.2, §9.2, §13.3, §14.2, §15): request-router
 * (every message in: refusals, ACK, CANCEL, OPTIONS, dialog matching), uas-invite (the initial
 * INVITE and its 200), uas-in-dialog (BYE, re-INVITE, UPDATE), uas-refresh (our UPDATE refreshes
 * and BYE). A session's phases, `ended` exactly once per offered session, the per-source count and
 * release are src/sip/session-lifecycle.ts's, shared with the drachtio adapter; this file wires
 * the parts and gives the lifecycle its SIP effects (uas-session.ts holds the per-session record).
 */
import type { Logger } from '../../log.js';
import { SessionLifecycle } from '../session-lifecycle.js';
import type { EndReason, RecordingSessionHandler, RecordingSessionServer } from '../types.js';
import { NativeServerError } from './errors.js';
import { reasonPhrase } from './message.js';
import { RequestRouter } from './request-router.js';
import type { ResponseOptions } from './serializer.js';
import { newCounters, type NativeServerStats, type NativeSessionServerOptions, type ServerCounters } from './server-options.js';
import { ServerTransports, type BoundPorts } from './server-transports.js';
import { TimerSet } from './timers.js';
import { TransactionLayer } from './transaction-layer.js';
import { DEFAULT_TIMERS, type TransactionTimers } from './transaction.js';
import type { TransportSource } from './transport.js';
import { LocalAddress } from './transport-address.js';
import { InDialogHandler } from './uas-in-dialog.js';
import { InviteHandler } from './uas-invite.js';
import { SessionRefresher } from './uas-refresh.js';
import { failureResponse, type NativeLifecycle, type PendingRequest, type Session, type UasContext } from './uas-session.js';

export type { NativeServerStats, NativeSessionServerOptions, RejectReason } from './server-options.js';

type State = 'idle' | 'starting' | 'listening' | 'closing' | 'closed';

export class NativeSessionServer implements RecordingSessionServer {
  private readonly log: Logger;
  private readonly t: TransactionTimers;
  private readonly timers: TimerSet;
  private readonly retryAfter: number;
  private readonly closeTimeoutMs: number;
  private state: State = 'idle';
  private closing: Promise<void> | null = null;
  private readonly txl: TransactionLayer;
  private readonly lifecycle: NativeLifecycle;
  private readonly dialogs = new Map<string, Session>();
  private readonly counters: ServerCounters = newCounters();
  private readonly transports: ServerTransports;

  constructor(private readonly opts: NativeSessionServerOptions) {
    this.log = opts.logger;
    this.t = {
      t1: opts.timers?.t1 ?? DEFAULT_TIMERS.t1,
      t2: opts.timers?.t2 ?? DEFAULT_TIMERS.t2,
      t4: opts.timers?.t4 ?? DEFAULT_TIMERS.t4,
    };
    this.timers = new TimerSet((err) => this.log.error({ err }, 'sip timer callback failed'));
    this.retryAfter = opts.retryAfterSeconds ?? 5;
    this.closeTimeoutMs = opts.closeTimeoutMs ?? Math.min(2000, 64 * this.t.t1);
    const limits = {
      maxBytes: opts.maxMessageBytes ?? 65535,
      maxHeaders: opts.maxHeaders ?? 100,
      maxBodyBytes: opts.maxBodyBytes ?? 32768,
    };
    this.txl = new TransactionLayer({
      timers: this.timers,
      t: this.t,
      logger: this.log,
      send: (target, data, onError) => this.transports.send(target, data, onError),
      responseHeaders: opts.userAgent ? [['Server', opts.userAgent]] : [],
    });
    // The parts reach the refresher's BYE through the lifecycle, built before them.
    let refresher: SessionRefresher | null = null;
    const byInvite = new Map<string, Session>();
    this.lifecycle = new SessionLifecycle<PendingRequest, Session>(
      {
        name: 'sip',
        logger: this.log,
        minSE: opts.minSE ?? 90,
        defaultSessionExpires: opts.defaultSessionExpires ?? 1800,
        maxCallsPerSource: opts.maxCallsPerSource ?? 2000,
        retryAfterSeconds: this.retryAfter,
      },
      {
        refuseOffer: (s, status, retryAfterSeconds) => {
          const options: ResponseOptions = { toTag: s.localTag };
          if (retryAfterSeconds !== undefined) options.headers = [['Retry-After', String(retryAfterSeconds)]];
          this.txl.respond(s.inviteTx, s.invite, status, reasonPhrase(status), options);
        },
        failOffer: (s, failure) => {
          const { status, reason, headers } = failureResponse(failure);
          this.txl.respond(s.inviteTx, s.invite, status, reason, { toTag: s.localTag, headers });
        },
        failReoffer: (_s, p, failure) => {
          const { status, reason, headers } = failureResponse(failure);
          this.txl.respond(p.tx, p.req, status, reason, { headers });
        },
        answerPending: (_s, p, status) => {
          this.txl.respond(p.tx, p.req, status, reasonPhrase(status));
        },
        bye: (s) => refresher?.bye(s) ?? null,
        forget: (s) => {
          s.refresher?.stop();
          s.refresher = null;
          s.dialog?.stopAckWaits();
          s.inviteTx.onCancel = undefined;
          if (byInvite.get(s.mergeKey) === s) byInvite.delete(s.mergeKey);
          if (s.dialog && this.dialogs.get(s.dialog.key) === s) this.dialogs.delete(s.dialog.key);
        },
      },
    );
    this.transports = new ServerTransports(opts, limits, this.log, {
      onMessage: (result, source) => router.onMessage(result, source),
      onConnectionClosed: (id) => {
        if (this.log.isLevelEnabled('debug')) this.log.debug({ conn: id }, 'sip connection closed');
      },
    }, this.counters, (kind, connectionId) => this.connectionInUse(kind, connectionId));
    const ctx: UasContext = {
      opts,
      log: this.log,
      t: this.t,
      timers: this.timers,
      txl: this.txl,
      local: new LocalAddress(opts, (transport) => this.transports.ports[transport] ?? opts.port),
      lifecycle: this.lifecycle,
      dialogs: this.dialogs,
      byInvite,
      counters: this.counters,
      listening: () => this.state === 'listening',
      send: (target, data, onError) => this.transports.send(target, data, onError),
    };
    refresher = new SessionRefresher(ctx);
    const invites = new InviteHandler(ctx, refresher);
    const router = new RequestRouter(ctx, invites, new InDialogHandler(ctx, invites, refresher), () => this.state === 'listening' || this.state === 'closing');
  }

  // ---- port ----

  async listen(handler: RecordingSessionHandler): Promise<void> {
    if (this.state !== 'idle') {
      throw new NativeServerError(this.state === 'closing' || this.state === 'closed' ? 'SIP_CLOSED' : 'SIP_ALREADY_LISTENING', `cannot listen: server is ${this.state}`);
    }
    this.state = 'starting';
    this.lifecycle.handler = handler;
    try {
      await this.transports.bind();
    } catch (err) {
      this.state = 'idle';
      this.lifecycle.handler = null;
      if (err instanceof NativeServerError) throw err;
      throw new NativeServerError('SIP_BIND_FAILED', `cannot bind SIP on ${this.opts.host}:${this.opts.port}`, { cause: err });
    }
    if (this.state !== 'starting') {
      // close() ran while we were binding: it found no sockets, so release them here.
      await this.transports.close();
      throw new NativeServerError('SIP_CLOSED', 'closed while starting');
    }
    this.state = 'listening';
    // Shedding also watches how long INVITEs wait in the UDP socket's queue, which the loop's lag misses.
    this.opts.admission?.watchQueue?.(() => this.transports.udpQueueDelayMs());
    this.log.info({ host: this.opts.host, ...this.transports.ports }, 'sip listening');
  }

  /** Bound ports (port 0 resolved). */
  address(): BoundPorts {
    return { ...this.transports.ports };
  }

  /** Idempotent: the first call does the work, later calls get the same promise. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  hangup(sessionId: string, reason: EndReason): Promise<void> {
    return this.lifecycle.hangup(sessionId, reason);
  }

  stats(): NativeServerStats {
    const c = this.counters;
    return {
      dialogs: this.dialogs.size,
      transactions: this.txl.size,
      timers: this.timers.size,
      responsesByCode: { ...this.txl.responsesByCode },
      dropped: c.dropped,
      parseErrors: c.parseErrors,
      retransmissionsAbsorbed: c.retransmissions,
      rejected: { ...c.rejected },
    };
  }

  /** Open sockets (listening and connections), for leak checks. */
  get openSockets(): number {
    return this.transports.sockets;
  }

  // ---- lifecycle ----

  /**
   * Whether a live session relies on this connection: its INVITE came on it and is not answered yet
   * (the answer goes back on it), its dialog's requests come and ours go on it (Dialog.source, RFC 3261 §18.1.1 reuse),
   * or a re-INVITE/UPDATE on it awaits the engine. Asked only when a connection has been idle for
   * connectionIdleTimeoutMs, so a scan is cheap enough.
   */
  private connectionInUse(kind: 'tcp' | 'tls', connectionId: number): boolean {
    const on = (src: TransportSource | undefined): boolean => src?.transport === kind && src.connectionId === connectionId;
    for (const s of this.lifecycle.sessions.values()) {
      if (s.phase === 'terminated') continue;
      // Once there is a dialog, its source is what counts (it follows the SRC to a new connection).
      if (on(s.dialog ? s.dialog.source : s.invite.source)) return true;
      for (const p of s.pending) if (on(p.req.source)) return true;
    }
    return false;
  }

  private async shutdown(): Promise<void> {
    const wasListening = this.state === 'listening' || this.state === 'starting';
    this.state = 'closing';
    const byes = this.lifecycle.closeAll();
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
    this.lifecycle.forgetAll();
    this.timers.clearAll();
    await this.transports.close();
    this.opts.admission?.close();
    this.log.info('sip closed');
  }
}
