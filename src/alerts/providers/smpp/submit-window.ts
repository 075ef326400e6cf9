/**
 * Caps outstanding submit_sm PDUs (the SMPP "window"): SMSCs throttle or drop ESMEs that exceed the
 * window their account allows. Waiters queue FIFO; when the session drops, `failWaiters` rejects them
 * at once so a send never waits for a link that is gone.
 */
export class SubmitWindow {
  private used = 0;
  private readonly waiters: Array<{ grant: () => void; fail: (err: Error) => void }> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`submit window must be a positive integer, got ${size}`);
  }

  get inUse(): number {
    return this.used;
  }

  /** Resolves with a release function once a slot is free; rejects with `signal.reason` on abort. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.used < this.size) {
      this.used++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal?.reason);
      };
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
        fail: (err: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  failWaiters(err: Error): void {
    for (const w of this.waiters.splice(0)) w.fail(err);
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // Hand the slot straight to the next waiter so `used` never dips and lets a newcomer jump the queue.
      if (next) next.grant();
      else this.used--;
    };
  }
}
