/**
 * One send attempt, shared by both adapters: claim → send → record. The adapters only map the outcome
 * onto their scheduler (BullMQ errors and delays, or memory timers).
 *
 * Idempotency. Delivery by BullMQ is at least once: a job whose worker stalled (crash, SIGKILL, lost
 * lock) runs again elsewhere. So before calling the sender the attempt atomically claims the alert (a
 * per-alert claim key holding this attempt's token, renewed while the sender runs), and right after the
 * provider accepts, the record becomes 'sent' in the same script that releases the claim. A re-run that
 * finds 'sent' finishes without sending; one that finds a live claim waits for it to lapse.
 *
 * The window that remains: the provider accepted the SMS but this process died (or lost Redis for good)
 * before 'sent' was recorded. The re-run cannot tell "accepted" from "never reached the provider", and
 * we resend: at least once, not at most once. Decided on purpose: a duplicate warning during a scam call
 * costs the subscriber a second SMS; a lost one can cost their savings. The message carries the alert id
 * as `SmsMessage.reference`, so providers that deduplicate on it close the window entirely, and a
 * duplicate that does happen shows as two message ids on the record.
 */
import type { Logger } from '../../log.js';
import { maskNumber } from '../../log.js';
import type { AlertJob, SmsSendResult } from '../types.js';
import { classifySendError } from './alert-record.js';
import type { AlertStore } from './alert-store.js';
import type { AlertSender } from './types.js';

export interface AlertProcessorDeps {
  store: AlertStore;
  sender: AlertSender;
  logger: Logger;
  claimTtlMs: number;
}

export interface AttemptOptions {
  /** Identifies this attempt's claim (BullMQ's job token, or a uuid). */
  token: string;
  /** A retryable failure now makes the alert dead: the scheduler has no attempts left. */
  final: boolean;
  signal: AbortSignal;
}

export type AttemptOutcome =
  | { kind: 'sent'; result: SmsSendResult; attempts: number }
  /** Nothing to do: already sent, dead (e.g. rate-limited) or expired. */
  | { kind: 'skipped'; reason: 'already-sent' | 'dead' | 'missing' }
  /** Another attempt holds the claim: run again after `retryInMs` without counting an attempt. */
  | { kind: 'busy'; retryInMs: number }
  | { kind: 'retry'; error: string; attempts: number }
  | { kind: 'dead'; error: string; attempts: number }
  /** The queue is closing and aborted the send: hand the alert back without spending an attempt. */
  | { kind: 'aborted' };

export async function runAlertAttempt(deps: AlertProcessorDeps, job: AlertJob, opts: AttemptOptions): Promise<AttemptOutcome> {
  const { store, logger } = deps;
  const log = logger.child({ alertId: job.id, callId: job.callId, subscriber: maskNumber(job.subscriber) });
  const claim = await store.claim(job.id, opts.token, deps.claimTtlMs);
  switch (claim.kind) {
    case 'sent':
      log.info('alert already sent; not sending again');
      return { kind: 'skipped', reason: 'already-sent' };
    case 'dead':
      return { kind: 'skipped', reason: 'dead' };
    case 'missing':
      log.warn('alert record expired before it could be sent; dropping');
      return { kind: 'skipped', reason: 'missing' };
    case 'busy':
      log.info({ retryInMs: claim.retryInMs }, 'another attempt holds the send claim; waiting for it to lapse');
      return { kind: 'busy', retryInMs: claim.retryInMs };
    case 'claimed':
      break;
  }

  // Keep the claim alive for as long as the sender runs, like BullMQ renews its job lock.
  const renew = setInterval(() => {
    store.renewClaim(job.id, opts.token, deps.claimTtlMs).catch((err: unknown) => log.warn({ err }, 'could not renew the send claim'));
  }, Math.max(50, Math.floor(deps.claimTtlMs / 3)));
  let result: SmsSendResult;
  try {
    result = await deps.sender(job, { attempt: claim.attempts, signal: opts.signal });
  } catch (err) {
    const failure = classifySendError(err, opts.signal.aborted);
    if (opts.signal.aborted && failure.retryable) {
      // Our own shutdown is no reason to give up on the alert, even on its last attempt.
      await store.markFailed(job.id, opts.token, failure.message, false);
      log.warn({ attempts: claim.attempts }, 'alert send aborted by shutdown; handing it back');
      return { kind: 'aborted' };
    }
    const dead = !failure.retryable || opts.final;
    await store.markFailed(job.id, opts.token, failure.message, dead);
    if (dead) {
      log.error({ attempts: claim.attempts, error: failure.message, retryable: failure.retryable }, 'alert is dead: not sending it again until retried');
      return { kind: 'dead', error: failure.message, attempts: claim.attempts };
    }
    log.warn({ attempts: claim.attempts, error: failure.message }, 'alert send failed; backing off');
    return { kind: 'retry', error: failure.message, attempts: claim.attempts };
  } finally {
    clearInterval(renew);
  }

  try {
    await store.markSent(job.id, opts.token, result, job.subscriber);
  } catch (err) {
    // The crash window in the module comment: a re-run will send again.
    log.error({ err, messageIds: result.messageIds }, 'alert sent but not recorded; a re-run may send it again');
    throw err;
  }
  log.info({ attempts: claim.attempts, segments: result.segments, messageIds: result.messageIds }, 'alert sent');
  return { kind: 'sent', result, attempts: claim.attempts };
}
