/**
 * What the queue adapters need from the rest of callguard, and how they are configured. The ports they
 * implement (`AlertQueue`, `AlertJob`, `AlertRecord`) live in ../types.ts.
 */
import type { Logger } from '../../log.js';
import type { AlertJob, SmsSendResult } from '../types.js';

export interface AlertSendContext {
  /** 1 for the first send attempt of this alert; counts every claimed attempt, re-runs included. */
  attempt: number;
  /** Fires when the queue closes and its grace period is over: stop and reject if still possible. */
  signal: AbortSignal;
}

/**
 * Renders and sends one alert (the integration layer builds it from src/alerts/text/ and an
 * SmsProvider, passing `job.id` as `SmsMessage.reference`). Resolves once the provider accepted the
 * message; rejects with `SmsError`: `retryable: false` goes straight to dead, `retryable: true` backs off
 * until the attempts are spent. Any other rejection is treated as retryable.
 */
export type AlertSender = (job: AlertJob, ctx: AlertSendContext) => Promise<SmsSendResult>;

export interface AlertQueueOptions {
  /** redis://… selects BullMQ; absent selects the single-node memory queue. */
  redisUrl?: string;
  sender: AlertSender;
  logger: Logger;
  /** This node's id, for logs and the BullMQ worker name. */
  nodeId: string;
  /** CALLGUARD_ALERT_MAX_PER_HOUR: alerts per subscriber in any sliding hour; 0 = unlimited. Default 10. */
  maxPerHour?: number;
  /** Send attempts per alert before it is dead. Default 6. */
  attempts?: number;
  /** First back-off delay; doubles per attempt up to `maxBackoffMs`. Default 2000. */
  backoffMs?: number;
  /** Default 60 000. */
  maxBackoffMs?: number;
  /** How long a dedup key suppresses repeats. Default 24 h. */
  dedupTtlMs?: number;
  /** How long records, receipts and indexes are kept. Default 7 days. */
  recordTtlMs?: number;
  /** Sends in flight per node. Default 4. */
  concurrency?: number;
  /** false: this node enqueues and answers ops queries but never sends. Default true. */
  worker?: boolean;
  /** Redis key prefix for our keys and BullMQ's (BullMQ's sit under `<prefix>bull:`). Default 'callguard:'. */
  keyPrefix?: string;
  /** BullMQ queue name. Default 'alerts'. */
  queueName?: string;
  /** BullMQ job lock; a worker that stops renewing it for this long is considered stalled. Default 30 000. */
  lockDurationMs?: number;
  /** How often BullMQ looks for stalled jobs. Default 30 000. */
  stalledIntervalMs?: number;
  /**
   * How long a send claim lasts without renewal (renewed while the sender runs). Default
   * `lockDurationMs`, so a dead worker's claim lapses about when BullMQ notices the stall.
   */
  claimTtlMs?: number;
  /**
   * Keys that identify a subscriber (rate window, latest alert) use SHA-256 of the E.164 number, or
   * HMAC-SHA-256 with this secret when set. A plain hash of a phone number can be reversed by
   * enumerating the numbering plan; the secret (same on every node) prevents that.
   */
  numberHashSecret?: string;
  /** Called after each send attempt settles (sent, retrying, dead): the ops event stream shows it. */
  onAttempt?: (alertId: string) => void;
}

/** Defaults shared by both adapters, so that memory and BullMQ behave the same. */
export const ALERT_QUEUE_DEFAULTS = {
  maxPerHour: 10,
  attempts: 6,
  backoffMs: 2_000,
  maxBackoffMs: 60_000,
  dedupTtlMs: 24 * 3600_000,
  recordTtlMs: 7 * 24 * 3600_000,
  concurrency: 4,
  keyPrefix: 'callguard:',
  queueName: 'alerts',
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  /** The rate-limit window. */
  rateWindowMs: 3600_000,
  /** close() default grace. */
  closeGraceMs: 10_000,
} as const;
