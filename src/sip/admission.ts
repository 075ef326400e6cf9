/**
 * Early overload shedding for new recordings (issue 15): when this node's event loop runs late, an
 * INVITE that waits for it is answered late too, and an SBC cannot route around a node that is
 * merely slow. So new INVITEs are refused at once with 503 and Retry-After (RFC 3261 §21.5.4), which
 * an SBC takes as "try another SRS", while the calls already answered keep their timing.
 *
 * The signal is how late a short interval timer fires (the event loop's lag: every datagram waiting
 * in the socket buffer waits at least that long) and, where the stack can measure it, how long a
 * datagram waits in the SIP socket's queue (src/sip/native/queue-probe.ts): libuv reads a bounded
 * number of datagrams per turn, so a loop that keeps time can still have seconds of INVITEs queued. The share of new INVITEs admitted follows it,
 * additive-increase / multiplicative-decrease, so a node offered twice what it can answer settles on
 * answering about what it can, instead of swinging between all and nothing.
 */

/** How late the event loop runs, sampled on a timer. */
export interface LoadSignal {
  /** Called after each sample with the lag just measured, in ms. */
  onSample(listener: (lagMs: number) => void): void;
  close(): void;
}

/** Samples the event loop's lag every `intervalMs`. The timer is unref'd: it never keeps the process alive. */
export class EventLoopLag implements LoadSignal {
  private readonly timer: NodeJS.Timeout;
  private listener: ((lagMs: number) => void) | undefined;
  private last = performance.now();

  constructor(private readonly intervalMs = 10) {
    this.timer = setInterval(() => {
      const now = performance.now();
      const lag = Math.max(0, now - this.last - this.intervalMs);
      this.last = now;
      this.listener?.(lag);
    }, intervalMs);
    this.timer.unref();
  }

  onSample(listener: (lagMs: number) => void): void {
    this.listener = listener;
  }

  close(): void {
    clearInterval(this.timer);
  }
}

export interface AdmissionOptions {
  signal: LoadSignal;
  /** Lag above which the admitted share shrinks; 0 turns shedding off. */
  maxLagMs: number;
  /** Retry-After seconds on the 503. */
  retryAfterSeconds: number;
}

/**
 * The lag is smoothed over a few samples (EWMA), so one GC pause or one slow API read does not
 * shed calls; a loop that stays late does.
 */
const SMOOTHING = 0.3;
/** Multiplicative decrease per late sample, additive increase per calm one (samples come every ~10 ms). */
const DECREASE = 0.75;
const INCREASE = 0.02;
/** Some INVITEs always get through, so the node learns when it has recovered. */
const MIN_SHARE = 0.05;

export class Admission {
  /** The share of new INVITEs admitted now, MIN_SHARE … 1. */
  private share = 1;
  /** Deterministic spreading of the share over arrivals (no randomness: tests and benches repeat). */
  private credit = 0;
  private shed = 0;
  /** INVITEs asked about since the last sample: lag with no INVITEs arriving (start-up, a GC) is not overload. */
  private arrivals = 0;
  private lag = 0;
  private queueDelay: (() => number) | undefined;
  /** Samples in a row whose queue wait was over the bar. */
  private queueLateRun = 0;
  readonly retryAfterSeconds: number;

  constructor(private readonly opts: AdmissionOptions) {
    this.retryAfterSeconds = opts.retryAfterSeconds;
    if (opts.maxLagMs > 0) opts.signal.onSample((lag) => this.observe(lag));
  }

  /** True when a new INVITE may go to the engine; false: answer it 503 with Retry-After now. */
  admit(): boolean {
    this.arrivals++;
    if (this.share >= 1) return true;
    this.credit += this.share;
    if (this.credit >= 1) {
      this.credit -= 1;
      return true;
    }
    this.shed++;
    return false;
  }

  /** Also watch how long requests wait in a socket queue (ms), sampled with the loop's lag. */
  watchQueue(delayMs: () => number): void {
    this.queueDelay = delayMs;
  }

  stats(): { admittedShare: number; shed: number; lagMs: number } {
    return { admittedShare: this.share, shed: this.shed, lagMs: this.lag };
  }

  close(): void {
    this.opts.signal.close();
  }

  private observe(sampleMs: number): void {
    const busy = this.arrivals > 0;
    this.arrivals = 0;
    this.lag += SMOOTHING * (sampleMs - this.lag);
    // The queue's wait is not smoothed (at the onset of a surge every sample of delay is a queue
    // growing), but it must be late twice running: one late probe is one stall — a GC, a burst of
    // media work — that the loop is already past (it shed a few calls a second under media load).
    const queue = this.queueDelay ? this.queueDelay() : 0;
    this.queueLateRun = queue > this.opts.maxLagMs ? this.queueLateRun + 1 : 0;
    const late = this.lag > this.opts.maxLagMs || this.queueLateRun >= 2;
    if (late && busy) this.share = Math.max(MIN_SHARE, this.share * DECREASE);
    else if (Math.max(this.lag, queue) < this.opts.maxLagMs / 2 && this.share < 1) this.share = Math.min(1, this.share + INCREASE);
    if (this.share >= 1) this.credit = 0;
  }
}

/** Admits everything: for stacks built without a load signal (tests, tools). */
export const ADMIT_ALL: Pick<Admission, 'admit' | 'retryAfterSeconds' | 'close' | 'stats'> = {
  admit: () => true,
  retryAfterSeconds: 5,
  close: () => undefined,
  stats: () => ({ admittedShare: 1, shed: 0, lagMs: 0 }),
};
