/** The AlertQueue contract on BullMQ and a real redis-server (one per file, a key prefix per env). */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toRecordBase } from '../../../../src/alerts/queue/alert-record.js';
import { BullmqAlertQueue, MemoryAlertQueue, createAlertQueue } from '../../../../src/alerts/queue/index.js';
import { RedisAlertStore } from '../../../../src/alerts/queue/redis-alert-store.js';
import { silentLogger } from '../../../../src/log.js';
import { requireBinary } from '../../../support/binaries.js';
import { startRedisServer, type RedisServer } from '../../../support/redis-server.js';
import { describeAlertQueueContract, type ContractHarness } from '../../../unit/alerts/queue/alert-queue-contract.js';
import { makeJob, recordingSender, sleep, waitForStatus } from '../../../unit/alerts/queue/fixtures.js';

const hasRedis = requireBinary('redis-server', 'redis-server');

describe.skipIf(!hasRedis)('BullMQ alert queue', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.close();
  });

  function bullmqHarness(): ContractHarness {
    const nodes: BullmqAlertQueue[] = [];
    let n = 0;
    return {
      env() {
        const keyPrefix = `t-${randomUUID().slice(0, 8)}:`;
        return {
          async node(opts) {
            const q = new BullmqAlertQueue({
              ...opts,
              redisUrl: redis.url,
              keyPrefix,
              logger: silentLogger(),
              nodeId: `n${++n}`,
              // Stalls matter only in the resilience tests; keep locks short anyway.
              lockDurationMs: 2_000,
              stalledIntervalMs: 1_000,
            });
            nodes.push(q);
            await q.ready();
            return q;
          },
        };
      },
      async closeAll() {
        await Promise.all(nodes.splice(0).map((q) => q.close(1_000)));
      },
    };
  }

  describeAlertQueueContract('bullmq + redis', bullmqHarness);

  it('a node that died between admit and queue.add: the next duplicate enqueue adds the job, sent exactly once', async () => {
    const keyPrefix = `t-${randomUUID().slice(0, 8)}:`;
    // The crashed node: its admit ran (record queued, dedup key written), its queue.add never did.
    const crashedLink = new Redis(redis.url, { maxRetriesPerRequest: null });
    const original = makeJob();
    try {
      const crashed = new RedisAlertStore(crashedLink, { keyPrefix });
      expect(await crashed.admit(toRecordBase(original), original, { maxPerHour: 0, dedupTtlMs: 60_000 })).toEqual({ accepted: true, id: original.id });
    } finally {
      crashedLink.disconnect();
    }
    const s = recordingSender();
    const q = new BullmqAlertQueue({ sender: s.sender, redisUrl: redis.url, keyPrefix, logger: silentLogger(), nodeId: 'n1', backoffMs: 40, maxBackoffMs: 160 });
    try {
      await q.ready();
      expect((await q.get(original.id))?.status).toBe('queued');
      // The engine raises the same (subscriber, group) again under a new id: a duplicate of the orphan.
      const again = makeJob({ dedupKey: original.dedupKey });
      expect(await q.enqueue(again)).toEqual({ accepted: false, reason: 'duplicate', id: original.id });
      const rec = await waitForStatus(q, original.id, 'sent');
      expect(await q.enqueue(makeJob({ dedupKey: original.dedupKey }))).toEqual({ accepted: false, reason: 'duplicate', id: original.id });
      await sleep(300);
      expect(s.calls).toEqual([original.id]);
      expect(s.totalSent()).toBe(1);
      expect(rec).toMatchObject({ attempts: 1, category: original.category, callId: original.callId });
      expect(await q.get(again.id)).toBeUndefined();
    } finally {
      await q.close(1_000);
    }
  });

  it('createAlertQueue picks BullMQ with a Redis URL and memory without', async () => {
    const { sender } = recordingSender();
    const base = { sender, logger: silentLogger(), nodeId: 'n1' };
    const mem = createAlertQueue(base);
    const bull = createAlertQueue({ ...base, redisUrl: redis.url, keyPrefix: `t-${randomUUID().slice(0, 8)}:` });
    expect(mem).toBeInstanceOf(MemoryAlertQueue);
    expect(bull).toBeInstanceOf(BullmqAlertQueue);
    await Promise.all([mem.close(), bull.close()]);
  });
});
