/** Early shedding (src/sip/admission.ts): the admitted share follows the event loop's lag. */
import { describe, expect, it } from 'vitest';
import { Admission, EventLoopLag, type LoadSignal } from '../../../src/sip/admission.js';

/** A load signal the test drives sample by sample. */
class FakeSignal implements LoadSignal {
  private listener: ((lagMs: number) => void) | undefined;
  closed = false;
  onSample(listener: (lagMs: number) => void): void {
    this.listener = listener;
  }
  /** `times` samples of this lag, with `arriving` INVITEs asked about before each (none: an idle node). */
  sample(lagMs: number, times = 1, arriving?: Admission): void {
    for (let i = 0; i < times; i++) {
      arriving?.admit();
      this.listener?.(lagMs);
    }
  }
  close(): void {
    this.closed = true;
  }
}

const admittedOf = (a: Admission, n: number): number => Array.from({ length: n }, () => a.admit()).filter(Boolean).length;

describe('Admission', () => {
  it('admits every INVITE while the loop keeps time', () => {
    const signal = new FakeSignal();
    const a = new Admission({ signal, maxLagMs: 30, retryAfterSeconds: 5 });
    signal.sample(5, 100);
    expect(admittedOf(a, 200)).toBe(200);
    expect(a.stats()).toMatchObject({ admittedShare: 1, shed: 0 });
  });

  it('sheds a growing share while the loop runs late, spread evenly over arrivals, and never all', () => {
    const signal = new FakeSignal();
    const a = new Admission({ signal, maxLagMs: 30, retryAfterSeconds: 5 });
    // One late sample is smoothed away (a GC pause); a loop that stays late is not.
    signal.sample(80, 1, a);
    expect(a.stats().admittedShare).toBe(1);
    signal.sample(80, 2, a); // smoothed lag 40.8, then 52.6 ms: 1 → 0.75 → 0.5625
    const share = a.stats().admittedShare;
    expect(share).toBeCloseTo(0.5625, 6);
    // Deterministic: of 100 arrivals, the share's worth get through.
    const some = admittedOf(a, 100);
    expect(Math.abs(some - 100 * share)).toBeLessThanOrEqual(1);
    signal.sample(500, 100, a);
    expect(a.stats().admittedShare).toBe(0.05);
    expect(some).toBeLessThan(60);
    const shedBefore = a.stats().shed;
    const admitted = admittedOf(a, 100);
    expect(admitted).toBeGreaterThanOrEqual(4);
    expect(admitted).toBeLessThanOrEqual(6);
    expect(a.stats().shed - shedBefore).toBe(100 - admitted);
  });

  it('recovers to admitting everything once the loop is calm again, and holds its share in between', () => {
    const signal = new FakeSignal();
    const a = new Admission({ signal, maxLagMs: 30, retryAfterSeconds: 5 });
    signal.sample(100, 20, a);
    expect(a.stats().admittedShare).toBe(0.05);
    signal.sample(20, 50); // between half the bar and the bar: no change
    expect(a.stats().admittedShare).toBe(0.05);
    signal.sample(2, 60);
    expect(a.stats().admittedShare).toBe(1);
    expect(admittedOf(a, 50)).toBe(50);
  });

  it('a late loop with no INVITEs arriving (start-up, a long GC) sheds nothing', () => {
    const signal = new FakeSignal();
    const a = new Admission({ signal, maxLagMs: 30, retryAfterSeconds: 5 });
    signal.sample(400, 10);
    expect(a.stats().admittedShare).toBe(1);
    expect(admittedOf(a, 10)).toBe(10);
  });

  it('a queue the loop\'s lag cannot see (INVITEs waiting in the socket buffer) sheds too', () => {
    const signal = new FakeSignal();
    const a = new Admission({ signal, maxLagMs: 30, retryAfterSeconds: 5 });
    let queued = 0;
    a.watchQueue(() => queued);
    signal.sample(2, 10, a);
    expect(a.stats().admittedShare).toBe(1);
    queued = 800;
    signal.sample(2, 10, a);
    expect(a.stats().admittedShare).toBeLessThan(0.2);
  });

  it('one late queue sample (a stall the loop is past) sheds nothing; two in a row do', () => {
    const signal = new FakeSignal();
    const a = new Admission({ signal, maxLagMs: 30, retryAfterSeconds: 5 });
    let queued = 0;
    a.watchQueue(() => queued);
    for (let i = 0; i < 5; i++) {
      queued = 60;
      signal.sample(2, 1, a);
      queued = 1;
      signal.sample(2, 1, a);
    }
    expect(a.stats().admittedShare).toBe(1);
    queued = 60;
    signal.sample(2, 2, a);
    expect(a.stats().admittedShare).toBe(0.75);
  });

  it('with maxLagMs 0 never sheds; close() closes the signal', () => {
    const signal = new FakeSignal();
    const a = new Admission({ signal, maxLagMs: 0, retryAfterSeconds: 5 });
    signal.sample(10_000, 50, a);
    expect(admittedOf(a, 100)).toBe(100);
    a.close();
    expect(signal.closed).toBe(true);
  });
});

describe('EventLoopLag', () => {
  it('reports how late its timer fired after the loop was blocked', async () => {
    const lag = new EventLoopLag(10);
    const samples: number[] = [];
    lag.onSample((ms) => samples.push(ms));
    try {
      await new Promise((r) => setTimeout(r, 30));
      const until = performance.now() + 120;
      while (performance.now() < until); // block the loop
      await new Promise((r) => setTimeout(r, 30));
      expect(Math.max(...samples)).toBeGreaterThanOrEqual(80);
    } finally {
      lag.close();
    }
  });
});
