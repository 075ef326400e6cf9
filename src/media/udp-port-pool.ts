/**
 * The RTP port pool: each endpoint is a bound UDP socket on an even port for RTP and one on the
 * odd port above it for RTCP (RFC 3550 §11: RTCP on the next higher, odd, port). The RTCP socket is
 * bound even when rtcp-mux is agreed later — configure() comes after allocate(), and holding the pair
 * keeps the answer's implicit RTCP port truthful. RTCP arriving on the RTP port is demultiplexed
 * either way (RFC 5761 §4).
 *
 * Released ports go to the back of the free list, so a late packet of an old call does not land in
 * a new one. With `keepBound`, a released pair stays bound instead (its late packets are read and
 * dropped, the sender gets no ICMP unreachable) and is handed out again once it has been quiet for
 * `reuseAfterMs`: a bind and a close per socket were a tenth of a call's set-up CPU. A port another
 * process holds is skipped (and put back at the end to retry later).
 * One timer for the whole pool drives every endpoint's housekeeping (idle reorder flush, DTMF end).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.js';
import { RtpStream, type RtpStreamOptions } from './rtp-stream.js';
import {
  PortsExhaustedError,
  type DtmfEvent,
  type PcmFrame,
  type RtpEndpoint,
  type RtpPortPool,
  type StreamConfig,
  type StreamStats,
} from './types.js';

export interface UdpPortPoolOptions {
  host: string;
  /** Port range, inclusive; RTP takes the even ports, RTCP the odd one above each. */
  min: number;
  max: number;
  /** Reorder depth, concealment cap, DTMF idle: see RtpStreamOptions. */
  stream?: Omit<RtpStreamOptions, 'logger'>;
  /** Kernel receive buffer per socket; 50 packets/s need little, but bursts after a stall do. */
  recvBufferBytes?: number;
  /** Housekeeping period (default 50 ms). */
  tickMs?: number;
  /**
   * Port pairs kept bound ahead of demand, so an INVITE's answer does not wait for bind() round
   * trips through a busy event loop (default 0; a serving node uses a few dozen).
   */
  prebound?: number;
  /**
   * Released pairs kept bound for reuse, at most this many (default 0: closed at once). Beyond it,
   * a released pair is closed and its port goes back to the free list.
   */
  keepBound?: number;
  /** How long a released pair rests before it is handed out again (default 500 ms: RTP still in flight after a BYE arrives within milliseconds). */
  reuseAfterMs?: number;
  logger?: Logger;
}

const DEFAULT_REUSE_AFTER_MS = 500;

const DEFAULT_RECV_BUFFER = 64 * 1024;

/** How a closing endpoint hands its sockets back to the pool. */
interface Release {
  /** Keeps the pair bound for reuse (true), or lets the endpoint close it (false). */
  keep(ep: UdpRtpEndpoint, pair: [Socket, Socket]): boolean;
  /** The endpoint closed both sockets: the port pair is free. */
  freed(ep: UdpRtpEndpoint): void;
}

class UdpRtpEndpoint implements RtpEndpoint {
  private closing: Promise<void> | undefined;
  readonly stream: RtpStream;

  constructor(
    readonly port: number,
    private readonly rtp: Socket,
    private readonly rtcp: Socket,
    streamOptions: RtpStreamOptions,
    private readonly release: Release,
  ) {
    const stream = new RtpStream(streamOptions);
    this.stream = stream;
    // One listener per socket for its lifetime: no closure is created per packet.
    rtp.on('message', (msg: Buffer, rinfo: RemoteInfo) => stream.receive(msg, rinfo.address, rinfo.port));
    rtcp.on('message', (msg: Buffer, rinfo: RemoteInfo) => stream.receiveRtcp(msg, rinfo.address, rinfo.port));
  }

  configure(config: StreamConfig): void {
    this.stream.configure(config);
  }

  stats(): StreamStats {
    return this.stream.stats();
  }

  onFrame(listener: (frame: PcmFrame) => void): () => void {
    return this.stream.onFrame(listener);
  }

  onDtmf(listener: (event: DtmfEvent) => void): () => void {
    return this.stream.onDtmf(listener);
  }

  tick(now: number): void {
    this.stream.tick(now);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stream.close();
      // The next holder of these sockets adds its own listeners; until then packets are dropped.
      this.rtp.removeAllListeners('message');
      this.rtcp.removeAllListeners('message');
      if (this.release.keep(this, [this.rtp, this.rtcp])) return;
      // Both sockets, even if one close fails; then the port pair goes back to the pool.
      await Promise.allSettled([closeSocket(this.rtp), closeSocket(this.rtcp)]);
      this.release.freed(this);
    })();
    return this.closing;
  }
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

/** Hands out even ports of a range as bound RTP/RTCP socket pairs. */
export class UdpPortPool implements RtpPortPool {
  private readonly freeList: number[] = [];
  private readonly live = new Set<UdpRtpEndpoint>();
  private closing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly streamOptions: RtpStreamOptions;

  constructor(private readonly opts: UdpPortPoolOptions) {
    if (!(opts.min >= 1 && opts.max <= 65535 && opts.min <= opts.max)) throw new RangeError('bad RTP port range');
    const first = opts.min % 2 === 0 ? opts.min : opts.min + 1;
    for (let p = first; p + 1 <= opts.max; p += 2) this.freeList.push(p);
    this.streamOptions = opts.logger ? { ...opts.stream, logger: opts.logger } : { ...opts.stream };
  }

