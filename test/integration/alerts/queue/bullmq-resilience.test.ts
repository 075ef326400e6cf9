/**
 * What BullMQ + Redis must survive: a worker SIGKILLed mid-send, Redis itself killed and restarted
 * (AOF, fsync always) with alerts queued, and what is left in Redis afterwards (TTLs, no numbers).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BullmqAlertQueue, type BullmqAlertQueueOptions } from '../../../../src/alerts/queue/index.js';
import { SmsError, type AlertRecord } from '../../../../src/alerts/types.js';
import { silentLogger } from '../../../../src/log.js';
import { requireBinary } from '../../../support/binaries.js';
import { startRedisServer, type RedisServer } from '../../../support/redis-server.js';
import { CALLER, SUBSCRIBER, makeJob, recordingSender, sleep, waitFor, waitForStatus } from '../../../unit/alerts/queue/fixtures.js';

const hasRedis = requireBinary('redis-server', 'redis-server');
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../../..');

describe.skipIf(!hasRedis)('BullMQ alert queue resilience', () => {
  let redis: RedisServer;
  const nodes: BullmqAlertQueue[] = [];
  const children: ChildProcess[] = [];
  let tmp: string;

  beforeAll(async () => {
    redis = await startRedisServer({ appendOnly: true });
    tmp = mkdtempSync(join(tmpdir(), 'cg-alerts-'));
  });
  afterEach(async () => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    await Promise.all(nodes.splice(0).map((q) => q.close(1_000)));
  });
  afterAll(async () => {
    await redis?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function node(opts: Partial<BullmqAlertQueueOptions> & Pick<BullmqAlertQueueOptions, 'sender' | 'keyPrefix'>): Promise<BullmqAlertQueue> {
    const q = new BullmqAlertQueue({ redisUrl: redis.url, logger: silentLogger(), nodeId: `n${nodes.length + 1}`, ...opts });
    nodes.push(q);
    await q.ready();
    return q;
  }

  it('a worker SIGKILLed mid-send: another node sends it after the stall, exactly once', { timeout: 40_000 }, async () => {
    const keyPrefix = `t-${randomUUID().slice(0, 8)}:`;
    const log = join(tmp, `stalled-${randomUUID()}.log`);
    // 1. A worker in a child process, whose sender claims and then blocks.
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'stalled-worker.ts'), redis.url, keyPrefix, log], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let childOut = '';
    child.stdout?.on('data', (c: Buffer) => (childOut += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (childOut += c.toString()));
    await waitFor(() => childOut.includes('ready'), `child worker ready (output: ${childOut})`);

    // 2. A producer-only node enqueues; the child claims it and hangs.
    const producer = await node({ keyPrefix, worker: false, sender: recordingSender().sender });
    const job = makeJob();
    expect((await producer.enqueue(job)).accepted).toBe(true);
    await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes(`claimed ${job.id}`), 'child claimed the send');
    expect((await producer.get(job.id))?.status).toBe('sending');

    // 3. Kill it without a chance to clean up.
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    // 4. A second worker picks the job up once the lock lapses and the stall check runs.
    const s = recordingSender();
    const rescuer = await node({ keyPrefix, sender: s.sender, lockDurationMs: 1_000, stalledIntervalMs: 500 });
    const rec = await waitForStatus(rescuer, job.id, 'sent', 30_000);
    await sleep(1_500);
    const childLines = readFileSync(log, 'utf8').trim().split('\n');
    expect(childLines).toEqual([`claimed ${job.id}`]);
    expect(s.sent.get(job.id)).toBe(1);
    expect(s.totalSent()).toBe(1);
    expect(rec.attempts).toBe(2);
    expect(rec.messageIds).toEqual([`msg-${job.id}-1`]);
  });

  it('a live claim held elsewhere delays the job without spending an attempt', async () => {
    const keyPrefix = `t-${randomUUID().slice(0, 8)}:`;
    const s = recordingSender();
    // attempts: 1, so a busy claim that counted as a failure would make the alert dead.
    const q = await node({ keyPrefix, sender: s.sender, attempts: 1 });
    const job = makeJob();
    const r = new Redis(redis.url);
    const heldAt = Date.now();
    await r.set(`${keyPrefix}alert:${job.id}:claim`, 'another-attempt', 'PX', 800);
    r.disconnect();
    await q.enqueue(job);
    const rec = await waitForStatus(q, job.id, 'sent');
    expect(rec.attempts).toBe(1);
    expect(s.calls).toEqual([job.id]);
    expect(s.times[0]! - heldAt).toBeGreaterThanOrEqual(700);
  });

  it('close() aborting a send on its last attempt hands the alert back; another node sends it', { timeout: 30_000 }, async () => {
    const keyPrefix = `t-${randomUUID().slice(0, 8)}:`;
    let started = false;
    const a = await node({
      keyPrefix,
      attempts: 1,
      sender: (_job, ctx) =>
        new Promise((_resolve, reject) => {
          started = true;
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted by close')));
        }),
    });
    const job = makeJob();
    await a.enqueue(job);
    await waitFor(() => started, 'send started on node a');
    await a.close(100);
    expect((await waitForStatusVia(keyPrefix, job.id, 'queued')).lastError).toBe('aborted: queue closing');
    const s = recordingSender();
    const b = await node({ keyPrefix, sender: s.sender, attempts: 1 });
    const rec = await waitForStatus(b, job.id, 'sent');
    expect(rec.attempts).toBe(2);
    expect(s.totalSent()).toBe(1);
  });

  /** Reads through a producer-only node (the node that wrote it may be closed). */
  async function waitForStatusVia(keyPrefix: string, id: string, status: 'queued'): Promise<AlertRecord> {
    const reader = await node({ keyPrefix, worker: false, sender: recordingSender().sender });
    return waitForStatus(reader, id, status);
  }

  it('Redis killed and restarted (AOF, fsync always) with alerts queued: none lost, each sent once', { timeout: 40_000 }, async () => {
    const keyPrefix = `t-${randomUUID().slice(0, 8)}:`;
    let smscUp = false;
    const s = recordingSender(() => (smscUp ? undefined : new SmsError('SMSC down', true)));
    const q = await node({ keyPrefix, sender: s.sender, backoffMs: 200, maxBackoffMs: 1_000, attempts: 50 });
    const jobs = [makeJob(), makeJob({ subscriber: '+447700900222' }), makeJob({ subscriber: '+447700900333' })];
    for (const j of jobs) expect((await q.enqueue(j)).accepted).toBe(true);
    await waitFor(() => jobs.every((j) => s.calls.includes(j.id)), 'each alert failed at least once');

    // SIGKILL: only what fsync already wrote survives.
    await redis.stop('SIGKILL');
    await sleep(500);
    await redis.restart();
    smscUp = true;

    await waitFor(async () => (await q.stats()).sent === 3, 'all three sent after the restart', 30_000);
    await sleep(1_000);
    for (const j of jobs) {
      expect(s.sent.get(j.id)).toBe(1);
      expect((await q.get(j.id))?.status).toBe('sent');
    }
    expect(s.totalSent()).toBe(3);
  });

  it('every key we write has a TTL and no key or value holds an unmasked number outside dead jobs', { timeout: 30_000 }, async () => {
    const keyPrefix = `t-${randomUUID().slice(0, 8)}:`;
    const s = recordingSender((job) => (job.category === 'bad' ? new SmsError(`rejected ${job.subscriber}`, false, 'INVALID') : undefined));
    const q = await node({ keyPrefix, sender: s.sender, maxPerHour: 2, backoffMs: 40 });
    // Sent + delivered + disputed, a duplicate, a non-retryable dead one, and a rate-limited one.
    const sent = makeJob();
    const dead = makeJob({ category: 'bad' });
    const limited = makeJob();
    await q.enqueue(sent);
    await q.enqueue({ ...makeJob(), dedupKey: sent.dedupKey });
    await q.enqueue(dead);
    expect((await q.enqueue(limited)).accepted).toBe(false);
    await waitFor(async () => (await q.get(sent.id))?.status === 'sent' && (await q.get(dead.id))?.status === 'dead', 'sent and dead');
    await q.recordReceipt({ messageId: `msg-${sent.id}-1`, status: 'delivered', detail: 'DELIVRD', at: Date.now() });
    await q.dispute({ subscriber: SUBSCRIBER }, 'sms');
    // Let BullMQ finish moving the rate-limited job to failed.
    await sleep(500);

    const r = new Redis(redis.url);
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await r.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      const bullPrefix = `${keyPrefix}bull:`;
      const ours = keys.filter((k) => !k.startsWith(bullPrefix));
      const bull = keys.filter((k) => k.startsWith(bullPrefix));
      expect(ours.length).toBeGreaterThan(10);
      if (process.env.CALLGUARD_DUMP_KEYS) for (const k of ours) console.log(k, await r.type(k), await r.pttl(k));

      // Our keys: all expire.
      const noTtl: string[] = [];
      for (const k of ours) if ((await r.pttl(k)) <= 0) noTtl.push(k);
      expect(noTtl).toEqual([]);

      // BullMQ's own keys without TTL: structural keys bounded by removeOnComplete/removeOnFail and the
      // events stream's maxLen, plus the job hashes of dead alerts kept for retry().
      const q0 = `${bullPrefix}alerts:`;
      const structural = new Set(['meta', 'id', 'events', 'wait', 'active', 'paused', 'delayed', 'prioritized', 'completed', 'failed', 'marker', 'pc', 'stalled', 'limiter', 'de']);
      const deadJobs = new Set([dead.id, limited.id]);
      for (const k of bull) {
        if (process.env.CALLGUARD_DUMP_KEYS) console.log(k, await r.type(k), await r.pttl(k));
        if ((await r.pttl(k)) > 0) continue;
        const rest = k.slice(q0.length);
        expect({ key: k, allowed: structural.has(rest) || deadJobs.has(rest) }).toEqual({ key: k, allowed: true });
      }
      // The sent alert's job (and its number) left Redis with it.
      expect(bull).not.toContain(`${q0}${sent.id}`);

      // Numbers: nowhere, except in the data of the dead jobs BullMQ keeps for retry().
      const needles = [SUBSCRIBER.slice(1), CALLER.slice(1)];
      const holders: string[] = [];
      for (const k of keys) {
        expect(needles.some((n) => k.includes(n))).toBe(false);
        const dump = await dumpValue(r, k);
        if (needles.some((n) => dump.includes(n))) holders.push(k);
      }
      expect(holders.sort()).toEqual([`${q0}${dead.id}`, `${q0}${limited.id}`].sort());
      for (const k of holders) {
        const hash = await r.hgetall(k);
        const outsideData = Object.entries(hash).filter(([f]) => f !== 'data').map(([, v]) => v).join('\n');
        expect(needles.some((n) => outsideData.includes(n))).toBe(false);
      }
    } finally {
      r.disconnect();
    }
  });
});

async function dumpValue(r: Redis, key: string): Promise<string> {
  switch (await r.type(key)) {
    case 'string':
      return (await r.get(key)) ?? '';
    case 'hash':
      return JSON.stringify(await r.hgetall(key));
    case 'list':
      return JSON.stringify(await r.lrange(key, 0, -1));
    case 'set':
      return JSON.stringify(await r.smembers(key));
    case 'zset':
      return JSON.stringify(await r.call('ZRANGE', key, '0', '-1', 'WITHSCORES'));
    case 'stream':
      return JSON.stringify(await r.xrange(key, '-', '+'));
    default:
      return '';
  }
}
