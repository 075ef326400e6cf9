/**
 * TCP transport (RFC 3261 §18.1.1, §18.2.2, §18.3): Content-Length framing per connection,
 * responses over the connection the request came on, and a new connection to the target when
 * the original one is gone. RFC 5626 §4.4.1 CRLFCRLF pings are answered with CRLF.
 */
import net from 'node:net';
import type { Logger } from '../../log.js';
import { StreamFramer } from './parser-stream.js';
import {
  normalizeAddress,
  type SendErrorCallback,
  type SendTarget,
  type Transport,
  type TransportSink,
  type TransportSource,
} from './transport.js';

export interface TcpTransportOptions {
  maxMessageBytes: number;
  logger: Logger;
  /** Counts framing failures that closed a connection. */
  onFramingError?: () => void;
}

interface Connection {
  id: number;
  socket: net.Socket;
  framer: StreamFramer;
  remoteKey: string;
  source: TransportSource;
  closed: Promise<void>;
}

const CRLF = Buffer.from('\r\n');

function remoteKey(address: string, port: number): string {
  return `${normalizeAddress(address)}|${port}`;
}

export class TcpTransport implements Transport {
  readonly kind = 'tcp' as const;
  private server: net.Server | null = null;
  private readonly connections = new Map<number, Connection>();
  private readonly byRemote = new Map<string, Connection>();
  private nextId = 1;
  private closing = false;

  constructor(
    private readonly sink: TransportSink,
    private readonly opts: TcpTransportOptions,
  ) {}

  get sockets(): number {
    return (this.server ? 1 : 0) + this.connections.size;
  }

  /** Open connections, for tests and stats. */
  get connectionCount(): number {
    return this.connections.size;
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ noDelay: true }, (socket) => this.adopt(socket));
      const onError = (err: Error): void => {
        server.close();
        reject(err);
      };
      server.once('error', onError);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (err) => this.opts.logger.warn({ err: err.message }, 'sip tcp server error'));
        this.server = server;
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  /** Registers an accepted or an outgoing connection (whose remote address is not known yet). */
  private adopt(socket: net.Socket, remote?: { address: string; port: number }): Connection {
    const id = this.nextId++;
    const address = normalizeAddress(remote?.address ?? socket.remoteAddress ?? '');
    const port = remote?.port ?? socket.remotePort ?? 0;
    let onClosed: () => void = () => undefined;
    const conn: Connection = {
      id,
      socket,
      framer: new StreamFramer({ maxBytes: this.opts.maxMessageBytes }),
      remoteKey: remoteKey(address, port),
      source: { transport: 'tcp', address, port, connectionId: id },
      closed: new Promise<void>((resolve) => {
        onClosed = resolve;
      }),
    };
    if (socket.localAddress) conn.source.localAddress = normalizeAddress(socket.localAddress);
    else {
      socket.once('connect', () => {
        if (socket.localAddress) conn.source.localAddress = normalizeAddress(socket.localAddress);
      });
    }
    this.connections.set(id, conn);
    this.byRemote.set(conn.remoteKey, conn);
    if (this.closing) socket.destroy();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('error', (err) => this.opts.logger.debug({ err: err.message, conn: id }, 'sip tcp connection error'));
    socket.on('close', () => {
      this.connections.delete(id);
      if (this.byRemote.get(conn.remoteKey) === conn) this.byRemote.delete(conn.remoteKey);
      onClosed();
      try {
        this.sink.onConnectionClosed(id);
      } catch (err) {
        this.opts.logger.error({ err }, 'sip tcp close handler failed');
      }
    });
    return conn;
  }

  private onData(conn: Connection, chunk: Buffer): void {
    try {
      const frames = conn.framer.push(chunk);
      for (const frame of frames) {
        if (frame.type === 'keepalive') {
          // RFC 5626 §4.4.1: a double-CRLF ping gets a single-CRLF pong.
          conn.socket.write(CRLF);
        } else if (frame.type === 'message') {
          this.sink.onMessage(frame.result, conn.source);
        } else {
          // Framing is lost: answer what can be answered, then close (RFC 3261 §18.3).
          this.opts.onFramingError?.();
          const result = frame.partial ? { ok: false as const, error: frame.error, partial: frame.partial } : { ok: false as const, error: frame.error };
          this.sink.onMessage(result, conn.source);
          conn.socket.end();
          return;
        }
      }
    } catch (err) {
      this.opts.logger.error({ err }, 'sip tcp handler failed');
      conn.socket.destroy();
    }
  }

  send(target: SendTarget, data: Buffer, onError?: SendErrorCallback): void {
    const fail = (err: Error): void => {
      if (onError) onError(err);
      else this.opts.logger.debug({ err: err.message }, 'sip tcp send failed');
    };
    if (this.closing || !this.server) {
      queueMicrotask(() => fail(new Error('tcp transport closed')));
      return;
    }
    let conn = target.connectionId !== undefined ? this.connections.get(target.connectionId) : undefined;
    if (!conn || !usable(conn.socket)) conn = this.byRemote.get(remoteKey(target.address, target.port));
    if (!conn || !usable(conn.socket)) {
      // RFC 3261 §18.2.2: the connection is gone, open a new one to the target.
      try {
        conn = this.adopt(net.connect({ host: target.address, port: target.port, noDelay: true }), target);
      } catch (err) {
        queueMicrotask(() => fail(err instanceof Error ? err : new Error(String(err))));
        return;
      }
    }
    const socket = conn.socket;
    socket.write(data, (err) => {
      if (err) fail(err);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const server = this.server;
    this.server = null;
    const waits: Array<Promise<void>> = [];
    for (const conn of this.connections.values()) {
      conn.socket.destroy();
      waits.push(conn.closed);
    }
    if (server) waits.push(new Promise<void>((resolve) => server.close(() => resolve())));
    await Promise.all(waits);
  }
}

function usable(socket: net.Socket): boolean {
  return !socket.destroyed && !socket.writableEnded;
}
