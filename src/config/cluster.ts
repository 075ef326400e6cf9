/** Cluster settings: the shared Redis and how long live calls and recordings' risk state outlive their last refresh. */
import { z } from 'zod';
import { orEmpty, positiveInt, type Values } from './parse.js';
import type { Config, Settings } from './types.js';

export const CLUSTER_SETTINGS = {
  REDIS_URL: {
    default: '',
    doc: 'redis://[:password@]host:port[/db]. Set: alerts go through BullMQ in Redis (shared by all nodes). Empty: an in-process queue (single node). Never logged.',
    parse: orEmpty(z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')),
    secret: true,
  },
  CALLGUARD_CALL_TTL: {
    default: '30',
    doc: 'Seconds a live call stays in the shared registry without a refresh (a node refreshes its calls every third of this); a dead node\'s calls vanish after it.',
    parse: positiveInt.min(3),
  },
  CALLGUARD_RECORDING_TTL: {
    default: '14400',
    doc: 'Seconds a recording\'s risk state is kept after its last change, for an SRC that fails over to another node.',
    parse: positiveInt,
  },
} as const satisfies Settings;

export function clusterConfig(v: Values<typeof CLUSTER_SETTINGS>): Pick<Config, 'redisUrl' | 'cluster'> {
  return {
    redisUrl: v.REDIS_URL,
    cluster: { callTtlMs: v.CALLGUARD_CALL_TTL * 1000, recordingTtlMs: v.CALLGUARD_RECORDING_TTL * 1000 },
  };
}
