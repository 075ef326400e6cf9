/**
 * JSON records that expire on their own (`<p><kind>:<id>`, PX ttl) plus a sorted-set index of their
 * ids (`<p><kinds>`, score = expiry time in ms), so "list every live one" is two round trips instead
 * of a SCAN. The record's own PX is the truth; the index only has to be a superset: members are
 * pruned GRACE_MS after their expiry (tolerating clock skew between nodes), and ids whose record is
 * gone are skipped. The index's TTL is only ever raised, to the longest record TTL plus GRACE_MS, so
 * it outlives every record it points at and vanishes once nothing has been written for that long.
 */
import type { Redis } from 'ioredis';
import { execAll, parseJson } from './redis-pipeline.js';

const GRACE_MS = 30_000;
const MGET_BATCH = 1_000;

// KEYS[1] record, KEYS[2] index; ARGV: json, ttl, id, expiresAt, index ttl, prune-below score.
const PUT_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[2], ARGV[5]) end
return 1
`;
const PUT_COMMAND = 'callguardStatePutIndexed';

type PutCommand = (record: string, index: string, json: string, ttlMs: number, id: string, expiresAt: number, indexTtlMs: number, pruneBelow: number) => Promise<unknown>;

export class RedisIndexedRecords<T> {
  constructor(
    private readonly redis: Redis,
    private readonly recordPrefix: string,
    private readonly indexKey: string,
    private readonly isValid: (v: unknown) => v is T,
  ) {
    // defineCommand uses EVALSHA and falls back to EVAL after NOSCRIPT (a restarted Redis).
    redis.defineCommand(PUT_COMMAND, { numberOfKeys: 2, lua: PUT_SCRIPT });
  }

  async put(id: string, value: T, ttlMs: number): Promise<void> {
    const now = Date.now();
    await this.putCommand()(this.key(id), this.indexKey, JSON.stringify(value), ttlMs, id, now + ttlMs, ttlMs + GRACE_MS, now - GRACE_MS);
  }

  async get(id: string): Promise<T | undefined> {
    return parseJson(await this.redis.get(this.key(id)), this.isValid);
  }

  async remove(id: string): Promise<void> {
    await execAll(this.redis.pipeline().del(this.key(id)).zrem(this.indexKey, id));
  }

  async list(): Promise<T[]> {
    const [, ids] = (await execAll(this.redis.pipeline().zremrangebyscore(this.indexKey, '-inf', String(Date.now() - GRACE_MS)).zrange(this.indexKey, 0, '-1'))) as [number, string[]];
    const out: T[] = [];
    for (let i = 0; i < ids.length; i += MGET_BATCH) {
      const values = await this.redis.mget(ids.slice(i, i + MGET_BATCH).map((id) => this.key(id)));
      for (const v of values) {
        const record = parseJson(v, this.isValid);
        if (record !== undefined) out.push(record);
      }
    }
    return out;
  }

  private key(id: string): string {
    return this.recordPrefix + id;
  }

  /** defineCommand adds a method ioredis' types cannot know about. */
  private putCommand(): PutCommand {
    const fn = (this.redis as unknown as Record<string, PutCommand>)[PUT_COMMAND]!;
    return fn.bind(this.redis);
  }
}
