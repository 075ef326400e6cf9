/**
 * The single-node dev queue: records in a MemoryAlertStore, attempts on in-process timers with the same
 * back-off and claim rules as the BullMQ queue. Nothing survives the process: alerts still waiting at
 * close() are logged as lost.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log.js';
import type { AlertJob, AlertQueue, AlertQueueStats, AlertRecord, AlertStatus, DeliveryReceipt, EnqueueResult } from '../types.js';
import { runAlertAttempt, type AlertProcessorDeps, type AttemptOutcome } from './alert-processor.js';
import { backoffDelay, toRecordBase } from './alert-record.js';
import { AlertQueueError } from './errors.js';
import { MemoryAlertStore } from './memory-alert-store.js';
import { ALERT_QUEUE_DEFAULTS, type AlertQueueOptions } from './types.js';

export type MemoryAlertQueueOptions = Omit<AlertQueueOptions, 'redisUrl' | 'keyPrefix' | 'queueName' | 'lockDurationMs' | 'stalledIntervalMs'> & {
  /** Several queues sharing one store act as nodes of one deployment (tests). */
  store?: MemoryAlertStore;
};

/** After the grace period, how long aborted sends get to settle before close() stops waiting. */
const ABORT_SETTLE_MS = 1_000;

export class MemoryAlertQueue implements AlertQueue {
  private readonly store: MemoryAlertStore;
  private readonly logger: Logger;
  private readonly deps: AlertProcessorDeps;
  private readonly onAttempt: ((alertId: string) => void) | undefined;
  private readonly limits: { maxPerHour: number; dedupTtlMs: number };
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly concurrency: number;
  private readonly runsWorker: boolean;
  /** Alerts waiting for their first attempt or a back-off, by id. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Due, waiting for a free slot. */
  private readonly ready: string[] = [];
  private readonly active = new Map<string, { done: Promise<void>; controller: AbortController }>();
  /** Failed attempts so far per alert (the scheduler's count, like BullMQ's attemptsMade). */
  private readonly failures = new Map<string, number>();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(opts: MemoryAlertQueueOptions) {
    const d = ALERT_QUEUE_DEFAULTS;
    this.store = opts.store ?? new MemoryAlertStore({ recordTtlMs: opts.recordTtlMs ?? d.recordTtlMs, numberHashSecret: opts.numberHashSecret });
    this.logger = opts.logger.child({ component: 'alert-queue', adapter: 'memory', nodeId: opts.nodeId });
    this.limits = { maxPerHour: opts.maxPerHour ?? d.maxPerHour, dedupTtlMs: opts.dedupTtlMs ?? d.dedupTtlMs };
    this.attempts = Math.max(1, opts.attempts ?? d.attempts);
    this.backoffMs = opts.backoffMs ?? d.backoffMs;
    this.maxBackoffMs = opts.maxBackoffMs ?? d.maxBackoffMs;
    this.concurrency = Math.max(1, opts.concurrency ?? d.concurrency);
    this.runsWorker = opts.worker ?? true;
    this.deps = { store: this.store, sender: opts.sender, logger: this.logger, claimTtlMs: opts.claimTtlMs ?? d.lockDurationMs };
    this.onAttempt = opts.onAttempt;
  }

  async enqueue(job: AlertJob): Promise<EnqueueResult> {
    if (this.closed) throw new AlertQueueError('ALERT_QUEUE_CLOSED', 'alert queue is closing');
    // The same id again is idempotent: the first enqueue already kept and scheduled it.
    const known = (await this.store.get(job.id)) !== undefined;
    const result = await this.store.admit(toRecordBase(job), job, this.limits);
    if (known) return result;
    // Rate-limited alerts keep their payload too, so that retry() can still send them.
    if (result.accepted || result.reason === 'rate-limited') this.store.keepPayload(job);
    if (result.accepted) this.schedule(job.id, 0);
    return result;
  }

  get(id: string): Promise<AlertRecord | undefined> {
    return this.store.get(id);
  }

