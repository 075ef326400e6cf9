/**
 * What TCP and TLS share (RFC 3261 §18.1.1, §18.2.2, §18.3): Content-Length framing per
 * connection, responses over the connection the request came on, and a new connection to the
 * target when the original one is gone. RFC 5626 §4.4.1 CRLFCRLF pings are answered with CRLF.
 * Subclasses only say how to listen and how to connect (transport-tcp.ts, transport-tls.ts).
 */
import type net from 'node:net';
import type { Logger } from '../../log.js';
import { StreamFramer } from './parser-stream.js';
import type { ParseOptions } from './parser.js';
import {
  normalizeAddress,
  type SendErrorCallback,
  type SendTarget,
  type StreamTransportKind,
  type Transport,
  type TransportSink,
  type TransportSource,
} from './transport.js';

export interface StreamTransportOptions {
  /** Size and header limits applied to every framed message. */
  limits: ParseOptions;
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
  /** Set once framing is lost: destroys a peer that keeps the connection open after our FIN. */
  linger: NodeJS.Timeout | null;
}

const CRLF = Buffer.from('\r\n');
/**
 * After a framing failure we answer, send FIN and discard what still arrives; destroying at once
 * could reset the connection before the peer reads our answer. A peer still there after this is cut.
 */
const FRAMING_LINGER_MS = 2000;

function remoteKey(address: string, port: number): string {
  return `${normalizeAddress(address)}|${port}`;
}

export abstract class StreamTransport implements Transport {
  abstract readonly kind: StreamTransportKind;
  private server: net.Server | null = null;
  private readonly connections = new Map<number, Connection>();
  private readonly byRemote = new Map<string, Connection>();
  /** Every accepted socket, adopted or not yet (a TLS handshake in progress), so close() ends them all. */
  private readonly accepted = new Set<net.Socket>();
  private nextId = 1;
  private closing = false;

  constructor(
    private readonly sink: TransportSink,
    protected readonly opts: StreamTransportOptions,
  ) {}

  /** A listening server that hands each accepted (for TLS: handshaken) socket to `onConnection`. */
  protected abstract createServer(onConnection: (socket: net.Socket) => void): net.Server;

  /** An outgoing connection to the target (RFC 3261 §18.2.2, the original one being gone). */
  protected abstract connect(target: SendTarget): net.Socket;

  get sockets(): number {
    return (this.server ? 1 : 0) + this.connections.size;
  }

  /** Open connections, for tests and stats. */
  get connectionCount(): number {
    return this.connections.size;
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = this.createServer((socket) => this.adopt(socket));
      // 'connection' carries the raw socket, before any TLS handshake: server.close() waits for
      // those too, so close() has to be able to end them.
      server.on('connection', (raw: net.Socket) => {
        if (this.closing) {
          raw.destroy();
          return;
        }
        this.accepted.add(raw);
        raw.once('close', () => this.accepted.delete(raw));
      });
      const onError = (err: Error): void => {
        server.close();
        reject(err);
      };
      server.once('error', onError);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (err) => this.opts.logger.warn({ err: err.message }, `sip ${this.kind} server error`));
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
      framer: new StreamFramer(this.opts.limits),
      remoteKey: remoteKey(address, port),
      source: { transport: this.kind, address, port, connectionId: id },
      closed: new Promise<void>((resolve) => {
        onClosed = resolve;
      }),
      linger: null,
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
    socket.on('error', (err) => this.opts.logger.debug({ err: err.message, conn: id }, `sip ${this.kind} connection error`));
    socket.on('close', () => {
      if (conn.linger) clearTimeout(conn.linger);
      this.connections.delete(id);
      if (this.byRemote.get(conn.remoteKey) === conn) this.byRemote.delete(conn.remoteKey);
      onClosed();
      try {
        this.sink.onConnectionClosed(id);
      } catch (err) {
        this.opts.logger.error({ err }, `sip ${this.kind} close handler failed`);
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
          // Framing is lost: answer what can be answered (the answer is written before the FIN),
          // then close (RFC 3261 §18.3). The framer ignores whatever still arrives.
          this.opts.onFramingError?.();
          const result = frame.partial ? { ok: false as const, error: frame.error, partial: frame.partial } : { ok: false as const, error: frame.error };
          this.sink.onMessage(result, conn.source);
          conn.socket.end();
          conn.linger ??= setTimeout(() => conn.socket.destroy(), FRAMING_LINGER_MS).unref();
          return;
        }
      }
    } catch (err) {
      this.opts.logger.error({ err }, `sip ${this.kind} handler failed`);
      conn.socket.destroy();
    }
  }

  send(target: SendTarget, data: Buffer, onError?: SendErrorCallback): void {
    const fail = (err: Error): void => {
      if (onError) onError(err);
      else this.opts.logger.debug({ err: err.message }, `sip ${this.kind} send failed`);
    };
    if (this.closing || !this.server) {
      queueMicrotask(() => fail(new Error(`${this.kind} transport closed`)));
      return;
    }
    let conn = target.connectionId !== undefined ? this.connections.get(target.connectionId) : undefined;
    if (!conn || !usable(conn.socket)) conn = this.byRemote.get(remoteKey(target.address, target.port));
    if (!conn || !usable(conn.socket)) {
      // RFC 3261 §18.2.2: the connection is gone, open a new one to the target.
      try {
        conn = this.adopt(this.connect(target), target);
      } catch (err) {
        queueMicrotask(() => fail(err instanceof Error ? err : new Error(String(err))));
        return;
      }
    }
    conn.socket.write(data, (err) => {
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
    for (const raw of this.accepted) raw.destroy();
    this.accepted.clear();
    if (server) waits.push(new Promise<void>((resolve) => server.close(() => resolve())));
    await Promise.all(waits);
  }
}

function usable(socket: net.Socket): boolean {
  return !socket.destroyed && !socket.writableEnded;
}
