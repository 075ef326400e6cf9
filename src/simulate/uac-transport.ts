/**
 * The simulated SRC's SIP socket: one UDP socket, or one TCP connection to callguard, parsed with
 * the native stack's own parser (datagrams) and framer (Content-Length on streams). One dialog
 * needs nothing more: over TCP callguard answers and sends its BYE on the connection we opened
 * (RFC 3261 §18.2.2, connection reuse), so we never listen for connections.
 */
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import type { SipMessage } from '../sip/native/message.js';
import { parseDatagram } from '../sip/native/parser.js';
import { StreamFramer } from '../sip/native/parser-stream.js';
import { SimulateError } from './errors.js';

export interface HostPort {
  address: string;
  port: number;
}

export interface UacTransport {
  readonly kind: 'udp' | 'tcp';
  /** Our address and port as callguard sees them (for Via, Contact, SDP). */
  readonly local: HostPort;
  /** Sends one message; over TCP `to` is ignored (there is one connection). */
  send(data: Buffer, to: HostPort): void;
  close(): Promise<void>;
}

export interface TransportHandlers {
  onMessage(msg: SipMessage, from: HostPort): void;
  /** A socket failure (ICMP unreachable, connection reset): the dialog cannot continue. */
  onError(err: Error): void;
}

const MAX_MESSAGE_BYTES = 65535;

/** Resolves a host name once; an IP literal is returned as is. */
export async function resolveTarget(host: string): Promise<string> {
  if (net.isIP(host)) return host;
  try {
    return (await lookup(host)).address;
  } catch (err) {
    throw new SimulateError('SIMULATE_TARGET_UNRESOLVED', `cannot resolve ${host}`, 2, { cause: err });
  }
}

/**
 * The local address the kernel would use to reach `target`: connecting a UDP socket sends nothing
 * but picks the route, so Via, Contact and c= carry an address callguard can answer to.
 */
export function localAddressFor(target: HostPort): Promise<string> {
  return new Promise((resolve, reject) => {
    const probe = dgram.createSocket(net.isIPv6(target.address) ? 'udp6' : 'udp4');
    probe.once('error', (err) => {
      probe.close();
      reject(new SimulateError('SIMULATE_TRANSPORT', `no route to ${target.address}`, 1, { cause: err }));
    });
    probe.connect(target.port, target.address, () => {
      const { address } = probe.address();
      probe.close();
      resolve(address);
    });
  });
}

export async function openUdpTransport(target: HostPort, handlers: TransportHandlers): Promise<UacTransport> {
  const localIp = await localAddressFor(target);
  const socket = dgram.createSocket(net.isIPv6(localIp) ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, localIp, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('message', (buf, rinfo) => {
    const parsed = parseDatagram(buf, { maxBytes: MAX_MESSAGE_BYTES });
    // A malformed datagram is not ours to answer: callguard retransmits what mattered.
    if (parsed.ok) handlers.onMessage(parsed.message, { address: rinfo.address, port: rinfo.port });
  });
  socket.on('error', (err) => handlers.onError(err));
  let closing: Promise<void> | undefined;
  // Closing a dgram socket cancels sends still queued in libuv: the 200 to callguard's BYE is sent
  // just before we close, so close() waits for outstanding sends first.
  const inFlight = new Set<Promise<void>>();
  return {
    kind: 'udp',
    local: { address: localIp, port: socket.address().port },
    send(data, to) {
      const sent = new Promise<void>((resolve) => {
        socket.send(data, to.port, to.address, (err) => {
          if (err && !closing) handlers.onError(err);
          resolve();
        });
      });
      inFlight.add(sent);
      void sent.then(() => inFlight.delete(sent));
    },
    close() {
      closing ??= (async () => {
        await Promise.all(inFlight);
        await new Promise<void>((resolve) => socket.close(() => resolve()));
      })();
      return closing;
    },
  };
}

export async function openTcpTransport(target: HostPort, handlers: TransportHandlers): Promise<UacTransport> {
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: target.address, port: target.port });
    s.once('error', (err) => reject(new SimulateError('SIMULATE_TRANSPORT', `cannot connect to ${target.address}:${target.port} over TCP: ${err.message}`, 1, { cause: err })));
    s.once('connect', () => {
      s.removeAllListeners('error');
      resolve(s);
    });
  });
  socket.setNoDelay(true);
  const framer = new StreamFramer({ maxBytes: MAX_MESSAGE_BYTES });
  const peer = { address: unmapped(socket.remoteAddress ?? target.address), port: socket.remotePort ?? target.port };
  let closing: Promise<void> | undefined;
  socket.on('data', (chunk) => {
    for (const frame of framer.push(chunk)) {
      if (frame.type === 'keepalive') socket.write('\r\n');
      else if (frame.type === 'message' && frame.result.ok) handlers.onMessage(frame.result.message, peer);
      else if (frame.type === 'fatal') handlers.onError(new Error(`SIP framing lost on the TCP connection: ${frame.error.message}`));
    }
  });
  socket.on('error', (err) => handlers.onError(err));
  socket.on('close', () => {
    if (!closing) handlers.onError(new Error('callguard closed the TCP connection'));
  });
  return {
    kind: 'tcp',
    local: { address: unmapped(socket.localAddress ?? '127.0.0.1'), port: socket.localPort ?? 0 },
    send(data) {
      socket.write(data);
    },
    close() {
      closing ??= new Promise((resolve) => {
        if (socket.destroyed) return resolve();
        socket.once('close', () => resolve());
        socket.end();
        // A peer that never closes its side must not hold the run open.
        setTimeout(() => socket.destroy(), 1000).unref();
      });
      return closing;
    },
  };
}

/** Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d; SIP and SDP want the plain IPv4. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
