/**
 * Pure helpers both adapters share: the masked record an alert job becomes, the keys that stand in for
 * a subscriber number, the back-off curve and how a send failure is classified.
 */
import { createHash, createHmac } from 'node:crypto';
import { maskNumber } from '../../log.js';
import { SmsError, type AlertJob, type AlertRecord } from '../types.js';

/** The alert's fields that never change after enqueue, masked. */
export type AlertRecordBase = Pick<
  AlertRecord,
  'id' | 'dedupKey' | 'callId' | 'subscriber' | 'caller' | 'category' | 'level' | 'score' | 'tactics' | 'explanation' | 'locale' | 'nodeId' | 'raisedAt'
>;

/**
 * Masks every run of five or more digits (an optional leading '+' included) the way maskNumber does.
 * Dedup keys are `(subscriber, group)` and provider errors may quote the recipient, so both pass through
 * this before they are stored or logged.
 */
export function maskDigits(text: string): string {
  return text.replace(/\+?\d{5,}/g, (run) => maskNumber(run));
}

export function toRecordBase(job: AlertJob): AlertRecordBase {
  return {
    id: job.id,
    dedupKey: maskDigits(job.dedupKey),
    callId: job.callId,
    subscriber: maskNumber(job.subscriber),
    ...(job.caller ? { caller: maskNumber(job.caller) } : {}),
    category: job.category,
    level: job.level,
    score: job.score,
    tactics: [...job.tactics],
    explanation: job.explanation,
    // What the subscriber asked for; the text module falls back to its default locale, which is 'en'.
    locale: job.locale ?? 'en',
    nodeId: job.nodeId,
    raisedAt: job.raisedAt,
  };
}

/** Stands in for a subscriber number in keys: Redis never holds the number outside BullMQ job data. */
export function subscriberHash(number: string, secret?: string): string {
  return secret ? createHmac('sha256', secret).update(number).digest('hex') : createHash('sha256').update(number).digest('hex');
}

/** The dedup key may contain the subscriber number, so only its hash is used as a key. */
export function dedupHash(dedupKey: string): string {
  return createHash('sha256').update(dedupKey).digest('hex');
}

/** Exponential back-off: base, 2·base, 4·base, … capped. `attemptsMade` counts failures so far (≥ 1). */
export function backoffDelay(attemptsMade: number, baseMs: number, capMs: number): number {
  const n = Math.max(1, attemptsMade);
  // 2^30 already exceeds any sensible cap; avoid Infinity for absurd attempt counts.
  return Math.min(capMs, baseMs * 2 ** Math.min(n - 1, 30));
}

export interface SendFailure {
  retryable: boolean;
  /** For lastError and logs: code and message, digits masked, bounded. */
  message: string;
}

export function classifySendError(err: unknown, aborted: boolean): SendFailure {
  if (err instanceof SmsError) {
    const text = err.code ? `${err.code}: ${err.message}` : err.message;
    return { retryable: err.retryable, message: maskDigits(text).slice(0, 200) };
  }
  // An abort at shutdown, a timeout or a bug in the sender: nothing says the number is bad, so retry.
  const text = aborted ? 'aborted: queue closing' : err instanceof Error ? err.message : String(err);
  return { retryable: true, message: maskDigits(text).slice(0, 200) };
}

/** Statuses after which the alert must never be sent again. */
export const SENT_STATUSES: ReadonlySet<AlertRecord['status']> = new Set(['sent', 'delivered', 'undelivered']);
