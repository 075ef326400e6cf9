import { describe, expect, it } from 'vitest';
import { backoffDelay, classifySendError, maskDigits, subscriberHash, toRecordBase } from '../../../../src/alerts/queue/alert-record.js';
import { MemoryAlertStore, nextStatusOnReceipt } from '../../../../src/alerts/queue/memory-alert-store.js';
import { SmsError } from '../../../../src/alerts/types.js';
import { makeJob } from './fixtures.js';

describe('alert record helpers', () => {
  it('back-off doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, 2_000, 60_000))).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    expect(backoffDelay(500, 2_000, 60_000)).toBe(60_000);
  });

  it('masks numbers inside dedup keys and errors, and never stores the unmasked subscriber', () => {
    expect(maskDigits('+447700900123|grp-1')).toBe('+44********23|grp-1');
    expect(maskDigits('rejected 447700900123 (code 12)')).toBe('rejected 44********23 (code 12)');
    const base = toRecordBase(makeJob({ locale: undefined }));
    expect(base.locale).toBe('en');
    expect(JSON.stringify(base)).not.toMatch(/447700900123|12125550199/);
  });

  it('hashes subscribers (HMAC with a secret) instead of keeping the number', () => {
    const plain = subscriberHash('+447700900123');
    expect(plain).toMatch(/^[0-9a-f]{64}$/);
    expect(subscriberHash('+447700900123', 's3cret')).not.toBe(plain);
  });

  it('classifies send errors: SmsError decides, anything else retries', () => {
    expect(classifySendError(new SmsError('bad number +447700900123', false, 'INVALID'), false)).toEqual({ retryable: false, message: 'INVALID: bad number +44********23' });
    expect(classifySendError(new SmsError('busy', true), false)).toEqual({ retryable: true, message: 'busy' });
    expect(classifySendError(new TypeError('boom'), false)).toEqual({ retryable: true, message: 'boom' });
    expect(classifySendError(new Error('x'), true).message).toBe('aborted: queue closing');
  });

  it('receipts: sent → delivered, undelivered sticks, others only append', () => {
    expect(nextStatusOnReceipt('sent', 'delivered')).toBe('delivered');
    expect(nextStatusOnReceipt('delivered', 'undelivered')).toBe('undelivered');
    expect(nextStatusOnReceipt('undelivered', 'delivered')).toBe('undelivered');
    expect(nextStatusOnReceipt('sent', 'accepted')).toBe('sent');
    expect(nextStatusOnReceipt('sending', 'delivered')).toBe('sending');
  });
});

describe('MemoryAlertStore windows', () => {
  it('the rate limit is a sliding hour and dedup keys expire after their TTL', async () => {
    let now = 1_000_000;
    const store = new MemoryAlertStore({ now: () => now });
    const limits = { maxPerHour: 2, dedupTtlMs: 60_000 };
    const admit = (job = makeJob()) => store.admit(toRecordBase(job), job, limits);
    expect((await admit()).accepted).toBe(true);
    now += 30 * 60_000;
    expect((await admit()).accepted).toBe(true);
    expect(await admit()).toMatchObject({ reason: 'rate-limited' });
    now += 30 * 60_000 + 1; // the first one left the window
    expect((await admit()).accepted).toBe(true);

    const job = makeJob({ subscriber: '+15550001111' });
    expect((await admit(job)).accepted).toBe(true);
    expect(await admit({ ...job, id: 'again' })).toMatchObject({ reason: 'duplicate', id: job.id });
    now += 60_001;
    expect((await admit({ ...job, id: 'later' })).accepted).toBe(true);
  });

  it('a live claim held by another attempt is busy; a lapsed one can be taken over', async () => {
    let now = 0;
    const store = new MemoryAlertStore({ now: () => now });
    const job = makeJob();
    await store.admit(toRecordBase(job), job, { maxPerHour: 0, dedupTtlMs: 1_000 });
    expect(await store.claim(job.id, 'a', 1_000)).toEqual({ kind: 'claimed', attempts: 1 });
    expect(await store.claim(job.id, 'b', 1_000)).toEqual({ kind: 'busy', retryInMs: 1_000 });
    now += 1_001;
    expect(await store.claim(job.id, 'b', 1_000)).toEqual({ kind: 'claimed', attempts: 2 });
    await store.markSent(job.id, 'b', { messageIds: ['m1'], segments: 1 }, job.subscriber);
    expect(await store.claim(job.id, 'c', 1_000)).toEqual({ kind: 'sent' });
    // The stalled first attempt reports its send late: both ids stay on the record.
    await store.markSent(job.id, 'a', { messageIds: ['m0'], segments: 1 }, job.subscriber);
    expect((await store.get(job.id))?.messageIds).toEqual(['m1', 'm0']);
  });
});
