/**
 * The record keeping behind both queue adapters: records, dedup, the per-subscriber rate window, send
 * claims, receipts and disputes. The memory adapter uses MemoryAlertStore; the BullMQ adapter uses
 * RedisAlertStore, where every method is one atomic Lua script (or a read), so that nodes sharing Redis
 * agree. BullMQ (or the memory scheduler) only decides *when* an attempt runs; this decides *whether*.
 */
import type { AlertQueueStats, AlertRecord, AlertStatus, DeliveryReceipt, EnqueueResult, SmsSendResult } from '../types.js';
import type { AlertRecordBase } from './alert-record.js';

export interface AdmitLimits {
  maxPerHour: number;
  dedupTtlMs: number;
}

export interface AdmitKeys {
  dedupKey: string;
  subscriber: string;
}

export type ClaimResult =
  /** This attempt owns the send; `attempts` counts claims including this one. */
  | { kind: 'claimed'; attempts: number }
  /** Already sent (or delivered/undelivered): finish without sending. */
  | { kind: 'sent' }
  /** Dead (rate-limited or failed): do not send until retry(). */
  | { kind: 'dead' }
  /** Another attempt holds a live claim; try again after it lapses. */
  | { kind: 'busy'; retryInMs: number }
  /** No record (expired): nothing to send to. */
  | { kind: 'missing' };

export interface AlertStore {
  /**
   * Dedup, rate limit and record creation in one step; rate-limited alerts are recorded dead. `keys`
   * are the unmasked dedup key and subscriber (the masked ones in `base` can collide); only their
   * hashes are stored.
   */
  admit(base: AlertRecordBase, keys: AdmitKeys, limits: AdmitLimits): Promise<EnqueueResult>;
  /** Undoes an admit whose job could not be queued: dead with `error`, dedup key released. */
  abandon(id: string, dedupKey: string, error: string): Promise<void>;
  claim(id: string, token: string, ttlMs: number): Promise<ClaimResult>;
  renewClaim(id: string, token: string, ttlMs: number): Promise<boolean>;
  /** Records the provider's acceptance; the subscriber's latest alert becomes this one. */
  markSent(id: string, token: string, result: SmsSendResult, subscriber: string): Promise<void>;
  /** queued/sending → queued (retry later) or dead; false when the record is in another state. */
  markFailed(id: string, token: string, error: string, dead: boolean): Promise<boolean>;
  /** dead → queued with fresh attempts; false when not dead. */
  revive(id: string): Promise<boolean>;
  recordReceipt(receipt: DeliveryReceipt): Promise<boolean>;
  dispute(target: { id: string } | { subscriber: string }, via: 'sms' | 'api'): Promise<AlertRecord | undefined>;
  get(id: string): Promise<AlertRecord | undefined>;
  list(filter?: { status?: AlertStatus; limit?: number }): Promise<AlertRecord[]>;
  stats(): Promise<AlertQueueStats>;
}

export const LIST_LIMIT_DEFAULT = 100;
export const ALERT_STATUSES: readonly AlertStatus[] = ['queued', 'sending', 'sent', 'delivered', 'undelivered', 'dead'];
