/**
 * How long a datagram waits before the SIP stack reads it. The event loop's lag alone does not say:
 * libuv reads a bounded number of datagrams per turn, so a loop that keeps time can still have
 * seconds of INVITEs queued in the socket's 4 MB kernel buffer. So a tiny probe datagram is sent to
 * the SIP socket every few milliseconds, one at a time, and timed until the stack reads it: it waits
 * in the same queue as every INVITE. While a probe is out, its age is a lower bound of the delay.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';

const MAGIC = 0x00; // no SIP message starts with a NUL byte
const LENGTH = 16;

export class QueueProbe {
  private readonly socket: dgram.Socket;
  private readonly token = randomBytes(LENGTH - 1);
  private readonly timer: NodeJS.Timeout;
  private sentAt: number | undefined;
  private lastDelay = 0;
  private localPort = -1;
  private closed = false;

  /** Probes `port` on `host` (a wildcard address is probed on loopback) every `intervalMs`. */
  constructor(host: string, private readonly port: number, intervalMs = 10) {
    const v6 = isIPv6(host);
    const target = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
    this.socket = dgram.createSocket(v6 ? 'udp6' : 'udp4');
    this.socket.on('error', () => undefined); // a lost probe only delays the next estimate
    this.socket.bind(0, target, () => {
      this.localPort = this.socket.address().port;
    });
    const datagram = Buffer.concat([Buffer.from([MAGIC]), this.token]);
    this.timer = setInterval(() => {
      if (this.closed || this.localPort < 0 || this.sentAt !== undefined) return;
      this.sentAt = performance.now();
      this.socket.send(datagram, this.port, target, (err) => {
        if (err) this.sentAt = undefined;
      });
    }, intervalMs);
    this.timer.unref();
  }

  /**
   * True (and the delay recorded) when `msg` from `fromPort` is our probe: the transport drops it
   * before parsing. Costs one comparison for every other datagram.
   */
  take(msg: Buffer, fromPort: number): boolean {
    if (msg.length !== LENGTH || msg[0] !== MAGIC || fromPort !== this.localPort) return false;
    if (!msg.subarray(1).equals(this.token)) return false;
    if (this.sentAt !== undefined) this.lastDelay = performance.now() - this.sentAt;
    this.sentAt = undefined;
    return true;
  }

  /** The last probe's wait, or the one still out if it has waited longer (ms). */
  delayMs(): number {
    const out = this.sentAt === undefined ? 0 : performance.now() - this.sentAt;
    return Math.max(this.lastDelay, out);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
