/**
 * A map whose entries expire, without timers: reads ignore (and drop) expired entries, and writes
 * sweep the whole map at most once per interval, so keys that are never read again cannot pile up.
 */
const SWEEP_INTERVAL_MS = 1_000;

export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private nextSweepAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Entries held, including expired ones not swept yet (what the process pays for). */
  get size(): number {
    return this.entries.size;
  }

  set(key: string, value: V, ttlMs: number): void {
    const now = this.now();
    if (now >= this.nextSweepAt) this.sweep(now);
    this.entries.set(key, { value, expiresAt: now + ttlMs });
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  /** The live values; prunes the expired ones on the way. */
  values(): V[] {
    this.sweep(this.now());
    return [...this.entries.values()].map((e) => e.value);
  }

  private sweep(now: number): void {
    this.nextSweepAt = now + SWEEP_INTERVAL_MS;
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
