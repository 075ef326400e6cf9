/**
 * The multi-node queue: records and decisions in RedisAlertStore, scheduling by BullMQ (a Queue, and a
 * Worker unless `worker: false`). BullMQ gives durability, back-off and stall recovery; the store gives
 * dedup, rate limits and the send claim that makes BullMQ's at-least-once delivery send once (see
 * alert-processor.ts for the one window that remains).
 *
 * BullMQ keys live under `<keyPrefix>bull:<queueName>:`. Jobs carry the unmasked AlertJob (the worker
 * needs the number to send); completed jobs are removed at once (removeOnComplete: true), so a sent
 * alert's number leaves Redis with its job. Failed (dead) jobs are kept for recordTtl, bounded by
 * count, because retry(id) re-runs them. BullMQ's structural keys (meta, id counter, events stream
 * capped at EVENTS_MAX_LEN, the wait/delayed/failed sets) carry no TTL: they are bounded by those limits.
 * One ioredis connection (maxRetriesPerRequest: null, so commands wait out a Redis restart instead of
 * failing) serves the store, the Queue and the Worker; BullMQ duplicates it for its blocking reads.
 */
import { randomUUID } from 'node:crypto';
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { maskNumber, type Logger } from '../../log.js';
import type { AlertJob, AlertQueue, AlertQueueStats, AlertRecord, AlertStatus, DeliveryReceipt, EnqueueResult } from '../types.js';
import { runAlertAttempt, type AlertProcessorDeps } from './alert-processor.js';
import { backoffDelay, maskDigits, toRecordBase } from './alert-record.js';
import { AlertQueueError } from './errors.js';
import { RedisAlertStore } from './redis-alert-store.js';
import { ALERT_QUEUE_DEFAULTS, type AlertQueueOptions } from './types.js';

export type BullmqAlertQueueOptions = AlertQueueOptions & { redisUrl: string };

/** The completed/failed events BullMQ appends to its stream; the stream is trimmed to about this. */
const EVENTS_MAX_LEN = 1_000;
/** Dead jobs kept for retry(), at most. */
const FAILED_JOBS_KEPT = 10_000;
const BACKOFF_TYPE = 'callguard-exponential';
/** A job that stalls more often than this is failed by BullMQ (and marked dead by the 'failed' handler). */
const MAX_STALLED_COUNT = 2;
const ABORT_SETTLE_MS = 1_000;

interface InFlight {
  controller: AbortController;
  done: Promise<void>;
}

export class BullmqAlertQueue implements AlertQueue {
  private readonly redis: Redis;
  private readonly store: RedisAlertStore;
  private readonly queue: Queue<AlertJob>;
  private readonly worker: Worker<AlertJob> | undefined;
  private readonly logger: Logger;
  private readonly deps: AlertProcessorDeps;
  private readonly onAttempt: ((alertId: string) => void) | undefined;
  private readonly limits: { maxPerHour: number; dedupTtlMs: number };
  private readonly inFlight = new Set<InFlight>();
  private stopping = false;
  private closing: Promise<void> | undefined;
  /** Connection errors repeat on every reconnect attempt; log the first until the link is back. */
  private linkDown = false;

