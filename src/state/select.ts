/** Picks the state store: Redis when REDIS_URL is set (nodes share state), else this process's memory. */
import type { Logger } from '../log.js';
import { MemoryStateStore } from './memory/memory-state-store.js';
import { RedisStateStore } from './redis/redis-state-store.js';
import type { StateStore } from './types.js';

export interface StateStoreSelection {
  redisUrl?: string;
  logger: Logger;
  keyPrefix?: string;
  subscriberTtlMs?: number;
}

/** The caller awaits `ready()` before serving: construction does not wait for Redis. */
export function createStateStore(opts: StateStoreSelection): StateStore {
  const logger = opts.logger.child({ mod: 'state' });
  if (!opts.redisUrl) return new MemoryStateStore({ logger });
  return new RedisStateStore({
    url: opts.redisUrl,
    logger,
    ...(opts.keyPrefix !== undefined ? { keyPrefix: opts.keyPrefix } : {}),
    ...(opts.subscriberTtlMs !== undefined ? { subscriberTtlMs: opts.subscriberTtlMs } : {}),
  });
}
