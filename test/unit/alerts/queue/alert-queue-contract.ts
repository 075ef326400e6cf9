/**
 * One behaviour suite for every AlertQueue adapter: memory (test/unit/alerts/queue/memory-alert-queue
 * .test.ts) and BullMQ on a real redis-server (test/integration/alerts/queue/bullmq-alert-queue.test.ts).
 * An "env" is one deployment (a shared MemoryAlertStore, or one Redis key prefix); each node() in it is
 * one callguard node with its own worker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AlertQueueError } from '../../../../src/alerts/queue/errors.js';
import type { AlertQueueOptions } from '../../../../src/alerts/queue/types.js';
import { SmsError, type AlertQueue } from '../../../../src/alerts/types.js';
import { CALLER, SUBSCRIBER, gate, makeJob, recordingSender, sleep, waitFor, waitForStatus } from './fixtures.js';

export type NodeOptions = Partial<Omit<AlertQueueOptions, 'logger' | 'nodeId'>> & Pick<AlertQueueOptions, 'sender'>;

export interface ContractEnv {
  /** A started node (worker ready) on this env's shared backend; closed after the test. */
  node(opts: NodeOptions): Promise<AlertQueue>;
}

export interface ContractHarness {
  /** A fresh, empty deployment. */
  env(): ContractEnv;
  /** Closes every node the envs made (idempotent). */
  closeAll(): Promise<void>;
}

/** Small back-off so retries take milliseconds; attempts as in production. */
const FAST = { backoffMs: 40, maxBackoffMs: 160, attempts: 6 } as const;
const retryable = (msg = 'SMSC unavailable'): SmsError => new SmsError(msg, true, 'THROTTLED');

