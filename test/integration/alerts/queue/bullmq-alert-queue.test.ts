/** The AlertQueue contract on BullMQ and a real redis-server (one per file, a key prefix per env). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullmqAlertQueue, MemoryAlertQueue, createAlertQueue } from '../../../../src/alerts/queue/index.js';
import { silentLogger } from '../../../../src/log.js';
import { requireBinary } from '../../../support/binaries.js';
import { startRedisServer, type RedisServer } from '../../../support/redis-server.js';
import { describeAlertQueueContract, type ContractHarness } from '../../../unit/alerts/queue/alert-queue-contract.js';
import { recordingSender } from '../../../unit/alerts/queue/fixtures.js';

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
