/**
 * The far end of a test's UDP: a bound client socket, a send that resolves when the datagram left, a
 * probe for whether a port is free, and polling for what the sockets made happen.
 */
import { createSocket, type Socket } from 'node:dgram';
import { closeUdpSocket } from './free-udp-range.js';

/** A udp4 socket on an ephemeral port of `host`; the caller closes it (closeUdpSocket). */
export async function udpClient(host: string): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, host, resolve));
  return s;
}

export function sendUdp(s: Socket, buf: Buffer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => s.send(buf, port, host, (err) => (err ? reject(err) : resolve())));
}

/** True when nobody holds `port` on `host` (it binds and closes a probe socket). */
export async function udpBindable(port: number, host: string): Promise<boolean> {
  const probe = createSocket('udp4');
  const ok = await new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.bind(port, host, () => resolve(true));
  });
  await closeUdpSocket(probe);
  return ok;
}

/** Resolves once `cond()` holds; rejects after `ms`. */
export async function pollUntil(cond: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * The helpers above bound to one host, as a test file uses them: every client it opens is closed by
 * `cleanups` (which the file runs after each test), and polling waits `waitMs` unless told otherwise.
 */
export function udpPeer(host: string, cleanups: Array<() => Promise<void> | void>, waitMs: number) {
  return {
    async client(): Promise<Socket> {
      const s = await udpClient(host);
      cleanups.push(() => closeUdpSocket(s));
      return s;
    },
    send: (s: Socket, buf: Buffer, port: number): Promise<void> => sendUdp(s, buf, port, host),
    waitFor: (cond: () => boolean, ms = waitMs): Promise<void> => pollUntil(cond, ms),
    bindable: (port: number): Promise<boolean> => udpBindable(port, host),
  };
}
