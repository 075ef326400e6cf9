/**
 * One media worker thread as the main thread sees it: starts it on its slice of the port range,
 * routes what it sends to the endpoints it owns, and tells the pool when it dies unasked. A dead
 * thread's endpoints keep their last stats and close at once (their sockets died with the thread).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../log.js';
import type { StreamConfig } from '../types.js';
import type { FrameBatch, FromWorker, ToWorker, WorkerSetup } from './protocol.js';
import { Outbox, STATS_FIELDS } from './protocol.js';
import { WorkerEndpoint, type WorkerLink } from './worker-endpoint.js';

/**
 * Starts the worker entry: compiled JavaScript in a build; from TypeScript sources (tests, `tsx`)
 * through a small bootstrap that registers tsx's loader in the new thread first.
 */
function startWorker(setup: WorkerSetup): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./media-worker.js', here), { workerData: setup });
  // The ESM build of tsx's API, found from its CommonJS one (createRequire resolves only that).
  const api = pathToFileURL(createRequire(here).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./media-worker.ts', here).href;
  const boot = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData: setup });
}

const PINO_LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/**
 * Endpoints a thread keeps allocated ahead of demand (MediaThreadOptions.reserve), so allocate()
 * hands one out without a round trip to the worker; topped up in one message when half are gone.
 */
export interface MediaThreadOptions {
  reserve: number;
  /** Stream ids, unique over the pool's threads. */
  newId: () => number;
}

export class MediaThread implements WorkerLink {
  readonly worker: Worker;
  /** Free ports as the worker last said (reserved endpoints are allocated there). */
  private reportedFree = 0;
  alive = true;
  /** Allocated by the worker, not yet handed out: oldest first. */
  private readonly reserved: WorkerEndpoint[] = [];
  /** Ids asked for the reserve whose answer has not come yet. */
  private readonly reserving = new Set<number>();
  readonly ready: Promise<void>;
  private readonly live = new Map<number, WorkerEndpoint>();
  private readonly allocating = new Map<number, (ep: WorkerEndpoint | undefined) => void>();
  private readonly closingIds = new Map<number, () => void>();
  private stopping = false;
  private down: (() => void) | undefined;
  private readonly exited: Promise<void>;
  /** allocate, configure, listen and close queued together go as one message. */
  private readonly outbox = new Outbox<ToWorker>((msg) => {
    if (this.alive) this.worker.postMessage(msg);
  });

