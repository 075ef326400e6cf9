/**
 * The transport layer's small interface (RFC 3261 §18): listen, send bytes to a target, close.
 * Transports parse what they receive and hand the result, valid or not, to one sink; they never
 * throw out of a socket handler.
 */
import type { ParseResult } from './parser.js';

export type TransportKind = 'udp' | 'tcp' | 'tls';

/** Transports that carry a byte stream over a connection (RFC 3261 §18.3 framing). */
export type StreamTransportKind = 'tcp' | 'tls';

/** Reliable transports: no retransmissions from us (RFC 3261 §17.1.1.2, §17.2.1). */
export function isStreamTransport(kind: TransportKind): kind is StreamTransportKind {
  return kind !== 'udp';
}

/** RFC 3261 §19.1.2: the port a URI or sent-by without one means. */
export function defaultPort(kind: TransportKind): number {
  return kind === 'tls' ? 5061 : 5060;
}

/** Where a message came from. */
export interface TransportSource {
  transport: TransportKind;
  address: string;
  port: number;
  /** The stream connection it arrived on (TCP, TLS): responses and in-dialog requests reuse it. */
  connectionId?: number;
  /** Local address of that connection, for Via/Contact when bound to a wildcard address. */
  localAddress?: string;
}

/** Where to send. For streams, connectionId is tried first, then any connection to address:port. */
export interface SendTarget {
  transport: TransportKind;
  address: string;
  port: number;
  connectionId?: number;
}

export type SendErrorCallback = (err: Error) => void;

export interface TransportSink {
  /** A received message, or a parse failure (with the readable part of the request, if any). */
  onMessage(result: ParseResult, source: TransportSource): void;
  /** A stream connection closed. */
  onConnectionClosed(connectionId: number): void;
}

export interface Transport {
  readonly kind: TransportKind;
  /** Binds and resolves with the bound port (port 0 binds an ephemeral one). */
  listen(host: string, port: number): Promise<number>;
  /** Sends bytes; failures are reported to `onError` (asynchronously), never thrown. */
  send(target: SendTarget, data: Buffer, onError?: SendErrorCallback): void;
  /** Open sockets (listening socket included): for stats and leak checks. */
  readonly sockets: number;
  close(): Promise<void>;
}

/** IPv4-mapped IPv6 addresses (dual-stack sockets) are reported as plain IPv4. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