  list(filter?: { status?: AlertStatus; limit?: number }): Promise<AlertRecord[]> {
    return this.store.list(filter);
  }

  async retry(id: string): Promise<boolean> {
    if (this.closed || !this.store.payload(id)) return false;
    if (!(await this.store.revive(id))) return false;
    this.failures.delete(id);
    this.schedule(id, 0);
    return true;
  }

  recordReceipt(receipt: DeliveryReceipt): Promise<boolean> {
    return this.store.recordReceipt(receipt);
  }

  dispute(target: { id: string } | { subscriber: string }, via: 'sms' | 'api'): Promise<AlertRecord | undefined> {
    return this.store.dispute(target, via);
  }

  stats(): Promise<AlertQueueStats> {
    return this.store.stats();
  }

  close(graceMs: number = ALERT_QUEUE_DEFAULTS.closeGraceMs): Promise<void> {
    this.closing ??= this.shutdown(graceMs);
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.closed = true;
    const waiting = this.timers.size + this.ready.length;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.ready.length = 0;
    if (waiting > 0) this.logger.warn({ lost: waiting }, 'memory alert queue closed with alerts still waiting: they are lost (single-node dev mode)');
    if (!(await this.drain(graceMs))) {
      for (const a of this.active.values()) a.controller.abort();
      if (!(await this.drain(ABORT_SETTLE_MS))) {
        this.logger.warn({ lost: this.active.size }, 'alert sends still running after close; abandoning them');
      }
    }
  }

  /** Resolves true once no send is in flight, false when `ms` passed first. */
  private async drain(ms: number): Promise<boolean> {
    if (this.active.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const drained = Promise.allSettled([...this.active.values()].map((a) => a.done)).then(() => true as const);
    try {
      return await Promise.race([drained, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private schedule(id: string, delayMs: number): void {
    if (!this.runsWorker) return;
    if (this.closed) {
      this.logger.warn({ alertId: id, lost: 1 }, 'alert needs another attempt but the memory queue is closed: it is lost');
      return;
    }
    clearTimeout(this.timers.get(id));
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        this.ready.push(id);
        this.pump();
      }, delayMs),
    );
  }

  private pump(): void {
    while (!this.closed && this.active.size < this.concurrency && this.ready.length > 0) {
      const id = this.ready.shift()!;
      const job = this.store.payload(id);
      if (job && !this.active.has(id)) this.start(job);
    }
  }

  private start(job: AlertJob): void {
    const failed = this.failures.get(job.id) ?? 0;
    const controller = new AbortController();
    const done = runAlertAttempt(this.deps, job, { token: randomUUID(), final: failed + 1 >= this.attempts, signal: controller.signal })
      .then(
        (outcome) => this.afterAttempt(job.id, failed, outcome),
        // The store threw (cannot happen in memory short of a bug): count it as a failed attempt.
        (err: unknown) => {
          this.logger.error({ err, alertId: job.id }, 'alert attempt failed unexpectedly');
          this.afterAttempt(job.id, failed, { kind: 'retry', error: 'internal error', attempts: failed + 1 });
        },
      )
      .finally(() => {
        this.active.delete(job.id);
        this.pump();
        this.onAttempt?.(job.id);
      });
    this.active.set(job.id, { done, controller });
  }

  private afterAttempt(id: string, failed: number, outcome: AttemptOutcome): void {
    switch (outcome.kind) {
      case 'busy':
        this.schedule(id, outcome.retryInMs);
        return;
      case 'aborted':
        // Only close() aborts: schedule() logs it as lost.
        this.schedule(id, 0);
        return;
      case 'retry':
        this.failures.set(id, failed + 1);
        if (failed + 1 >= this.attempts) {
          // Only reachable through the internal-error path: the processor marks its own final failures dead.
          void this.store.markFailed(id, '', outcome.error, true);
          return;
        }
        this.schedule(id, backoffDelay(failed + 1, this.backoffMs, this.maxBackoffMs));
        return;
      default:
        this.failures.delete(id);
    }
  }
}