  constructor(opts: BullmqAlertQueueOptions) {
    const d = ALERT_QUEUE_DEFAULTS;
    const prefix = opts.keyPrefix ?? d.keyPrefix;
    const queueName = opts.queueName ?? d.queueName;
    const recordTtlMs = opts.recordTtlMs ?? d.recordTtlMs;
    const lockDuration = opts.lockDurationMs ?? d.lockDurationMs;
    const backoffMs = opts.backoffMs ?? d.backoffMs;
    const maxBackoffMs = opts.maxBackoffMs ?? d.maxBackoffMs;
    this.logger = opts.logger.child({ component: 'alert-queue', adapter: 'bullmq', nodeId: opts.nodeId });
    this.limits = { maxPerHour: opts.maxPerHour ?? d.maxPerHour, dedupTtlMs: opts.dedupTtlMs ?? d.dedupTtlMs };

    this.redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
    this.redis.on('error', (err: Error) => this.linkError('redis', err));
    this.redis.on('ready', () => {
      if (this.linkDown) this.logger.info('alert queue reconnected to Redis');
      this.linkDown = false;
    });
    this.store = new RedisAlertStore(this.redis, { keyPrefix: prefix, recordTtlMs, numberHashSecret: opts.numberHashSecret });
    this.deps = { store: this.store, sender: opts.sender, logger: this.logger, claimTtlMs: opts.claimTtlMs ?? lockDuration };
    this.onAttempt = opts.onAttempt;

    // BullMQ joins prefix and queue name with ':' itself.
    const bullPrefix = `${prefix}bull`;
    this.queue = new Queue<AlertJob>(queueName, {
      connection: this.redis,
      prefix: bullPrefix,
      streams: { events: { maxLen: EVENTS_MAX_LEN } },
      defaultJobOptions: {
        attempts: Math.max(1, opts.attempts ?? d.attempts),
        backoff: { type: BACKOFF_TYPE },
        removeOnComplete: true,
        removeOnFail: { age: Math.ceil(recordTtlMs / 1000), count: FAILED_JOBS_KEPT },
      },
    });
    this.queue.on('error', (err: Error) => this.linkError('queue', err));

    if (opts.worker ?? true) {
      this.worker = new Worker<AlertJob>(queueName, (job, token, signal) => this.process(job, token, signal), {
        connection: this.redis,
        prefix: bullPrefix,
        name: opts.nodeId,
        concurrency: Math.max(1, opts.concurrency ?? d.concurrency),
        lockDuration,
        stalledInterval: opts.stalledIntervalMs ?? d.stalledIntervalMs,
        maxStalledCount: MAX_STALLED_COUNT,
        settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(attemptsMade, backoffMs, maxBackoffMs) },
      });
      this.worker.on('error', (err: Error) => this.linkError('worker', err));
      this.worker.on('failed', (job, err) => {
        if (job?.id) this.onJobFailed(job, err);
      });
    }
  }

  /** Resolves once the Queue (and Worker) are connected. */
  async ready(): Promise<void> {
    await this.queue.waitUntilReady();
    await this.worker?.waitUntilReady();
  }

  async enqueue(job: AlertJob): Promise<EnqueueResult> {
    if (this.stopping) throw new AlertQueueError('ALERT_QUEUE_CLOSED', 'alert queue is closing');
    // BullMQ refuses custom job ids with ':'; refuse before anything is recorded.
    if (!job.id || job.id.includes(':')) throw new AlertQueueError('ALERT_QUEUE_BAD_JOB', 'alert id must be non-empty and contain no ":"');
    const result = await this.store.admit(toRecordBase(job), job, this.limits);
    if (result.accepted || result.reason === 'rate-limited') {
      // Rate-limited alerts get a job too: it fails at once without sending (the record is dead), and
      // stays in the failed set so that retry(id) can still send it.
      try {
        await this.queue.add('alert', job, { jobId: job.id });
      } catch (err) {
        // Without a job the record would say 'queued' forever; make it dead and free the dedup key.
        await this.store.abandon(job.id, job.dedupKey, 'enqueue-failed').catch(() => undefined);
        throw err;
      }
    } else if (result.id !== job.id) {
      await this.requeueOrphan(result.id, job);
    }
    return result;
  }

  /**
   * A duplicate of an alert that is still 'queued' with no BullMQ job: the node that admitted it died
   * (or lost the reply) before queue.add. Add its job now, under its own id, so it is not queued
   * forever. The record is masked, so the number comes from this job, whose dedup key (subscriber,
   * group) matched; every other field is the existing alert's. If that node's add lands after all,
   * BullMQ ignores a jobId it already has, and the send claim keeps it to one SMS either way.
   */
  private async requeueOrphan(id: string, job: AlertJob): Promise<void> {
    const rec = await this.store.get(id);
    if (rec?.status !== 'queued' || rec.subscriber !== maskNumber(job.subscriber)) return;
    if (await this.queue.getJob(id)) return;
    const data: AlertJob = {
      id,
      dedupKey: job.dedupKey,
      callId: rec.callId,
      subscriber: job.subscriber,
      // Only ever shown masked, so the record's masked copy serves.
      ...(rec.caller ? { caller: rec.caller } : {}),
      locale: rec.locale,
      level: rec.level,
      score: rec.score,
      category: rec.category,
      tactics: [...rec.tactics],
      explanation: rec.explanation,
      nodeId: rec.nodeId,
      raisedAt: rec.raisedAt,
    };
    await this.queue.add('alert', data, { jobId: id });
    this.logger.warn({ alertId: id }, 'queued alert had no job (its enqueue was cut short); job added');
  }

  get(id: string): Promise<AlertRecord | undefined> {
    return this.store.get(id);
  }

  list(filter?: { status?: AlertStatus; limit?: number }): Promise<AlertRecord[]> {
    return this.store.list(filter);
  }

  async retry(id: string): Promise<boolean> {
    if (this.stopping) return false;
    // The job holds the number to send to; once BullMQ evicted it there is nothing to retry with.
    const job = await this.queue.getJob(id);
    if (!job) return false;
    if (!(await this.store.revive(id))) return false;
    // A job still waiting/delayed/active will find the record queued and send; a failed one re-runs.
    if ((await job.getState()) === 'failed') await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
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
    this.stopping = true;
    // Each step runs even when an earlier one throws, as BullMQ's own close() does.
    const step = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        this.logger.warn({ err }, `alert queue close: ${what} failed`);
      }
    };
    if (this.worker) {
      const worker = this.worker;
      // Stop fetching; sends in flight carry on.
      await step('pause worker', () => worker.pause(true));
      let drained = await this.drain(graceMs);
      if (!drained) {
        this.logger.warn({ inFlight: this.inFlight.size }, 'alert sends still running after the grace period; aborting them');
        for (const f of this.inFlight) f.controller.abort();
        drained = await this.drain(ABORT_SETTLE_MS);
      }
      // Forced: jobs still running keep their lock until it lapses; another node re-runs them.
      await step('close worker', () => worker.close(!drained));
    }
    await step('close queue', () => this.queue.close());
    await step('close redis', async () => {
      try {
        await this.redis.quit();
      } catch {
        this.redis.disconnect();
      }
    });
  }

  private async drain(ms: number): Promise<boolean> {
    if (this.inFlight.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const drained = Promise.allSettled([...this.inFlight].map((f) => f.done)).then(() => true as const);
    try {
      return await Promise.race([drained, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async process(job: Job<AlertJob>, token: string | undefined, signal: AbortSignal | undefined): Promise<{ segments: number } | undefined> {
    if (this.stopping) {
      // Picked up while closing: hand it back untouched (no attempt counted) for another node.
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    signal?.addEventListener('abort', abort, { once: true });
    const run = this.attempt(job, token ?? randomUUID(), controller.signal);
    const entry: InFlight = { controller, done: run.then(() => undefined, () => undefined) };
    this.inFlight.add(entry);
    try {
      return await run;
    } finally {
      this.inFlight.delete(entry);
      signal?.removeEventListener('abort', abort);
    }
  }

  private async attempt(job: Job<AlertJob>, token: string, signal: AbortSignal): Promise<{ segments: number } | undefined> {
    // attemptsMade counts failed runs so far; stalls and DelayedError do not count.
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcome = await runAlertAttempt(this.deps, job.data, { token, final, signal });
    this.onAttempt?.(job.data.id);
    switch (outcome.kind) {
      case 'sent':
        // The return value lands in BullMQ's events stream: no numbers, no ids that matter.
        return { segments: outcome.result.segments };
      case 'skipped':
        if (outcome.reason === 'dead') throw new UnrecoverableError('dead: not sending until retried');
        return undefined;
      case 'busy':
        await job.moveToDelayed(Date.now() + outcome.retryInMs, token);
        throw new DelayedError();
      case 'aborted':
        // Due at once: another node (or this one after a restart) takes it.
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      case 'retry':
        throw new Error(outcome.error);
      case 'dead':
        throw new UnrecoverableError(outcome.error);
    }
  }

  /**
   * The processor marks its own final failures dead; this catches the ones BullMQ decides alone (a job
   * that stalled more than MAX_STALLED_COUNT times), so no record stays 'sending' forever.
   */
  private onJobFailed(job: Job<AlertJob>, err: Error): void {
    const id = job.id!;
    void (async () => {
      if ((await job.getState()) !== 'failed') return;
      await this.store.markFailed(id, '', maskDigits(err.message).slice(0, 200), true);
    })().catch((e: unknown) => this.logger.warn({ err: e, alertId: id }, 'could not mark a failed alert job dead'));
  }

  private linkError(source: string, err: Error): void {
    if (this.stopping && /Connection is closed/i.test(err.message)) return;
    if (this.linkDown) {
      this.logger.debug({ err, source }, 'alert queue Redis error');
      return;
    }
    this.linkDown = true;
    this.logger.warn({ err, source }, 'alert queue lost Redis; retrying');
  }
}
