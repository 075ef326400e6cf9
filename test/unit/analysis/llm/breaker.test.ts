import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../../src/analysis/llm/breaker.js';

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures, lets one trial through when half-open', () => {
    let now = 0;
    const b = new CircuitBreaker({ failures: 2, openMs: 100, now: () => now });
    expect(b.admit().ok).toBe(true);
    b.failure();
    expect(b.admit().ok).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.admit()).toEqual({ ok: false, reason: 'open', retryInMs: 100 });
    now = 100;
    expect(b.state).toBe('half-open');
    expect(b.admit().ok).toBe(true);
    expect(b.admit()).toMatchObject({ ok: false, reason: 'half-open-busy' });
    b.success();
    expect(b.state).toBe('closed');
    expect(b.admit().ok).toBe(true);
  });

  it('Retry-After blocks requests (capped at openMs) even while closed; release() frees a trial', () => {
    let now = 0;
    const b = new CircuitBreaker({ failures: 5, openMs: 1000, now: () => now });
    b.admit();
    b.failure(60_000);
    expect(b.state).toBe('closed');
    expect(b.admit()).toMatchObject({ ok: false, reason: 'backoff', retryInMs: 1000 });
    now = 1000;
    expect(b.admit().ok).toBe(true);
    b.release();
    expect(b.consecutiveFailures).toBe(1);
  });
});
