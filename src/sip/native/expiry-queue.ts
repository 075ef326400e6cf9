/**
 * Waits that all have one length (64×T1: RFC 6026 Timer L and RFC 3261 Timer J, during which a
 * finished server transaction absorbs retransmissions), kept in arrival order behind one timer.
 * Every call leaves two such transactions for 32 s; a Node timer, its handle and their closures
 * each were a large part of what a finished call kept in the heap (heap snapshot at 500 calls/s),
 * and the heap every mark-compact walks grows with it.
 *
 * An item expires at its wait or up to `slackMs` after: expiries are swept together, not one by one.
 */
import type { TimerHandle, TimerSet } from './timers.js';

export class ExpiryQueue<T> {
  private items: Array<T | undefined> = [];
  private due: number[] = [];
  private head = 0;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly timers: TimerSet,
    readonly waitMs: number,
    private readonly slackMs: number,
    private readonly expire: (item: T) => void,
  ) {}

  /** Items waiting. */
  get size(): number {
    return this.items.length - this.head;
  }

  add(item: T): void {
    this.items.push(item);
    this.due.push(performance.now() + this.waitMs);
    if (!this.timer?.active) this.arm();
  }

  private arm(): void {
    this.timer = this.timers.set(this.due[this.head]! - performance.now() + this.slackMs, () => this.sweep());
  }

  private sweep(): void {
    const now = performance.now();
    try {
      while (this.head < this.items.length && this.due[this.head]! <= now) {
        const item = this.items[this.head] as T;
        this.items[this.head] = undefined;
        this.head++;
        this.expire(item);
      }
    } finally {
      this.compact();
      // An expiry that threw (reported by the TimerSet) does not strand the items behind it.
      if (this.size > 0) this.arm();
      else this.timer = null;
    }
  }

  /** Drops the expired prefix once it is most of the arrays, so they do not grow for ever. */
  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.due = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.due = this.due.slice(this.head);
      this.head = 0;
    }
  }
}

/** `min(250 ms, wait / 32)`: 250 ms for 64×500 ms; short waits (tests' small T1) stay nearly exact. */
export function expirySlackMs(waitMs: number): number {
  return Math.min(250, waitMs / 32);
}
