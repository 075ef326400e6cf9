/**
 * The RTP port pool on worker threads: the port range is cut into one contiguous slice per worker,
 * and each worker owns the sockets of its slice and runs the receive path (SRTP, decode, framing)
 * on its own event loop, so media uses every core and never delays SIP. This class, on the main
 * thread, hands out endpoints from the worker with the most free ports.
 *
 * A worker that dies unasked is logged (and reported to `onWorkerFailure`); its calls' streams stop
 * receiving (their last stats stay readable, the media timeout ends those calls) and a new worker is
 * started on the same slice after `restartDelayMs`. Meanwhile allocations go to the other workers.
 */
import type { Logger } from '../../log.js';
import { PortsExhaustedError, type RtpEndpoint, type RtpPortPool } from '../types.js';
import { MediaThread } from './media-thread.js';
import type { WorkerSetup } from './protocol.js';

export interface WorkerPortPoolOptions {
  host: string;
  /** Port range, inclusive; RTP takes the even ports, RTCP the odd one above each. */
  min: number;
  max: number;
  /** Worker threads (at least 1; fewer when the range has fewer port pairs). */
  workers: number;
  /** Port pairs kept bound ahead of demand, over all workers. */
  prebound?: number;
  /** Released pairs kept bound for reuse, over all workers (UdpPortPoolOptions.keepBound). */
  keepBound?: number;
  /** How long a released pair rests before reuse (UdpPortPoolOptions.reuseAfterMs). */
  reuseAfterMs?: number;
  /** Endpoints each worker keeps allocated ahead of demand (default 0): allocate() then needs no round trip. */
  reserve?: number;
  recvBufferBytes?: number;
  /** How often each worker pushes its streams' stats (default 500 ms): stats() is at most this old. */
  statsMs?: number;
  /** Longest a decoded frame waits to be batched (default 20 ms). */
  frameBatchMs?: number;
  /** Pause before a dead worker's slice gets a new worker (default 1000 ms). */
  restartDelayMs?: number;
  logger?: Logger;
  onWorkerFailure?: (info: { worker: number; code: number; error?: Error }) => void;
}

/** Even ports of [min, max] with room for RTCP, cut into `n` contiguous slices. */
export function slicePorts(min: number, max: number, n: number): Array<{ min: number; max: number }> {
  const first = min % 2 === 0 ? min : min + 1;
  const pairs = Math.floor((max - first + 1) / 2);
  if (pairs < 1) throw new RangeError(`RTP port range ${min}-${max} has no port pair`);
  // A small range (tests) gets fewer workers rather than empty slices.
  n = Math.max(1, Math.min(n, pairs));
  const out: Array<{ min: number; max: number }> = [];
  for (let i = 0; i < n; i++) {
    const lo = Math.floor((i * pairs) / n);
    const hi = Math.floor(((i + 1) * pairs) / n);
    out.push({ min: first + lo * 2, max: first + hi * 2 - 1 });
  }
  return out;
}

/** How many fewer free ports the last thread may have and still take the next stream. */
const STICKY_SLACK = 8;

export class WorkerPortPool implements RtpPortPool {
  private readonly threads: MediaThread[];
  private readonly setups: WorkerSetup[];
  private nextId = 1;
  /** The thread of the last allocation. */
  private last: MediaThread | undefined;
  private closing: Promise<void> | undefined;
  private readonly restarts = new Set<NodeJS.Timeout>();

  constructor(private readonly opts: WorkerPortPoolOptions) {
    const slices = slicePorts(opts.min, opts.max, opts.workers);
    const prebound = Math.ceil((opts.prebound ?? 0) / slices.length);
    const keepBound = Math.ceil((opts.keepBound ?? 0) / slices.length);
    this.setups = slices.map((s) => ({
      host: opts.host,
      min: s.min,
      max: s.max,
      prebound,
      keepBound,
      ...(opts.reuseAfterMs !== undefined ? { reuseAfterMs: opts.reuseAfterMs } : {}),
      ...(opts.recvBufferBytes !== undefined ? { recvBufferBytes: opts.recvBufferBytes } : {}),
      logLevel: opts.logger?.level ?? 'silent',
      statsMs: opts.statsMs ?? 500,
      frameBatchMs: opts.frameBatchMs ?? 20,
    }));
    this.threads = this.setups.map((setup, i) => this.start(i, setup));
  }

  /** The worker threads, for diagnostics and tests. */
  get workers(): readonly MediaThread[] {
    return this.threads;
  }

  get inUse(): number {
    return this.threads.reduce((n, t) => n + t.inUse, 0);
  }

  get free(): number {
    return this.threads.reduce((n, t) => n + (t.alive ? t.free : 0), 0);
  }

  /** Resolves when every worker has bound its spares. */
  async warm(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.ready));
  }

  async allocate(): Promise<RtpEndpoint> {
    if (this.closing) throw new PortsExhaustedError();
    const id = this.nextId++;
    // Most free first: spreads streams (and their CPU) evenly over the workers. The last thread is
    // kept while it is nearly as free, so a call's streams share a worker: its configure and close
    // messages then wake one thread, not two.
    const order = [...this.threads].filter((t) => t.alive).sort((a, b) => b.free - a.free);
    const last = this.last;
    if (last?.alive && order[0] !== last && last.free + STICKY_SLACK >= (order[0]?.free ?? 0)) {
      order.splice(order.indexOf(last), 1);
      order.unshift(last);
    }
    const reserved = order[0]?.takeReserved();
    if (reserved) {
      this.last = order[0];
      return reserved;
    }
    for (const thread of order) {
      await thread.ready;
      // Refused: the thread's last ports may have gone to its reserve (answered before this request).
      const ep = thread.takeReserved() ?? (await thread.allocate(id)) ?? thread.takeReserved();
      if (ep) {
        this.last = thread;
        return ep;
      }
    }
    this.opts.logger?.warn({ min: this.opts.min, max: this.opts.max, inUse: this.inUse }, 'rtp ports exhausted');
    throw new PortsExhaustedError();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const t of this.restarts) clearTimeout(t);
      this.restarts.clear();
      await Promise.all(this.threads.map((t) => t.stop()));
    })();
    return this.closing;
  }

  private start(index: number, setup: WorkerSetup): MediaThread {
    return new MediaThread(index, setup, this.opts.logger, (dead, error, code) => this.died(dead, error, code), {
      reserve: this.opts.reserve ?? 0,
      newId: () => this.nextId++,
    });
  }

  private died(dead: MediaThread, error: Error | undefined, code: number): void {
    this.opts.logger?.error({ err: error, worker: dead.index, code }, 'media worker died: its streams stopped; restarting it');
    this.opts.onWorkerFailure?.({ worker: dead.index, code, ...(error ? { error } : {}) });
    if (this.closing) return;
    const timer = setTimeout(() => {
      this.restarts.delete(timer);
      if (this.closing) return;
      this.threads[dead.index] = this.start(dead.index, this.setups[dead.index]!);
    }, this.opts.restartDelayMs ?? 1000);
    timer.unref();
    this.restarts.add(timer);
  }
}