  /** Bound pairs ready to hand out, oldest first: pre-bound ones (ready at once), then released ones. */
  private readonly spares: Array<{ port: number; pair: [Socket, Socket]; readyAt: number }> = [];
  /** How many of the spares were released by a call (kept bound) rather than pre-bound. */
  private kept = 0;
  private shuttingDown = false;
  /** Set while spares are being bound. */
  private refillDone: Promise<void> | undefined;

  get inUse(): number {
    return this.live.size;
  }

  get free(): number {
    return this.freeList.length + this.spares.length;
  }

  async allocate(): Promise<RtpEndpoint> {
    if (this.closing) throw new PortsExhaustedError();
    const head = this.spares[0];
    if (head && head.readyAt <= performance.now()) {
      this.takeSpare();
      this.refill();
      return this.adopt(head.port, head.pair);
    }
    // Try each free port at most once per call: some may be held by other processes.
    for (let tries = this.freeList.length; tries > 0; tries--) {
      const port = this.freeList.shift();
      if (port === undefined) break;
      const pair = await this.bindPair(port);
      if (!pair) {
        this.freeList.push(port);
        continue;
      }
      if (this.closing) {
        // The pool closed while we were binding.
        await Promise.allSettled([closeSocket(pair[0]), closeSocket(pair[1])]);
        throw new PortsExhaustedError();
      }
      return this.adopt(port, pair);
    }
    // The last free ports may be resting or on their way to the spares: take them rather than refuse.
    if (this.refillDone) await this.refillDone;
    const late = this.closing ? undefined : this.takeSpare();
    if (late) return this.adopt(late.port, late.pair);
    this.opts.logger?.warn({ min: this.opts.min, max: this.opts.max, inUse: this.live.size }, 'rtp ports exhausted');
    throw new PortsExhaustedError();
  }

  private readonly release: Release = {
    keep: (closed, sockets) => {
      this.live.delete(closed);
      if (this.live.size === 0) this.stopTimer();
      if (this.shuttingDown || this.kept >= (this.opts.keepBound ?? 0)) return false;
      // readyAt > 0 marks a kept pair (pre-bound ones are ready at 0).
      this.spares.push({ port: closed.port, pair: sockets, readyAt: performance.now() + (this.opts.reuseAfterMs ?? DEFAULT_REUSE_AFTER_MS) });
      this.kept++;
      return true;
    },
    freed: (closed) => {
      if (!this.closing) this.freeList.push(closed.port);
      this.refill();
    },
  };

  private takeSpare(): { port: number; pair: [Socket, Socket]; readyAt: number } | undefined {
    const spare = this.spares.shift();
    if (spare && spare.readyAt > 0) this.kept--;
    return spare;
  }

  private adopt(port: number, pair: [Socket, Socket]): RtpEndpoint {
    const ep = new UdpRtpEndpoint(port, pair[0], pair[1], this.streamOptions, this.release);
    this.live.add(ep);
    this.startTimer();
    return ep;
  }

  /** Tops the pre-bound spares up to `prebound`, one bind at a time, in the background. */
  private refill(): void {
    const target = this.opts.prebound ?? 0;
    if (this.refillDone || this.closing || this.spares.length >= target) return;
    const run = (async () => {
      while (!this.closing && this.spares.length < target && this.freeList.length > 0) {
        const port = this.freeList.shift() as number;
        const pair = await this.bindPair(port);
        if (!pair) {
          this.freeList.push(port);
          break; // held by another process: try again on the next refill
        }
        if (this.closing) {
          await Promise.allSettled([closeSocket(pair[0]), closeSocket(pair[1])]);
          break;
        }
        this.spares.push({ port, pair, readyAt: 0 });
      }
    })();
    this.refillDone = run;
    // Cleared after the assignment even when the run finished synchronously.
    const clear = (): void => {
      if (this.refillDone === run) this.refillDone = undefined;
    };
    void run.then(clear, clear);
  }

  /** Binds the pre-bound spares now (a serving node calls this once at start). */
  async warm(): Promise<void> {
    this.refill();
    await this.refillDone;
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    // Set before the endpoints close, so none of them hands its sockets back to the spares.
    this.shuttingDown = true;
    const spares = this.spares.splice(0);
    this.kept = 0;
    this.closing = Promise.allSettled([
      ...[...this.live].map((ep) => ep.close()),
      ...spares.flatMap((s) => [closeSocket(s.pair[0]), closeSocket(s.pair[1])]),
    ]).then(() => {
      this.stopTimer();
      this.freeList.length = 0;
    });
    return this.closing;
  }

  private async bindPair(port: number): Promise<[Socket, Socket] | undefined> {
    const rtp = await this.bind(port);
    if (!rtp) return undefined;
    const rtcp = await this.bind(port + 1);
    if (!rtcp) {
      await closeSocket(rtp);
      return undefined;
    }
    return [rtp, rtcp];
  }

  private bind(port: number): Promise<Socket | undefined> {
    return new Promise((resolve) => {
      const socket = createSocket({
        type: isIPv6(this.opts.host) ? 'udp6' : 'udp4',
        recvBufferSize: this.opts.recvBufferBytes ?? DEFAULT_RECV_BUFFER,
      });
      const onError = (): void => {
        try {
          socket.close();
        } catch {
          // never bound: nothing to close
        }
        resolve(undefined);
      };
      socket.once('error', onError);
      socket.bind({ port, address: this.opts.host, exclusive: true }, () => {
        socket.off('error', onError);
        // A socket error after binding (ICMP unreachable on some stacks) must not crash the process.
        socket.on('error', (err) => this.opts.logger?.debug({ err, port }, 'rtp socket error'));
        resolve(socket);
      });
    });
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      const now = performance.now();
      for (const ep of this.live) ep.tick(now);
    }, this.opts.tickMs ?? 50);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
