/**
 * A small scripted UAC for the native SIP server's integration tests: it sends raw SIP text over
 * real UDP, TCP or TLS sockets and reads what comes back. It parses responses with its own few lines
 * (not the server's parser), so a parser bug cannot hide itself.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import type {
  EndReason,
  OfferAnswer,
  RecordingSessionHandler,
  ReofferKind,
  SessionInfo,
  SipBody,
} from '../../../src/sip/types.js';

export interface RawMessage {
  startLine: string;
  status?: number;
  method?: string;
  headers: Array<[string, string]>;
  body: Buffer;
  raw: Buffer;
  /** First value of a header (full name, case-insensitive). */
  header(name: string): string | undefined;
  headerAll(name: string): string[];
}

export function parseRaw(raw: Buffer): RawMessage {
  let sep = raw.indexOf('\r\n\r\n');
  let sepLen = 4;
  if (sep < 0) {
    sep = raw.indexOf('\n\n');
    sepLen = 2;
  }
  const head = raw.subarray(0, sep < 0 ? raw.length : sep).toString('utf8');
  const body = sep < 0 ? Buffer.alloc(0) : raw.subarray(sep + sepLen);
  const lines = head.split(/\r?\n/);
  const startLine = lines[0] ?? '';
  const headers: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers.push([line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()]);
  }
  const msg: RawMessage = {
    startLine,
    headers,
    body,
    raw,
    header: (name) => headers.find(([n]) => n === name.toLowerCase())?.[1],
    headerAll: (name) => headers.filter(([n]) => n === name.toLowerCase()).map(([, v]) => v),
  };
  const m = /^SIP\/2\.0 (\d{3})/.exec(startLine);
  if (m) msg.status = Number(m[1]);
  else msg.method = startLine.split(' ')[0];
  return msg;
}

export function tagOf(value: string | undefined): string | undefined {
  return value ? /;\s*tag=([^;>\s]+)/i.exec(value)?.[1] : undefined;
}

export function uriOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = /<([^>]+)>/.exec(value);
  return m ? m[1] : value.split(';')[0];
}

export function rand(): string {
  return randomBytes(6).toString('hex');
}

type Matcher = (m: RawMessage) => boolean;

/** Shared receive queue: messages wait until a test asks for them. */
abstract class Uac {
  readonly received: RawMessage[] = [];
  private readonly queue: RawMessage[] = [];
  private waiters: Array<{ match: Matcher; resolve: (m: RawMessage) => void }> = [];
  abstract readonly transport: 'udp' | 'tcp' | 'tls';
  abstract readonly port: number;
  abstract send(data: string | Buffer): void;
  abstract close(): Promise<void>;

  protected deliver(raw: Buffer): void {
    const msg = parseRaw(raw);
    this.received.push(msg);
    const i = this.waiters.findIndex((w) => w.match(msg));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w?.resolve(msg);
    } else this.queue.push(msg);
  }

  /** The next message matching `match` (already queued or still to come). */
  next(match: Matcher = () => true, timeoutMs = 3000): Promise<RawMessage> {
    const i = this.queue.findIndex(match);
    if (i >= 0) {
      const [m] = this.queue.splice(i, 1);
      return Promise.resolve(m as RawMessage);
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: RawMessage) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for a message; got: ${this.received.map((m) => m.startLine).join(' | ')}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Next response with this status (and CSeq method, or "number method", if given). */
  response(status: number, method?: string, timeoutMs?: number): Promise<RawMessage> {
    return this.next((m) => m.status === status && (!method || ` ${m.header('cseq') ?? ''}`.endsWith(` ${method}`)), timeoutMs);
  }

  /** Next request with this method. */
  request(method: string, timeoutMs?: number): Promise<RawMessage> {
    return this.next((m) => m.method === method, timeoutMs);
  }

  /** Drops everything queued; returns what was dropped. */
  drain(): RawMessage[] {
    return this.queue.splice(0, this.queue.length);
  }

  /** Queued messages matching, without consuming them. */
  peek(match: Matcher): RawMessage[] {
    return this.queue.filter(match);
  }
}

