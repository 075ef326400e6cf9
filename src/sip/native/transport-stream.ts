/**
 * What TCP and TLS share (RFC 3261 §18.1.1, §18.2.2, §18.3): Content-Length framing per
 * connection, responses over the connection the request came on, and a new connection to the
 * target when the original one is gone. RFC 5626 §4.4.1 CRLFCRLF pings are answered with CRLF.
 * Subclasses only say how to listen and how to connect (transport-tcp.ts, transport-tls.ts).
 * Connections from sources the allow-list refuses are destroyed at accept (before any TLS
 * handshake); idle connections no session relies on, and messages that never complete, time out.
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
  /**
   * The SRC allow-list, applied to every accepted connection before anything is read from it (for
   * TLS: before the handshake). A refused connection is destroyed at once and reported once to
   * `onSourceRefused`. Connections we open ourselves are not checked.
   */
  allowSource?: (address: string) => boolean;
  /** Counts connections refused by `allowSource` (one per connection). */
  onSourceRefused?: () => void;
  /**
   * A connection that received no complete message for this long (default 60000 ms) is closed,
   * unless `inUse` says something (a dialog, an offer being answered) still needs it; it is then
   * checked again one period later.
   */
  idleTimeoutMs?: number;
  /**
   * A message whose first bytes arrived this long ago (default 10000 ms) and that is still not
   * complete (header section or body) is dropped with its connection, and reported to `onIncompleteMessage`.
   */
  incompleteMessageTimeoutMs?: number;
  /** Whether a session or dialog still relies on this connection (by its connectionId). */
  inUse?: (connectionId: number) => boolean;
  /** Counts messages dropped by `incompleteMessageTimeoutMs`. */
  onIncompleteMessage?: () => void;
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
  /** When the last complete message arrived (or the connection was made), from performance.now(). */
  lastMessageAt: number;
  /** Fires idleTimeoutMs after lastMessageAt (re-armed lazily, not per message). */
  idle: NodeJS.Timeout | null;
  /** Armed while a message is partly received. */
  incomplete: NodeJS.Timeout | null;
}

const CRLF = Buffer.from('\r\n');
/**
 * After a framing failure we answer, send FIN and discard what still arrives; destroying at once
 * could reset the connection before the peer reads our answer. A peer still there after this is cut.
 */
