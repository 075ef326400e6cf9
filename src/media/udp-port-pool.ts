import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { PortsExhaustedError, type RtpEndpoint, type RtpPortPool } from './types.js';

export interface UdpPortPoolOptions {
  host: string;
  min: number;
  max: number;
}

class UdpRtpEndpoint implements RtpEndpoint {
  packets = 0;
  lastPacketAt: number | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly port: number,
    private readonly socket: Socket,
    private readonly onClosed: (ep: UdpRtpEndpoint) => void,
  ) {
    socket.on('message', () => {
      this.packets++;
      this.lastPacketAt = Date.now();
    });
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.socket.close(() => {
        this.onClosed(this);
        resolve();
      });
    });
    return this.closing;
  }
}

/**
 * Hands out even ports of a range, each as a really bound UDP socket (odd port+1 is kept for RTCP).
 * Released ports go to the back of the free list so a late packet from an old call does not land
 * in a new one. A port another process holds is skipped and retried later.
 */
export class UdpPortPool implements RtpPortPool {
  private readonly freeList: number[] = [];
  private readonly live = new Set<UdpRtpEndpoint>();
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: UdpPortPoolOptions) {
    const first = opts.min % 2 === 0 ? opts.min : opts.min + 1;
    for (let p = first; p + 1 <= opts.max; p += 2) this.freeList.push(p);
  }

  get inUse(): number {
    return this.live.size;
  }

  get free(): number {
    return this.freeList.length;
  }

  async allocate(): Promise<RtpEndpoint> {
    if (this.closing) throw new PortsExhaustedError();
    // Try each free port at most once per call: some may be held by other processes.
    for (let tries = this.freeList.length; tries > 0; tries--) {
      const port = this.freeList.shift();
      if (port === undefined) break;
      const socket = await this.bind(port);
      if (!socket) {
        this.freeList.push(port);
        continue;
      }
      const ep = new UdpRtpEndpoint(port, socket, (closed) => {
        this.live.delete(closed);
        if (!this.closing) this.freeList.push(closed.port);
      });
      this.live.add(ep);
      return ep;
    }
    throw new PortsExhaustedError();
  }

  private bind(port: number): Promise<Socket | undefined> {
    return new Promise((resolve) => {
      const socket = createSocket({ type: isIPv6(this.opts.host) ? 'udp6' : 'udp4' });
      const onError = (): void => {
        try {
          socket.close();
        } catch {
          // never bound: nothing to close
        }
        resolve(undefined);
      };
      socket.once('error', onError);
      socket.bind(port, this.opts.host, () => {
        socket.off('error', onError);
        // A socket error after binding (ICMP unreachable on some stacks) must not crash the process.
        socket.on('error', () => {});
        resolve(socket);
      });
    });
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([...this.live].map((ep) => ep.close())).then(() => {
      this.freeList.length = 0;
    });
    return this.closing;
  }
}