  constructor(
    readonly index: number,
    setup: WorkerSetup,
    private readonly log: Logger | undefined,
    /** The thread ended without being asked to. */
    private readonly onDeath: (thread: MediaThread, err: Error | undefined, code: number) => void,
    private readonly opts: MediaThreadOptions = { reserve: 0, newId: () => 0 },
  ) {
    this.worker = startWorker(setup);
    // The node's own sockets and timers keep it running; a worker alone must not (a test or CLI that
    // forgot close() would hang).
    this.worker.unref();
    let readyNow: () => void = () => {};
    this.ready = new Promise<void>((resolve) => (readyNow = resolve));
    let failure: Error | undefined;
    this.worker.on('message', (msg: FromWorker) => {
      if (msg.t === 'ready') {
        this.reportedFree = msg.free;
        readyNow();
        this.topUp();
      } else this.receive(msg);
    });
    this.worker.on('error', (err) => {
      failure = err;
    });
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        this.alive = false;
        readyNow();
        for (const done of this.allocating.values()) done(undefined);
        this.allocating.clear();
        this.reserving.clear();
        this.reserved.length = 0;
        for (const done of this.closingIds.values()) done();
        this.closingIds.clear();
        this.live.clear();
        this.down?.();
        if (!this.stopping) this.onDeath(this, failure, code);
        resolve();
      }),
    );
  }

  get inUse(): number {
    return this.live.size;
  }

  /** Free port pairs on this thread, counting its reserved endpoints as free. */
  get free(): number {
    return this.reportedFree + this.reserved.length;
  }

  /** A reserved endpoint, handed out at once; undefined when the reserve is empty. */
  takeReserved(): WorkerEndpoint | undefined {
    if (!this.alive) return undefined;
    const ep = this.reserved.shift();
    if (ep) {
      this.live.set(ep.id, ep);
      this.topUp();
    }
    return ep;
  }

  /** An endpoint on this thread, or undefined when its ports are used up (or it died). */
  allocate(id: number): Promise<WorkerEndpoint | undefined> {
    if (!this.alive) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.allocating.set(id, resolve);
      this.post({ t: 'allocate', id });
    });
  }

  /** Asks for the reserve's missing endpoints once half of it is gone (and ports are free). */
  private topUp(): void {
    const { reserve } = this.opts;
    const have = this.reserved.length + this.reserving.size;
    if (!this.alive || this.stopping || reserve <= 0 || have > reserve / 2) return;
    for (let n = Math.min(reserve - have, this.reportedFree - this.reserving.size); n > 0; n--) {
      const id = this.opts.newId();
      this.reserving.add(id);
      this.post({ t: 'allocate', id });
    }
  }

  configure(id: number, config: StreamConfig): void {
    this.post({ t: 'configure', id, config });
  }

  listen(id: number, on: boolean): void {
    this.post({ t: 'listen', id, on });
  }

  close(id: number): Promise<void> {
    if (!this.alive || !this.live.has(id)) return Promise.resolve();
    return new Promise((resolve) => {
      this.closingIds.set(id, resolve);
      if (this.alive) this.outbox.later({ t: 'close', id });
    });
  }

  /** Closes the worker's sockets and ends the thread (terminated if it does not answer in time). */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
    if (this.alive) {
      const answered = new Promise<void>((resolve) => (this.down = resolve));
      this.outbox.flush();
      this.worker.postMessage({ t: 'shutdown' } satisfies ToWorker);
      const timer = setTimeout(() => void this.worker.terminate(), timeoutMs);
      await answered;
      clearTimeout(timer);
    }
    await this.exited;
  }

  private post(msg: ToWorker): void {
    if (this.alive) this.outbox.push(msg);
  }

  private receive(msg: FromWorker): void {
    switch (msg.t) {
      case 'batch':
        for (const m of msg.msgs) this.receive(m);
        return;
      case 'frames':
        this.frames(msg);
        return;
      case 'stats':
        this.reportedFree = msg.free;
        for (let i = 0; i < msg.ids.length; i++) this.live.get(msg.ids[i]!)?.update(msg.data, i * STATS_FIELDS, msg.labels);
        return;
      case 'dtmf':
        this.live.get(msg.id)?.dtmf(msg.event);
        return;
      case 'allocated': {
        this.reportedFree = msg.free;
        const ep = new WorkerEndpoint(msg.id, msg.port, this, (err) => this.log?.error({ err }, 'media listener threw'));
        if (this.reserving.delete(msg.id)) {
          this.reserved.push(ep);
          return;
        }
        this.live.set(msg.id, ep);
        this.take(msg.id, ep);
        return;
      }
      case 'refused':
        this.reportedFree = msg.free;
        if (this.reserving.delete(msg.id)) return;
        this.take(msg.id, undefined);
        return;
      case 'closed': {
        this.reportedFree = msg.free;
        this.live.get(msg.id)?.update(msg.data, 0, msg.labels);
        this.live.delete(msg.id);
        const done = this.closingIds.get(msg.id);
        this.closingIds.delete(msg.id);
        done?.();
        return;
      }
      case 'log':
        this.forwardLog(msg.line);
        return;
      case 'down':
        this.down?.();
        return;
      case 'ready':
        return;
    }
  }

  private take(id: number, ep: WorkerEndpoint | undefined): void {
    const done = this.allocating.get(id);
    this.allocating.delete(id);
    done?.(ep);
  }

  private frames(b: FrameBatch): void {
    let offset = 0;
    for (let i = 0; i < b.n; i++) {
      const wide = (b.flags[i]! & 2) !== 0;
      const size = wide ? 320 : 160;
      const samples = b.samples.subarray(offset, offset + size);
      offset += size;
      this.live.get(b.ids[i]!)?.frame({
        samples,
        sampleRate: wide ? 16000 : 8000,
        timestamp: b.timestamps[i]!,
        concealed: (b.flags[i]! & 1) !== 0,
      });
    }
  }

  private forwardLog(line: string): void {
    if (!this.log) return;
    try {
      const { level, msg, time: _time, pid: _pid, hostname: _host, ...rest } = JSON.parse(line) as Record<string, unknown>;
      this.log[PINO_LEVELS[level as number] ?? 'info']({ ...rest, worker: this.index }, String(msg ?? ''));
    } catch {
      this.log.warn({ worker: this.index }, 'unreadable media worker log record');
    }
  }
}
