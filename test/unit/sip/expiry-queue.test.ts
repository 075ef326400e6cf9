/**
 * The finished transactions' 64×T1 wait: items expire in order, never before their wait and at most
 * the slack after it, behind one timer; an expiry that throws does not strand the rest.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExpiryQueue, expirySlackMs } from '../../../src/sip/native/expiry-queue.js';
import { TimerSet } from '../../../src/sip/native/timers.js';

let timers: TimerSet;
let errors: unknown[];
beforeEach(() => {
  vi.useFakeTimers();
  errors = [];
  timers = new TimerSet((err) => errors.push(err));
});
afterEach(() => {
  timers.clearAll();
  vi.useRealTimers();
});

describe('ExpiryQueue', () => {
  it('expires each item no earlier than its wait and at most the slack after, in order, on one timer', () => {
    const expired: Array<[string, number]> = [];
    const start = performance.now();
    const q = new ExpiryQueue<string>(timers, 1000, 100, (item) => expired.push([item, performance.now() - start]));
    q.add('a');
    vi.advanceTimersByTime(30);
    q.add('b');
    vi.advanceTimersByTime(500);
    q.add('c');
    expect(timers.size).toBe(1);
    expect(q.size).toBe(3);

    vi.advanceTimersByTime(469); // t = 999: nothing is due yet
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1001); // t = 2000
    expect(expired.map(([item]) => item)).toEqual(['a', 'b', 'c']);
    const due = { a: 1000, b: 1030, c: 1530 };
    for (const [item, at] of expired) {
      expect(at).toBeGreaterThanOrEqual(due[item as keyof typeof due]);
      expect(at).toBeLessThanOrEqual(due[item as keyof typeof due] + 100);
    }
    expect(q.size).toBe(0);
    expect(timers.size).toBe(0);
  });

  it('sweeps what is due together: a thousand items a millisecond apart take a handful of timer runs', () => {
    let runs = 0;
    let count = 0;
    const q = new ExpiryQueue<number>(timers, 32_000, expirySlackMs(32_000), () => count++);
    const set = timers.set.bind(timers);
    vi.spyOn(timers, 'set').mockImplementation((ms, fn) => set(ms, () => (runs++, fn())));
    for (let i = 0; i < 1000; i++) {
      q.add(i);
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(33_000);
    expect(count).toBe(1000);
    expect(runs).toBeLessThanOrEqual(Math.ceil(1000 / 250) + 1);
  });

  it('an expiry that throws is reported and the items behind it still expire', () => {
    const expired: number[] = [];
    const q = new ExpiryQueue<number>(timers, 100, 10, (i) => {
      if (i === 1) throw new Error('boom');
      expired.push(i);
    });
    q.add(1);
    vi.advanceTimersByTime(50);
    q.add(2);
    vi.advanceTimersByTime(200);
    expect(errors).toHaveLength(1);
    expect(expired).toEqual([2]);
    expect(q.size).toBe(0);
  });

  it('keeps its arrays short under a steady flow (the expired prefix is dropped)', () => {
    const q = new ExpiryQueue<object>(timers, 1000, 10, () => undefined);
    for (let i = 0; i < 20_000; i++) {
      q.add({});
      vi.advanceTimersByTime(1);
    }
    // About 1,000 are waiting at any time; the arrays hold those plus at most as many expired.
    expect(q.size).toBeLessThanOrEqual(1011);
    const held = (q as unknown as { items: unknown[] }).items.length;
    expect(held).toBeLessThanOrEqual(2 * q.size + 1024);
  });

  it('schedules nothing once the timer set is closed', () => {
    const q = new ExpiryQueue<number>(timers, 100, 10, () => undefined);
    timers.clearAll();
    q.add(1);
    expect(timers.size).toBe(0);
  });
});
