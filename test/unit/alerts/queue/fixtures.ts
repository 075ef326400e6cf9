/** Alert jobs, senders that count or fail on cue, and polling for the queue tests. */
import { randomUUID } from 'node:crypto';
import type { AlertSender } from '../../../../src/alerts/queue/types.js';
import { SmsError, type AlertJob, type AlertQueue, type AlertRecord, type AlertStatus, type SmsSendResult } from '../../../../src/alerts/types.js';

export const SUBSCRIBER = '+447700900123';
export const CALLER = '+12125550199';

let group = 0;

export function makeJob(over: Partial<AlertJob> = {}): AlertJob {
  const subscriber = over.subscriber ?? SUBSCRIBER;
  return {
    id: randomUUID(),
    // The engine's key is (subscriber, recording group): it carries the number.
    dedupKey: `${subscriber}|grp-${++group}-${randomUUID().slice(0, 8)}`,
    callId: `call-${randomUUID().slice(0, 8)}@src`,
    subscriber,
    caller: CALLER,
    locale: 'en-GB',
    level: 'high',
    score: 0.93,
    category: 'bank-impersonation',
    tactics: ['impersonation', 'credentials'],
    explanation: 'The caller claims to be the bank and asks for a one-time code.',
    nodeId: 'n1',
    raisedAt: Date.now(),
    ...over,
  };
}

export interface RecordingSender {
  sender: AlertSender;
  /** Every call, in order (ids), including failed ones. */
  calls: string[];
  /** When each call started (ms). */
  times: number[];
  /** Successful sends per alert id. */
  sent: Map<string, number>;
  totalSent(): number;
}

/**
 * A sender that succeeds unless `behave` says otherwise: return an SmsError to reject with it, or a
 * promise to wait on before succeeding.
 */
export function recordingSender(behave: (job: AlertJob, call: number) => SmsError | Promise<unknown> | void = () => undefined): RecordingSender {
  const calls: string[] = [];
  const times: number[] = [];
  const sent = new Map<string, number>();
  const sender: AlertSender = async (job) => {
    calls.push(job.id);
    times.push(Date.now());
    const what = behave(job, calls.filter((c) => c === job.id).length);
    if (what instanceof SmsError) throw what;
    if (what) await what;
    sent.set(job.id, (sent.get(job.id) ?? 0) + 1);
    const n = sent.get(job.id)!;
    const result: SmsSendResult = { messageIds: [`msg-${job.id}-${n}`], segments: 1 };
    return result;
  };
  return { sender, calls, times, sent, totalSent: () => [...sent.values()].reduce((a, b) => a + b, 0) };
}

/** Polls until `check` returns a truthy value; a hang guard, not a speed assertion. */
export async function waitFor<T>(check: () => Promise<T> | T, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A promise plus its resolver, for senders that block until the test says so. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Waits until the alert reaches `status` and resolves its record. */
export async function waitForStatus(q: Pick<AlertQueue, 'get'>, id: string, status: AlertStatus, timeoutMs?: number): Promise<AlertRecord> {
  return waitFor(async () => {
    const rec = await q.get(id);
    return rec?.status === status ? rec : undefined;
  }, `alert ${id} ${status}`, timeoutMs);
}
