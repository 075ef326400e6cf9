/**
 * Chooses the RTP port pool: on `workers` worker threads (CALLGUARD_MEDIA_WORKERS), or, with 0, on
 * the calling thread (today's UdpPortPool).
 */
import { UdpPortPool, type UdpPortPoolOptions } from './udp-port-pool.js';
import type { RtpPortPool } from './types.js';
import { WorkerPortPool } from './workers/worker-port-pool.js';

export type WarmPortPool = RtpPortPool & { warm(): Promise<void> };

export function createRtpPortPool(
  opts: Omit<UdpPortPoolOptions, 'stream' | 'tickMs'> & {
    workers: number;
    /** Endpoints each worker keeps allocated ahead of demand (WorkerPortPoolOptions.reserve). */
    reserve?: number;
  },
): WarmPortPool {
  const { workers, reserve, ...rest } = opts;
  if (workers <= 0) return new UdpPortPool(rest);
  return new WorkerPortPool({ ...rest, workers, ...(reserve !== undefined ? { reserve } : {}) });
}
