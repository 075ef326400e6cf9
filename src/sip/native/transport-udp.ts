/**
 * UDP transport (RFC 3261 §18.1.1, §18.2.1): one datagram is one message; the body is the rest of
 * the datagram trimmed to Content-Length (§18.3).
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from '../../log.js';
import { parseDatagram, type ParseOptions } from './parser.js';
import { QueueProbe } from './queue-probe.js';
import { normalizeAddress, type SendErrorCallback, type SendTarget, type Transport, type TransportSink } from './transport.js';

export interface UdpTransportOptions {
  /** Size and header limits applied to every datagram. */
  limits: ParseOptions;
  logger: Logger;
  /** Counts datagrams dropped before parsing (e.g. blank keep-alives). */
  onIgnored?: () => void;
  /** Time how long datagrams wait in the socket's queue (QueueProbe): for overload shedding. */
  probeQueue?: boolean;
}

const UDP_RECV_BUFFER_BYTES = 4 * 1024 * 1024;

export class UdpTransport implements Transport {
  readonly kind = 'udp' as const;
  private socket: dgram.Socket | null = null;
  private probe: QueueProbe | null = null;

  constructor(
    private readonly sink: TransportSink,
    private readonly opts: UdpTransportOptions,
  ) {}

  get sockets(): number {
    return this.socket ? 1 : 0;
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
      const onBindError = (err: Error): void => {
        socket.close();
        reject(err);
      };
      socket.once('error', onBindError);
      socket.bind(port, host, () => {
        socket.off('error', onBindError);
        try {
          // Bursts of INVITEs at hundreds per second overflow the kernel's default ~200 KB buffer;
          // a drop costs the SRC a 500 ms retransmission. The kernel caps this at rmem_max.
          socket.setRecvBufferSize(UDP_RECV_BUFFER_BYTES);
        } catch {
          // not permitted here: keep the default
        }
        socket.on('error', (err) => this.opts.logger.warn({ err: err.message }, 'sip udp socket error'));
        socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
        this.socket = socket;
        if (this.opts.probeQueue) this.probe = new QueueProbe(host, socket.address().port);
        resolve(socket.address().port);
      });
    });
  }

  /** How long a datagram waits in this socket's queue now (ms); 0 without a probe. */
  queueDelayMs(): number {
    return this.probe?.delayMs() ?? 0;
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.probe?.take(msg, rinfo.port)) return;
    try {
      const result = parseDatagram(msg, this.opts.limits);
      // Some SRCs send bare CRLF keep-alives over UDP: nothing to answer (RFC 3261 §7.5 ignores CRLF before a start line).
      if (!result.ok && result.error.code === 'SIP_EMPTY') {
        this.opts.onIgnored?.();
        return;
      }
      this.sink.onMessage(result, { transport: 'udp', address: normalizeAddress(rinfo.address), port: rinfo.port });
    } catch (err) {
      this.opts.logger.error({ err }, 'sip udp handler failed');
    }
  }

  send(target: SendTarget, data: Buffer, onError?: SendErrorCallback): void {
    const socket = this.socket;
    if (!socket) {
      if (onError) queueMicrotask(() => onError(new Error('udp transport closed')));
      return;
    }
    try {
      socket.send(data, target.port, target.address, (err) => {
        if (err) {
          if (onError) onError(err);
          else this.opts.logger.debug({ err: err.message }, 'sip udp send failed');
        }
      });
    } catch (err) {
      // dgram.send throws synchronously on a closed socket or bad arguments.
      const e = err instanceof Error ? err : new Error(String(err));
      if (onError) queueMicrotask(() => onError(e));
    }
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    this.probe?.close();
    this.probe = null;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}