const FRAMING_LINGER_MS = 2000;
/** RFC 3261 §18 leaves idle connections to the implementation; a minute without a message or a dialog is plenty. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/** A SIP peer writes a message at once; one still incomplete after this is trickling bytes to hold the connection. */
export const DEFAULT_INCOMPLETE_MESSAGE_TIMEOUT_MS = 10_000;

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
  private readonly idleTimeoutMs: number;
  private readonly incompleteMessageTimeoutMs: number;

  constructor(
    private readonly sink: TransportSink,
    protected readonly opts: StreamTransportOptions,
  ) {
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.incompleteMessageTimeoutMs = opts.incompleteMessageTimeoutMs ?? DEFAULT_INCOMPLETE_MESSAGE_TIMEOUT_MS;
  }

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
      const server = this.createServer((socket) => {
        // Refused in the 'connection' listener below (which runs first): nothing to adopt.
        if (!socket.destroyed) this.adopt(socket);
      });
      // 'connection' carries the raw socket, before any TLS handshake: server.close() waits for
      // those too, so close() has to be able to end them. Prepended, so it runs before the TCP
      // adoption and the TLS wrapping registered by createServer.
      server.prependListener('connection', (raw: net.Socket) => {
        if (this.closing) {
          raw.destroy();
          return;
        }
        if (!this.sourceAllowed(raw)) {
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

  /**
   * The allow-list at accept time: a refused source gets no TLS handshake, no framer and no read,
   * so it cannot hold connections open or park half-sent messages. One count per connection.
   */
  private sourceAllowed(raw: net.Socket): boolean {
    const allow = this.opts.allowSource;
    if (!allow) return true;
    // No address: the peer is already gone (reset before we accepted); nothing to count.
    if (!raw.remoteAddress) return false;
    const address = normalizeAddress(raw.remoteAddress);
    let allowed: boolean;
    try {
      allowed = allow(address);
    } catch (err) {
      this.opts.logger.error({ err }, `sip ${this.kind} source check failed`);
      allowed = false;
    }
    if (!allowed) {
      this.opts.onSourceRefused?.();
      this.opts.logger.debug({ from: address }, `sip ${this.kind} connection from a refused source closed`);
    }
    return allowed;
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
      lastMessageAt: performance.now(),
      idle: null,
      incomplete: null,
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
    this.armIdle(conn, this.idleTimeoutMs);
    socket.on('close', () => {
      if (conn.linger) clearTimeout(conn.linger);
      if (conn.idle) clearTimeout(conn.idle);
      if (conn.incomplete) clearTimeout(conn.incomplete);
      conn.idle = null;
      conn.incomplete = null;
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
          conn.lastMessageAt = performance.now();
          // A message completed: whatever is still buffered is the start of the next one.
          this.clearIncomplete(conn);
          this.sink.onMessage(frame.result, conn.source);
        } else {
          // Framing is lost: answer what can be answered (the answer is written before the FIN),
          // then close (RFC 3261 §18.3). The framer ignores whatever still arrives.
          this.clearIncomplete(conn);
          this.opts.onFramingError?.();
          const result = frame.partial ? { ok: false as const, error: frame.error, partial: frame.partial } : { ok: false as const, error: frame.error };
          this.sink.onMessage(result, conn.source);
          conn.socket.end();
          conn.linger ??= setTimeout(() => conn.socket.destroy(), FRAMING_LINGER_MS).unref();
          return;
        }
      }
      if (!conn.framer.inMessage) this.clearIncomplete(conn);
      else if (!conn.incomplete && !conn.socket.destroyed) {
        conn.incomplete = setTimeout(() => this.onIncompleteTimeout(conn), this.incompleteMessageTimeoutMs).unref();
      }
    } catch (err) {
      this.opts.logger.error({ err }, `sip ${this.kind} handler failed`);
      conn.socket.destroy();
    }
  }

  private clearIncomplete(conn: Connection): void {
    if (!conn.incomplete) return;
    clearTimeout(conn.incomplete);
    conn.incomplete = null;
  }

  /** A message started incompleteMessageTimeoutMs ago is still not complete: drop it with the connection. */
  private onIncompleteTimeout(conn: Connection): void {
    conn.incomplete = null;
    if (conn.socket.destroyed || !conn.framer.inMessage) return;
    this.opts.logger.debug({ conn: conn.id, from: conn.source.address, buffered: conn.framer.buffered }, `sip ${this.kind} incomplete message timed out: connection closed`);
    try {
      this.opts.onIncompleteMessage?.();
    } catch (err) {
      this.opts.logger.error({ err }, `sip ${this.kind} incomplete message handler failed`);
    }
    conn.socket.destroy();
  }

  private armIdle(conn: Connection, ms: number): void {
    if (conn.socket.destroyed) return;
    conn.idle = setTimeout(() => this.onIdleTimer(conn), Math.max(1, ms)).unref();
  }

  /**
   * Re-armed from lastMessageAt rather than reset per message (one timer per connection, no churn
   * on a busy one). Idle and unused: closed. Idle but carrying a dialog (its BYE, re-INVITE or
   * UPDATE will come on it, and our requests go out on it): kept, and checked again later.
   */
  private onIdleTimer(conn: Connection): void {
    conn.idle = null;
    if (conn.socket.destroyed) return;
    const elapsed = performance.now() - conn.lastMessageAt;
    if (elapsed < this.idleTimeoutMs) {
      this.armIdle(conn, this.idleTimeoutMs - elapsed);
      return;
    }
    let used = false;
    try {
      used = this.opts.inUse?.(conn.id) ?? false;
    } catch (err) {
      this.opts.logger.error({ err }, `sip ${this.kind} connection use check failed`);
      used = true;
    }
    if (used) {
      this.armIdle(conn, this.idleTimeoutMs);
      return;
    }
    this.opts.logger.debug({ conn: conn.id, from: conn.source.address }, `sip ${this.kind} idle connection closed`);
    conn.socket.destroy();
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
