/**
 * One owner for every timer of the stack, so the count in stats() is exact and close() can clear
 * them all. A timer's callback never throws out of the event loop: failures go to `onError`.
 */

export interface TimerHandle {
  /** Cancels the timer; safe to call after it fired or twice. */
  cancel(): void;
  readonly active: boolean;
}

const INERT: TimerHandle = { cancel: () => undefined, active: false };

export class TimerSet {
  private readonly live = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly onError: (err: unknown) => void) {}

  /** Runs `fn` after `ms`. After clearAll() it returns an inert handle and schedules nothing. */
  set(ms: number, fn: () => void): TimerHandle {
    if (this.closed) return INERT;
    const live = this.live;
    const onError = this.onError;
    const t = setTimeout(
      () => {
        live.delete(t);
        try {
          fn();
        } catch (err) {
          onError(err);
        }
      },
      Math.max(0, ms),
    );
    live.add(t);
    return {
      cancel: () => {
        if (live.delete(t)) clearTimeout(t);
      },
      get active() {
        return live.has(t);
      },
    };
  }

  get size(): number {
    return this.live.size;
  }

  /** Clears every timer and refuses new ones. */
  clearAll(): void {
    this.closed = true;
    for (const t of this.live) clearTimeout(t);
    this.live.clear();
  }
}
