/**
 * Provisioned subscribers in Redis: one JSON string per subscriber (`<p>sub:<e164>`) with a sliding
 * TTL, renewed whenever the subscriber is written or matched, so only numbers unused for the whole
 * TTL (400 days by default) lapse. The INVITE path (filterProvisioned) is one round trip.
 */
import type { Redis } from 'ioredis';
import { compareNumbers } from '../memory/memory-subscriber-store.js';
import type { Subscriber, SubscriberStore } from '../types.js';
import { execAll, isObject, parseJson } from './redis-pipeline.js';

/** Keys per SCAN step and per MGET in list(). */
const LIST_BATCH = 1_000;

export class RedisSubscribers implements Omit<SubscriberStore, 'close'> {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
  ) {}

  async filterProvisioned(numbers: readonly string[]): Promise<Set<string>> {
    const unique = [...new Set(numbers)];
    if (unique.length === 0) return new Set();
    // PEXPIRE answers 1 only for an existing key: the membership test and the renewal in one command.
    const batch = this.redis.pipeline();
    for (const n of unique) batch.pexpire(this.key(n), this.ttlMs);
    const replies = await execAll(batch);
    return new Set(unique.filter((_, i) => replies[i] === 1));
  }

  async get(number: string): Promise<Subscriber | undefined> {
    const key = this.key(number);
    const [json] = await execAll(this.redis.pipeline().get(key).pexpire(key, this.ttlMs));
    return parseJson(json as string | null, isSubscriber);
  }

  async put(subscriber: Subscriber): Promise<boolean> {
    const key = this.key(subscriber.number);
    const value: Subscriber = { number: subscriber.number, provisionedAt: subscriber.provisionedAt };
    if (subscriber.locale !== undefined) value.locale = subscriber.locale;
    if (subscriber.sms !== undefined) value.sms = subscriber.sms;
    // MULTI, so "was it new" is exact even when two nodes provision the same number at once.
    const [existed] = await execAll(this.redis.multi().exists(key).set(key, JSON.stringify(value), 'PX', this.ttlMs));
    return existed === 0;
  }

  async delete(number: string): Promise<boolean> {
    return (await this.redis.del(this.key(number))) > 0;
  }

  /**
   * SCAN over `<p>sub:*`: O(keyspace) per call, which suits an admin listing of tens of thousands;
   * a much larger base would want a sorted-set index instead.
   */
  async list(): Promise<Subscriber[]> {
    const match = `${escapeGlob(this.prefix)}sub:*`;
    const keys = new Set<string>(); // SCAN may return a key more than once
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', LIST_BATCH);
      cursor = next;
      for (const k of batch) keys.add(k);
    } while (cursor !== '0');
    const all = [...keys];
    const out: Subscriber[] = [];
    for (let i = 0; i < all.length; i += LIST_BATCH) {
      const values = await this.redis.mget(all.slice(i, i + LIST_BATCH));
      for (const v of values) {
        const s = parseJson(v, isSubscriber);
        if (s) out.push(s);
      }
    }
    return out.sort((a, b) => compareNumbers(a.number, b.number));
  }

  private key(number: string): string {
    return `${this.prefix}sub:${number}`;
  }
}

function isSubscriber(v: unknown): v is Subscriber {
  return isObject(v) && typeof v['number'] === 'string' && typeof v['provisionedAt'] === 'number' && (v['locale'] === undefined || typeof v['locale'] === 'string') && (v['sms'] === undefined || typeof v['sms'] === 'string');
}

/** The prefix is configuration, not a pattern: a `*` or `[` in it must match itself. */
function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