export class UdpUac extends Uac {
  readonly transport = 'udp' as const;
  private constructor(
    private readonly socket: dgram.Socket,
    readonly port: number,
    private readonly serverPort: number,
  ) {
    super();
    socket.on('message', (msg) => this.deliver(msg));
  }

  /** `host` is the local address to send from (another loopback address poses as another SRC). */
  static async open(serverPort: number, host = '127.0.0.1'): Promise<UdpUac> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, host, () => resolve()));
    return new UdpUac(socket, socket.address().port, serverPort);
  }

  send(data: string | Buffer): void {
    this.socket.send(typeof data === 'string' ? Buffer.from(data) : data, this.serverPort, '127.0.0.1');
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** Content-Length framing over a connected socket: TcpUac and TlsUac. */
abstract class StreamUac extends Uac {
  abstract override readonly transport: 'tcp' | 'tls';
  private buf = Buffer.alloc(0);
  readonly chunks: Buffer[] = [];
  protected constructor(
    readonly socket: net.Socket,
    readonly port: number,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
  }

  /** Resolves when the server has closed the connection (or it was closed already). */
  ended(): Promise<void> {
    if (this.socket.destroyed || this.socket.readableEnded) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('end', () => resolve());
      this.socket.once('close', () => resolve());
    });
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      while (this.buf.length > 0 && (this.buf[0] === 0x0d || this.buf[0] === 0x0a)) this.buf = this.buf.subarray(1);
      const sep = this.buf.indexOf('\r\n\r\n');
      if (sep < 0) return;
      const head = this.buf.subarray(0, sep).toString();
      const cl = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? '0');
      const total = sep + 4 + cl;
      if (this.buf.length < total) return;
      this.deliver(Buffer.from(this.buf.subarray(0, total)));
      this.buf = this.buf.subarray(total);
    }
  }

  send(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data) : data);
  }

  close(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.destroy();
    });
  }
}

export class TcpUac extends StreamUac {
  readonly transport = 'tcp' as const;

  static async open(serverPort: number): Promise<TcpUac> {
    const socket = net.connect({ host: '127.0.0.1', port: serverPort });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new TcpUac(socket, socket.localPort ?? 0);
  }
}

/** TcpUac's framing over node:tls; requests carry Via SIP/2.0/TLS and Contact transport=tls. */
export class TlsUac extends StreamUac {
  readonly transport = 'tls' as const;

  /** `ca` is the server's self-signed certificate: the handshake verifies it for 127.0.0.1. */
  static async connect(serverPort: number, ca: string | Buffer): Promise<TlsUac> {
    const socket = tls.connect({ host: '127.0.0.1', port: serverPort, ca });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => resolve());
      socket.once('error', reject);
    });
    return new TlsUac(socket, socket.localPort ?? 0);
  }
}

export interface RequestSpec {
  method: string;
  uac: { transport: 'udp' | 'tcp' | 'tls'; port: number };
  callId: string;
  fromTag: string;
  toTag?: string;
  branch?: string;
  cseq?: number;
  cseqMethod?: string;
  uri?: string;
  /** Extra header lines, verbatim. */
  extra?: string[];
  body?: string | Buffer;
  contentType?: string;
  /** Leave Content-Length out (for framing tests). */
  noContentLength?: boolean;
}

export const OFFER_SDP = [
  'v=0',
  'o=SRC 1234 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 0',
  'a=label:1',
  'a=sendonly',
  'm=audio 40002 RTP/AVP 0',
  'a=label:2',
  'a=sendonly',
  '',
].join('\r\n');

export const ANSWER_SDP = [
  'v=0',
  'o=callguard 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 50000 RTP/AVP 0',
  'a=label:1',
  'a=recvonly',
  'm=audio 50002 RTP/AVP 0',
  'a=label:2',
  'a=recvonly',
  '',
].join('\r\n');

