/**
 * The native server's transports: binds UDP and TCP on one port and TLS on its own, hands every
 * parsed message to the sink, sends on the transport a target names, and closes them all. What TCP
 * and TLS share (limits, the allow-list at accept, idle and incomplete-message timeouts) is set
 * here; whether a connection is still in use is the server's to say (its sessions rely on it).
 */
import type { Logger } from '../../log.js';
import { NativeServerError } from './errors.js';
import type { ParseOptions } from './parser.js';
import type { NativeSessionServerOptions, ServerCounters } from './server-options.js';
import type { StreamTransportOptions } from './transport-stream.js';
import { TcpTransport } from './transport-tcp.js';
import { TlsTransport } from './transport-tls.js';
import { UdpTransport } from './transport-udp.js';
import type { SendErrorCallback, SendTarget, TransportKind, TransportSink } from './transport.js';

export type BoundPorts = { udp?: number; tcp?: number; tls?: number };

export class ServerTransports {
  private udp: UdpTransport | null = null;
  private tcp: TcpTransport | null = null;
  private tls: TlsTransport | null = null;
  private bound: BoundPorts = {};

  constructor(
    private readonly opts: NativeSessionServerOptions,
    private readonly limits: ParseOptions,
    private readonly log: Logger,
    private readonly sink: TransportSink,
    private readonly counters: ServerCounters,
    /** TCP/TLS: whether a live session relies on this connection (asked when it has been idle). */
    private readonly inUse: (kind: 'tcp' | 'tls', connectionId: number) => boolean,
  ) {}

  /** Bound ports (port 0 resolved). */
  get ports(): BoundPorts {
    return this.bound;
  }

  /** Open sockets (listening and connections), for leak checks. */
  get sockets(): number {
    return (this.udp?.sockets ?? 0) + (this.tcp?.sockets ?? 0) + (this.tls?.sockets ?? 0);
  }

  /** How long a UDP datagram waits before it is read (ms): the queue the event loop's lag cannot see. */
  udpQueueDelayMs(): number {
    return this.udp?.queueDelayMs() ?? 0;
  }

  async bind(): Promise<void> {
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
        this.bound.tls = await tls.listen(this.opts.host, tlsOpts.port);
      } catch (err) {
        await this.close();
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
        this.counters.rejected['source-not-allowed']++;
      },
      inUse: (connectionId) => this.inUse(kind, connectionId),
      onIncompleteMessage: () => {
        this.counters.dropped++;
      },
    };
    if (this.opts.allowSource) opts.allowSource = this.opts.allowSource;
    if (this.opts.connectionIdleTimeoutMs !== undefined) opts.idleTimeoutMs = this.opts.connectionIdleTimeoutMs;
    if (this.opts.incompleteMessageTimeoutMs !== undefined) opts.incompleteMessageTimeoutMs = this.opts.incompleteMessageTimeoutMs;
    return opts;
  }

  private async bindUdpTcp(wantUdp: boolean, wantTcp: boolean): Promise<void> {
    const host = this.opts.host;
    // Port 0: bind the first transport to an ephemeral port, then the other to the same number;
    // if that number is taken for the other protocol, start over.
    for (let attempt = 0; ; attempt++) {
      const udp = wantUdp ? new UdpTransport(this.sink, { limits: this.limits, logger: this.log, probeQueue: this.opts.admission !== undefined }) : null;
      const tcp = wantTcp ? new TcpTransport(this.sink, this.streamOptions('tcp')) : null;
      let port = this.opts.port;
      try {
        if (udp) port = await udp.listen(host, port);
        if (tcp) port = await tcp.listen(host, port);
        this.udp = udp;
        this.tcp = tcp;
        this.bound = {};
        if (udp) this.bound.udp = port;
        if (tcp) this.bound.tcp = port;
        return;
      } catch (err) {
        await udp?.close();
        await tcp?.close();
        const code = (err as NodeJS.ErrnoException).code;
        if (this.opts.port !== 0 || code !== 'EADDRINUSE' || attempt >= 20) throw err;
      }
    }
  }

  send(target: SendTarget, data: Buffer, onError?: SendErrorCallback): void {
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

  async close(): Promise<void> {
    const results = await Promise.allSettled([this.udp?.close(), this.tcp?.close(), this.tls?.close()]);
    for (const r of results) if (r.status === 'rejected') this.log.error({ err: r.reason }, 'sip transport close failed');
    this.udp = null;
    this.tcp = null;
    this.tls = null;
  }
}
