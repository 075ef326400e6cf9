/**
 * RedisStateStore against a real redis-server started here: the shared contract (two store instances
 * on one prefix = two nodes), then what only Redis can get wrong: TTLs on every key, round trips,
 * an unreachable or restarted Redis, and logs that carry no values.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger, silentLogger } from '../../../src/log.js';
import { StateStoreUnavailableError } from '../../../src/state/errors.js';
import { RedisStateStore, type RedisStateStoreOptions } from '../../../src/state/redis/redis-state-store.js';
import type { ClusterEvent } from '../../../src/state/types.js';
import { requireBinary } from '../../support/binaries.js';
import { startRedisServer, type RedisServer } from '../../support/redis-server.js';
import { callRecord, describeStateStoreContract, eventually, recordingState } from '../../unit/state/state-store-contract.js';

const hasRedis = requireBinary('redis-server', 'redis-server');

describe.skipIf(!hasRedis)('RedisStateStore', () => {
  let redis: RedisServer;
  let raw: Redis;
  const stores = new Set<RedisStateStore>();

  function store(opts: Partial<RedisStateStoreOptions> = {}): RedisStateStore {
    const s = new RedisStateStore({ url: redis.url, keyPrefix: `cg-test-${randomUUID()}:`, logger: silentLogger(), ...opts });
    stores.add(s);
    return s;
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.url);
  });

  afterEach(async () => {
    await Promise.all([...stores].map((s) => s.close()));
    stores.clear();
  });

  afterAll(async () => {
    raw?.disconnect();
    await redis?.close();
  });

  describeStateStoreContract('redis', {
    // Each test gets its own prefix, so tests never see each other's keys.
    create: async () => store(),
    peer: async (s) => store({ keyPrefix: (s as RedisStateStore).keyPrefix }),
  });

  /** Every key under `prefix` with its PTTL (-1: no TTL). */
  async function keysWithTtl(prefix: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) out.set(k, await raw.pttl(k));
    } while (cursor !== '0');
    return out;
  }

  it('gives every key it writes a TTL, in the documented layout', async () => {
    const s = store();
    await s.ready();
    const p = s.keyPrefix;
    await s.put({ number: '+12125550123', locale: 'en', provisionedAt: 1 });
    await s.put({ number: '+12125550124', provisionedAt: 1 });
    await s.delete('+12125550124');
    await s.filterProvisioned(['+12125550123', '+12125550199']);
    await s.get('+12125550199');
    await s.putCall(callRecord('c1'), 60_000);
    await s.putCall(callRecord('c3'), 60_000);
    await s.removeCall('c3');
    await s.listCalls();
    await s.putRecording(recordingState('grp-1'), 60_000);
    await s.getRecording('grp-unknown');
    await s.heartbeat({ id: 'node-a', startedAt: 1, calls: 1 }, 15_000);
    await s.listNodes();
    await s.publish({ type: 'node', node: 'node-a', at: 1, status: 'up' });

    const keys = await keysWithTtl(p);
    for (const [key, ttl] of keys) expect({ key, ttl: ttl > 0 }).toEqual({ key, ttl: true });
    const shapes = [...keys.keys()].map((k) => k.slice(p.length).replace(/^rec:[0-9a-f]{64}$/, 'rec:<sha256>')).sort();
    expect(shapes).toEqual(['call:c1', 'calls', 'node:node-a', 'nodes', 'rec:<sha256>', 'sub:+12125550123']);
    // The index outlives its longest-lived member.
    expect(keys.get(`${p}calls`)!).toBeGreaterThan(keys.get(`${p}call:c1`)!);
  });

  it('renews a subscriber on get and on a filterProvisioned match', async () => {
    const s = store({ subscriberTtlMs: 3_600_000 });
    await s.ready();
    const key = `${s.keyPrefix}sub:+12125550123`;
    await s.put({ number: '+12125550123', provisionedAt: 1 });
    expect(await raw.pttl(key)).toBeGreaterThan(3_000_000);
    await raw.pexpire(key, 60_000);
    await s.filterProvisioned(['+12125550123']);
    expect(await raw.pttl(key)).toBeGreaterThan(3_000_000);
    await raw.pexpire(key, 60_000);
    await s.get('+12125550123');
    expect(await raw.pttl(key)).toBeGreaterThan(3_000_000);
    // A miss writes nothing.
    await s.filterProvisioned(['+12125550999']);
    expect(await raw.exists(`${s.keyPrefix}sub:+12125550999`)).toBe(0);
  });

  it('answers filterProvisioned for 1000 numbers in one round trip', async () => {
    const s = store();
    await s.ready();
    const all = Array.from({ length: 1000 }, (_, i) => `+1646555${String(i).padStart(4, '0')}`);
    await Promise.all(all.slice(0, 10).map((number) => s.put({ number, provisionedAt: 1 })));
    // Test-only peek at the command connection: one socket write = one round trip.
    const conn = (s as unknown as { redis: Redis }).redis;
    const write = vi.spyOn(conn.stream, 'write');
    try {
      expect(await s.filterProvisioned(all)).toEqual(new Set(all.slice(0, 10)));
      expect(write).toHaveBeenCalledTimes(1);
    } finally {
      write.mockRestore();
    }
  });

  it('lists calls in two round trips, skipping ids whose record is gone', async () => {
    const s = store();
    await s.ready();
    await s.putCall(callRecord('c1'), 60_000);
    await s.putCall(callRecord('c2'), 60_000);
    // As if the record expired before the index was pruned.
    await raw.del(`${s.keyPrefix}call:c2`);
    const conn = (s as unknown as { redis: Redis }).redis;
    const write = vi.spyOn(conn.stream, 'write');
    try {
      expect((await s.listCalls()).map((c) => c.id)).toEqual(['c1']);
      expect(write).toHaveBeenCalledTimes(2);
    } finally {
      write.mockRestore();
    }
  });

  it('ignores a malformed message on the events channel', async () => {
    const s = store();
    await s.ready();
    const got: ClusterEvent[] = [];
    s.subscribe((e) => got.push(e));
    await raw.publish(`${s.keyPrefix}events`, 'not json');
    await raw.publish(`${s.keyPrefix}events`, JSON.stringify({ from: 'x', event: { type: 'rm -rf' } }));
    const good: ClusterEvent = { type: 'node', node: 'node-z', at: 1, status: 'up' };
    await raw.publish(`${s.keyPrefix}events`, JSON.stringify({ from: 'other-node', event: good }));
    await eventually(() => expect(got).toEqual([good]));
  });

  it('fails ready() naming REDIS_URL, without the password, when Redis is unreachable', async () => {
    const port = await closedPort();
    const s = store({ url: `redis://callguard:s3cret-pa55@127.0.0.1:${port}/0`, readyTimeoutMs: 1_000 });
    const err = await s.ready().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StateStoreUnavailableError);
    expect((err as Error).message).toContain('REDIS_URL');
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    expect((err as Error).message).not.toContain('s3cret-pa55');
    expect((err as StateStoreUnavailableError).code).toBe('STATE_STORE_UNAVAILABLE');
  });

  describe('when Redis goes away', () => {
    // Its own server: stopping it must not disturb the tests above.
    let own: RedisServer;
    beforeAll(async () => {
      own = await startRedisServer();
    });
    afterAll(async () => {
      await own?.close();
    });

    it('fails requests instead of hanging, then reconnects once Redis is back, logging no values', async () => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      const prefix = `cg-test-${randomUUID()}:`;
      const a = store({ url: own.url, keyPrefix: prefix, logger: createLogger({ level: 'debug', destination: sink }) });
      const b = store({ url: own.url, keyPrefix: prefix });
      await Promise.all([a.ready(), b.ready()]);
      await a.put({ number: '+12125550123', locale: 'en', provisionedAt: 1 });

      await own.stop();
      await expect(a.filterProvisioned(['+12125550123'])).rejects.toThrow();
      await expect(a.putCall(callRecord('c1'), 60_000)).rejects.toThrow();

      // No AOF: the restarted Redis is empty, as after losing the primary.
      await own.restart();
      await eventually(async () => {
        await a.put({ number: '+12125550123', locale: 'en', provisionedAt: 1 });
        expect(await b.filterProvisioned(['+12125550123'])).toEqual(new Set(['+12125550123']));
      }, 20_000);
      // The scripts were flushed with the restart; defineCommand falls back to EVAL.
      await a.putCall(callRecord('c1'), 60_000);
      expect((await b.listCalls()).map((c) => c.id)).toEqual(['c1']);
      // The events connection re-subscribed by itself.
      const onB: ClusterEvent[] = [];
      b.subscribe((e) => onB.push(e));
      await eventually(async () => {
        await a.publish({ type: 'node', node: 'node-a', at: 1, status: 'up' });
        expect(onB.length).toBeGreaterThan(0);
      }, 20_000);

      const log = lines.join('');
      expect(log).toContain('lost Redis');
      expect(log).not.toContain('2125550123');
    });
  });
});

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return typeof addr === 'object' && addr ? addr.port : 1;
}