/** Builds a request as an SRC would send it. */
export function sipRequest(spec: RequestSpec): Buffer {
  const t = spec.uac.transport.toUpperCase();
  const branch = spec.branch ?? `z9hG4bK${rand()}`;
  const body = spec.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body);
  const lines = [
    `${spec.method} ${spec.uri ?? 'sip:srs@127.0.0.1'} SIP/2.0`,
    `Via: SIP/2.0/${t} 127.0.0.1:${spec.uac.port};branch=${branch}`,
    'Max-Forwards: 70',
    `From: "SBC" <sip:+12125551234@127.0.0.1>;tag=${spec.fromTag}`,
    `To: <sip:srs@127.0.0.1>${spec.toTag ? `;tag=${spec.toTag}` : ''}`,
    `Call-ID: ${spec.callId}`,
    `CSeq: ${spec.cseq ?? 1} ${spec.cseqMethod ?? spec.method}`,
    `Contact: <sip:src@127.0.0.1:${spec.uac.port};transport=${spec.uac.transport}>;+sip.src`,
    ...(spec.extra ?? []),
  ];
  if (body.length > 0) lines.push(`Content-Type: ${spec.contentType ?? 'application/sdp'}`);
  if (!spec.noContentLength) lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]);
}

/** ACK for a 2xx (new branch) or for a non-2xx (the INVITE's branch), RFC 3261 §17.1.1.3 / §13.2.2.4. */
export function ackFor(invite: RequestSpec, response: RawMessage, sameBranch: boolean): Buffer {
  const spec: RequestSpec = {
    ...invite,
    method: 'ACK',
    cseqMethod: 'ACK',
    body: undefined,
    extra: [],
  };
  const toTag = tagOf(response.header('to'));
  if (toTag) spec.toTag = toTag;
  if (!sameBranch) delete spec.branch;
  return sipRequest(spec);
}

/** Responds to a request the server sent us (BYE, UPDATE). */
export function sipResponseTo(req: RawMessage, status: number, reason: string, extra: string[] = []): Buffer {
  const lines = [`SIP/2.0 ${status} ${reason}`];
  for (const v of req.headerAll('via')) lines.push(`Via: ${v}`);
  lines.push(`From: ${req.header('from') ?? ''}`, `To: ${req.header('to') ?? ''}`, `Call-ID: ${req.header('call-id') ?? ''}`, `CSeq: ${req.header('cseq') ?? ''}`);
  lines.push(...extra, 'Content-Length: 0', '', '');
  return Buffer.from(lines.join('\r\n'));
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve: (v: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A handler that records every call; answers are scripted per test. */
export class RecordingHandler implements RecordingSessionHandler {
  readonly offers: Array<{ session: SessionInfo; body: SipBody }> = [];
  readonly reoffers: Array<{ id: string; body: SipBody | null; kind: ReofferKind }> = [];
  readonly endings: Array<{ id: string; reason: EndReason }> = [];
  onOffer: (session: SessionInfo, body: SipBody) => Promise<OfferAnswer> = async () => ({ ok: true, sdp: ANSWER_SDP });
  onReoffer: (id: string, body: SipBody | null, kind: ReofferKind) => Promise<OfferAnswer> = async () => ({ ok: true, sdp: ANSWER_SDP });
  private endWaiters: Array<() => void> = [];

  offer(session: SessionInfo, body: SipBody): Promise<OfferAnswer> {
    this.offers.push({ session, body });
    return this.onOffer(session, body);
  }

  reoffer(id: string, body: SipBody | null, kind: ReofferKind): Promise<OfferAnswer> {
    this.reoffers.push({ id, body, kind });
    return this.onReoffer(id, body, kind);
  }

  ended(id: string, reason: EndReason): void {
    this.endings.push({ id, reason });
    for (const w of this.endWaiters.splice(0)) w();
  }

  /** Resolves once `count` sessions have ended. */
  async waitEnded(count = 1, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.endings.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.endings.length} ended, wanted ${count}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.endWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
