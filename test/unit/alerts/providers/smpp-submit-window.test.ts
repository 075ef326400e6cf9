import { describe, expect, it } from 'vitest';
import { SubmitWindow } from '../../../../src/alerts/providers/smpp/submit-window.js';

describe('SubmitWindow', () => {
  it('grants up to size slots, then queues FIFO', async () => {
    const w = new SubmitWindow(2);
    const r1 = await w.acquire();
    const r2 = await w.acquire();
    const order: number[] = [];
    const p3 = w.acquire().then((r) => (order.push(3), r));
    const p4 = w.acquire().then((r) => (order.push(4), r));
    expect(w.inUse).toBe(2);
    r1();
    r1(); // a second release is ignored
    const r3 = await p3;
    expect(order).toEqual([3]);
    r2();
    const r4 = await p4;
    expect(order).toEqual([3, 4]);
    r3();
    r4();
    expect(w.inUse).toBe(0);
  });

  it('rejects waiters on failWaiters and on abort', async () => {
    const w = new SubmitWindow(1);
    await w.acquire();
    const failed = w.acquire();
    w.failWaiters(new Error('link down'));
    await expect(failed).rejects.toThrow('link down');

    const ac = new AbortController();
    const aborted = w.acquire(ac.signal);
    ac.abort(new Error('caller gave up'));
    await expect(aborted).rejects.toThrow('caller gave up');
    await expect(w.acquire(ac.signal)).rejects.toThrow('caller gave up');
  });

  it('refuses a non-positive size', () => {
    expect(() => new SubmitWindow(0)).toThrow();
  });
});
