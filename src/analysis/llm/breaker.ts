/**
 * A consecutive-failure circuit breaker.
 *
 * closed    → requests pass; `failures` consecutive failures open it.
 * open      → requests fail fast until `openMs` has passed since it opened.
 * half-open → exactly one trial request passes (others fail fast); success closes it, failure
 *             re-opens it for another `openMs`.
 *
 * A 429 with Retry-After additionally blocks requests until that time (capped at `openMs`), even
 * while closed, so the service is not hammered during its back-off window.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. Default 3. */
  failures?: number;
  /** How long it stays open before a trial request. Default 30 000 ms. */
  openMs?: number;
  now?: () => number;
}

export type Admission = { ok: true } | { ok: false; reason: 'open' | 'half-open-busy' | 'backoff'; retryInMs: number };

export class CircuitBreaker {
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly now: () => number;
  private consecutive = 0;
  private openedAt: number | undefined;
  private trialInFlight = false;
  private notBefore = 0;

  constructor(opts: BreakerOptions = {}) {
    this.threshold = Math.max(1, opts.failures ?? 3);
    this.openMs = Math.max(0, opts.openMs ?? 30_000);
    this.now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.openMs ? 'half-open' : 'open';
  }

  get consecutiveFailures(): number {
    return this.consecutive;
  }

  /** Asks to make a request. On `ok`, the caller must report `success()` or `failure()` (or `release()`). */
  admit(): Admission {
    const now = this.now();
    const state = this.state;
    if (state === 'open') return { ok: false, reason: 'open', retryInMs: this.openedAt! + this.openMs - now };
    if (now < this.notBefore) return { ok: false, reason: 'backoff', retryInMs: this.notBefore - now };
    if (state === 'half-open') {
      if (this.trialInFlight) return { ok: false, reason: 'half-open-busy', retryInMs: 0 };
      this.trialInFlight = true;
    }
    return { ok: true };
  }

  success(): void {
    this.consecutive = 0;
    this.openedAt = undefined;
    this.trialInFlight = false;
  }

  failure(retryAfterMs?: number): void {
    const now = this.now();
    this.consecutive++;
    if (retryAfterMs !== undefined && retryAfterMs > 0) {
      this.notBefore = Math.max(this.notBefore, now + Math.min(retryAfterMs, this.openMs));
    }
    if (this.trialInFlight || this.consecutive >= this.threshold) this.openedAt = now;
    this.trialInFlight = false;
  }

  /** The admitted request ended without telling anything about the service (e.g. caller aborted). */
  release(): void {
    this.trialInFlight = false;
  }
}