export function describeAlertQueueContract(name: string, harness: () => ContractHarness): void {
  describe(`AlertQueue contract: ${name}`, () => {
    let h: ContractHarness;
    const env = (): ContractEnv => (h ??= harness()).env();
    afterEach(async () => {
      await h?.closeAll();
    });

    it('sends an enqueued alert once and records it, masked', async () => {
      const s = recordingSender();
      const q = await env().node({ sender: s.sender, ...FAST });
      const job = makeJob();
      expect(await q.enqueue(job)).toEqual({ accepted: true, id: job.id });
      const rec = await waitForStatus(q, job.id, 'sent');
      expect(s.calls).toEqual([job.id]);
      expect(rec).toMatchObject({ id: job.id, status: 'sent', attempts: 1, messageIds: [`msg-${job.id}-1`], segments: 1, category: job.category, locale: 'en-GB' });
      expect(rec.sentAt).toBeTypeOf('number');
      expect(rec.subscriber).toBe('+44********23');
      expect(rec.caller).toBe('+12*******99');
      const text = JSON.stringify(rec);
      expect(text).not.toContain(SUBSCRIBER.slice(1));
      expect(text).not.toContain(CALLER.slice(1));
    });

    it('counts a duplicate enqueue and sends once', async () => {
      const s = recordingSender();
      const q = await env().node({ sender: s.sender, ...FAST });
      const first = makeJob();
      const again = makeJob({ dedupKey: first.dedupKey });
      expect(await q.enqueue(first)).toEqual({ accepted: true, id: first.id });
      expect(await q.enqueue(again)).toEqual({ accepted: false, reason: 'duplicate', id: first.id });
      await waitFor(async () => (await q.get(first.id))?.status === 'sent', 'sent');
      await sleep(200);
      expect(s.totalSent()).toBe(1);
      expect(await q.get(again.id)).toBeUndefined();
      expect((await q.stats()).duplicates).toBe(1);
    });

    it('enqueueing the same job id twice is accepted once and sends once', async () => {
      // A re-sent enqueue (a reply lost to a reconnect, or a caller's retry) must not be a duplicate of itself.
      const s = recordingSender();
      const q = await env().node({ sender: s.sender, ...FAST });
      const job = makeJob();
      expect(await q.enqueue(job)).toEqual({ accepted: true, id: job.id });
      expect(await q.enqueue({ ...job })).toEqual({ accepted: true, id: job.id });
      await waitForStatus(q, job.id, 'sent');
      // Again once it is sent: still the same alert, not sent again.
      expect(await q.enqueue({ ...job })).toEqual({ accepted: true, id: job.id });
      await sleep(300);
      expect(s.calls).toEqual([job.id]);
      expect(s.totalSent()).toBe(1);
      expect(await q.get(job.id)).toMatchObject({ status: 'sent', attempts: 1 });
      expect(await q.stats()).toMatchObject({ queued: 0, sending: 0, sent: 1, duplicates: 0 });
    });

    it('two nodes enqueueing the same dedup key at once send exactly once', async () => {
      const s = recordingSender();
      const e = env();
      const [a, b] = [await e.node({ sender: s.sender, ...FAST }), await e.node({ sender: s.sender, ...FAST })];
      const dedupKey = makeJob().dedupKey;
      const jobs = Array.from({ length: 10 }, () => makeJob({ dedupKey }));
      const results = await Promise.all(jobs.map((j, i) => (i % 2 ? a : b).enqueue(j)));
      const accepted = results.filter((r) => r.accepted);
      expect(accepted).toHaveLength(1);
      const id = accepted[0]!.id;
      expect(results.every((r) => r.id === id)).toBe(true);
      await waitFor(async () => (await a.get(id))?.status === 'sent', 'sent');
      await sleep(300);
      expect(s.totalSent()).toBe(1);
      expect((await b.stats()).duplicates).toBe(9);
    });

    it('backs off through retryable failures and then sends', async () => {
      const s = recordingSender((_job, call) => (call <= 2 ? retryable() : undefined));
      const q = await env().node({ sender: s.sender, ...FAST });
      const job = makeJob();
      await q.enqueue(job);
      const rec = await waitForStatus(q, job.id, 'sent');
      expect(rec.attempts).toBe(3);
      expect(rec.lastError).toContain('SMSC unavailable');
      expect(s.calls).toHaveLength(3);
      // Exponential: at least 40 ms, then 80 ms between attempts (lower bounds only).
      expect(s.times[1]! - s.times[0]!).toBeGreaterThanOrEqual(FAST.backoffMs - 5);
      expect(s.times[2]! - s.times[1]!).toBeGreaterThanOrEqual(2 * FAST.backoffMs - 5);
    });

    it('a non-retryable failure is dead at once, with no further attempts', async () => {
      const s = recordingSender(() => new SmsError('unknown subscriber', false, 'ESME_RINVDSTADR'));
      const q = await env().node({ sender: s.sender, ...FAST });
      const job = makeJob();
      await q.enqueue(job);
      const rec = await waitForStatus(q, job.id, 'dead');
      expect(rec.attempts).toBe(1);
      expect(rec.lastError).toBe('ESME_RINVDSTADR: unknown subscriber');
      await sleep(FAST.maxBackoffMs * 2);
      expect(s.calls).toHaveLength(1);
      expect((await q.list({ status: 'dead' })).map((r) => r.id)).toEqual([job.id]);
    });

    it('exhausted attempts end dead and listed; retry(id) sends it with fresh attempts', async () => {
      let smscUp = false;
      const s = recordingSender(() => (smscUp ? undefined : retryable()));
      const q = await env().node({ sender: s.sender, ...FAST, attempts: 3 });
      const job = makeJob();
      await q.enqueue(job);
      const dead = await waitForStatus(q, job.id, 'dead');
      expect(dead.attempts).toBe(3);
      expect(s.calls).toHaveLength(3);
      expect((await q.list({ status: 'dead' })).map((r) => r.id)).toEqual([job.id]);
      expect((await q.stats()).dead).toBe(1);

      smscUp = true;
      expect(await q.retry(job.id)).toBe(true);
      const sent = await waitForStatus(q, job.id, 'sent');
      expect(sent.attempts).toBe(1);
      expect(s.totalSent()).toBe(1);
      expect(await q.retry(job.id)).toBe(false);
      expect(await q.retry('no-such-alert')).toBe(false);
      expect(await q.list({ status: 'dead' })).toEqual([]);
    });

    it('rate-limits per subscriber: recorded dead, counted, not sent; retry(id) overrides', async () => {
      const s = recordingSender();
      const q = await env().node({ sender: s.sender, ...FAST, maxPerHour: 2 });
      const jobs = [makeJob(), makeJob(), makeJob()];
      const other = makeJob({ subscriber: '+447700900999' });
      expect((await q.enqueue(jobs[0]!)).accepted).toBe(true);
      expect((await q.enqueue(jobs[1]!)).accepted).toBe(true);
      expect(await q.enqueue(jobs[2]!)).toEqual({ accepted: false, reason: 'rate-limited', id: jobs[2]!.id });
      expect((await q.enqueue(other)).accepted).toBe(true);
      await waitFor(async () => (await q.list({ status: 'sent' })).length === 3, 'three sent');
      await sleep(200);
      expect(s.sent.has(jobs[2]!.id)).toBe(false);
      expect(await q.get(jobs[2]!.id)).toMatchObject({ status: 'dead', lastError: 'rate-limited', attempts: 0 });
      expect((await q.stats()).rateLimited).toBe(1);

      expect(await q.retry(jobs[2]!.id)).toBe(true);
      await waitFor(async () => (await q.get(jobs[2]!.id))?.status === 'sent', 'rate-limited alert sent after retry');
      expect(s.totalSent()).toBe(4);
    });

    it('records receipts by message id: delivered, and undelivered sticks', async () => {
      const s = recordingSender();
      const q = await env().node({ sender: s.sender, ...FAST });
      const [a, b] = [makeJob(), makeJob({ subscriber: '+447700900555' })];
      await q.enqueue(a);
      await q.enqueue(b);
      await waitFor(async () => (await q.list({ status: 'sent' })).length === 2, 'both sent');
      const at = Date.now();
      expect(await q.recordReceipt({ messageId: `msg-${a.id}-1`, status: 'accepted', at })).toBe(true);
      expect((await q.get(a.id))?.status).toBe('sent');
      expect(await q.recordReceipt({ messageId: `msg-${a.id}-1`, status: 'delivered', detail: 'DELIVRD', at })).toBe(true);
      expect(await q.recordReceipt({ messageId: `msg-${b.id}-1`, status: 'undelivered', detail: 'EXPIRED', at })).toBe(true);
      expect(await q.recordReceipt({ messageId: `msg-${b.id}-1`, status: 'delivered', detail: 'DELIVRD', at })).toBe(true);
      expect(await q.recordReceipt({ messageId: 'nobody', status: 'delivered', at })).toBe(false);
      const ra = await q.get(a.id);
      expect(ra?.status).toBe('delivered');
      expect(ra?.receipts).toEqual([
        { messageId: `msg-${a.id}-1`, status: 'accepted', at },
        { messageId: `msg-${a.id}-1`, status: 'delivered', detail: 'DELIVRD', at },
      ]);
      expect((await q.get(b.id))?.status).toBe('undelivered');
      const st = await q.stats();
      expect([st.delivered, st.undelivered, st.sent]).toEqual([1, 1, 0]);
    });

    it('disputes by id and by subscriber (their latest alert), counted once', async () => {
      const s = recordingSender();
      const q = await env().node({ sender: s.sender, ...FAST });
      const [first, second] = [makeJob(), makeJob()];
      await q.enqueue(first);
      await waitFor(async () => (await q.get(first.id))?.status === 'sent', 'first sent');
      await q.enqueue(second);
      await waitFor(async () => (await q.get(second.id))?.status === 'sent', 'second sent');

      const bySub = await q.dispute({ subscriber: SUBSCRIBER }, 'sms');
      expect(bySub?.id).toBe(second.id);
      expect(bySub?.disputed).toEqual({ at: expect.any(Number), via: 'sms' });
      expect((await q.dispute({ id: second.id }, 'api'))?.disputed?.via).toBe('sms');
      const byId = await q.dispute({ id: first.id }, 'api');
      expect(byId?.disputed?.via).toBe('api');
      expect(await q.dispute({ subscriber: '+15550000000' }, 'sms')).toBeUndefined();
      expect(await q.dispute({ id: 'no-such-alert' }, 'api')).toBeUndefined();
      expect((await q.stats()).disputed).toBe(2);
    });

    it('lists newest first, filters by status and limits; stats count each status', async () => {
      const blocked = gate();
      const s = recordingSender((job) => (job.category === 'hold' ? blocked.promise : job.category === 'bad' ? new SmsError('rejected', false) : undefined));
      const q = await env().node({ sender: s.sender, ...FAST, concurrency: 4 });
      const jobs = [makeJob(), makeJob({ category: 'bad' }), makeJob({ category: 'hold' })];
      for (const j of jobs) {
        await q.enqueue(j);
        await sleep(5);
      }
      await waitFor(async () => {
        const st = await q.stats();
        return st.sent === 1 && st.dead === 1 && st.sending === 1;
      }, 'one sent, one dead, one sending');
      expect((await q.list()).map((r) => r.id)).toEqual([jobs[2]!.id, jobs[1]!.id, jobs[0]!.id]);
      expect((await q.list({ limit: 2 })).map((r) => r.id)).toEqual([jobs[2]!.id, jobs[1]!.id]);
      expect((await q.list({ status: 'sending' })).map((r) => r.id)).toEqual([jobs[2]!.id]);
      expect(await q.stats()).toEqual({ queued: 0, sending: 1, sent: 1, delivered: 0, undelivered: 0, dead: 1, duplicates: 0, rateLimited: 0, disputed: 0 });
      blocked.open();
      await waitFor(async () => (await q.stats()).sent === 2, 'held alert sent');
    });

    it('close() waits for an in-flight send, then refuses new work', async () => {
      const blocked = gate();
      const started = gate();
      const s = recordingSender(() => {
        started.open();
        return blocked.promise;
      });
      const e = env();
      const q = await e.node({ sender: s.sender, ...FAST });
      const job = makeJob();
      await q.enqueue(job);
      await started.promise;
      const closed = q.close(10_000);
      setTimeout(blocked.open, 200);
      await closed;
      expect(s.totalSent()).toBe(1);
      await expect(q.enqueue(makeJob())).rejects.toBeInstanceOf(AlertQueueError);
      const reader = await e.node({ sender: s.sender, worker: false });
      expect((await reader.get(job.id))?.status).toBe('sent');
    });

    it('close(grace) returns when a send hangs past the grace period', async () => {
      const started = gate();
      const s = recordingSender(() => {
        started.open();
        return new Promise(() => undefined);
      });
      const q = await env().node({ sender: s.sender, ...FAST });
      await q.enqueue(makeJob());
      await started.promise;
      await q.close(100);
      expect(s.totalSent()).toBe(0);
    });

    it('an SMSC outage of a few seconds ends with exactly one delivery after recovery', { timeout: 30_000 }, async () => {
      let smscUp = false;
      const s = recordingSender(() => (smscUp ? undefined : retryable('SMSC down')));
      const q = await env().node({ sender: s.sender, backoffMs: 100, maxBackoffMs: 400, attempts: 30 });
      const job = makeJob();
      await q.enqueue(job);
      await waitFor(() => s.calls.length >= 3, 'a few failed attempts');
      setTimeout(() => (smscUp = true), 2_500);
      const rec = await waitForStatus(q, job.id, 'sent');
      await sleep(500);
      expect(s.sent.get(job.id)).toBe(1);
      expect(s.totalSent()).toBe(1);
      expect(rec.attempts).toBe(s.calls.length);
      expect(rec.attempts).toBeGreaterThan(3);
    });
  });
}
