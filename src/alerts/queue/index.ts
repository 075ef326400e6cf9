/**
 * Alert queues: `createAlertQueue` picks BullMQ when a Redis URL is configured (multi-node, durable)
 * and the in-process memory queue otherwise (single-node dev mode).
 */
import type { AlertQueue } from '../types.js';
import { BullmqAlertQueue } from './bullmq-alert-queue.js';
import { MemoryAlertQueue } from './memory-alert-queue.js';
import type { AlertQueueOptions } from './types.js';

export function createAlertQueue(opts: AlertQueueOptions): AlertQueue {
  const { redisUrl } = opts;
  return redisUrl ? new BullmqAlertQueue({ ...opts, redisUrl }) : new MemoryAlertQueue(opts);
}

export { BullmqAlertQueue, type BullmqAlertQueueOptions } from './bullmq-alert-queue.js';
export { MemoryAlertQueue, type MemoryAlertQueueOptions } from './memory-alert-queue.js';
export { MemoryAlertStore, type MemoryAlertStoreOptions } from './memory-alert-store.js';
export { RedisAlertStore, type RedisAlertStoreOptions } from './redis-alert-store.js';
export { runAlertAttempt, type AlertProcessorDeps, type AttemptOptions, type AttemptOutcome } from './alert-processor.js';
export { backoffDelay, classifySendError, maskDigits, subscriberHash, toRecordBase, type AlertRecordBase } from './alert-record.js';
export type { AlertStore, ClaimResult } from './alert-store.js';
export { AlertQueueError, type AlertQueueErrorCode } from './errors.js';
export { ALERT_QUEUE_DEFAULTS, type AlertQueueOptions, type AlertSendContext, type AlertSender } from './types.js';
