import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../../src/state/memory/memory-state-store.js';
import { createStateStore } from '../../../src/state/select.js';
import { silentLogger } from '../../../src/log.js';
import { callRecord, describeStateStoreContract } from './state-store-contract.js';

describeStateStoreContract('memory', {
  create: async () => new MemoryStateStore(),
  // One process, one world: the "other node" is the store itself.
  peer: async (store) => store,
});

describe('MemoryStateStore', () => {
  it('expires by its clock, without timers', async () => {
    let now = 1_000;
    const store = new MemoryStateStore({ now: () => now });
    await store.putCall(callRecord('c1'), 100);
    await store.heartbeat({ id: 'n1', startedAt: 1, calls: 1 }, 100);
    now += 99;
    expect(await store.getCall('c1')).toBeDefined();
    expect((await store.listNodes()).map((n) => n.seenAt)).toEqual([1_000]);
    now += 1;
    expect(await store.getCall('c1')).toBeUndefined();
    expect(await store.listCalls()).toEqual([]);
    expect(await store.listNodes()).toEqual([]);
  });
});

describe('createStateStore', () => {
  it('picks memory without a Redis URL and Redis with one', async () => {
    const memory = createStateStore({ logger: silentLogger() });
    expect(memory.kind).toBe('memory');
    await memory.close();
    // Constructing does not wait for Redis; close() stops the reconnect loop.
    const redis = createStateStore({ logger: silentLogger(), redisUrl: 'redis://127.0.0.1:1', keyPrefix: 'x:' });
    expect(redis.kind).toBe('redis');
    await redis.close();
  });
});
