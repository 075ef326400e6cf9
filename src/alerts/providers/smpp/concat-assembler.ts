/**
 * Reassembles concatenated inbound SMS (UDH IEI 0x00/0x08) so a subscriber's long reply reaches
 * onInbound once, whole. Bounded: incomplete messages are dropped after `maxAgeMs` or when more than
 * `maxPending` are open (oldest first) — a lost part must not pin memory forever. Pruning happens on
 * `add`, so there is no timer to clean up.
 */
import type { ConcatInfo } from './short-message.js';

interface Pending {
  parts: Array<string | undefined>;
  received: number;
  firstAt: number;
}

export class ConcatAssembler {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly maxPending = 100,
    private readonly maxAgeMs = 10 * 60_000,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** The whole text once every part of (`from`, ref) has arrived; undefined while parts are missing. */
  add(from: string, info: ConcatInfo, text: string, now = Date.now()): string | undefined {
    if (info.total <= 1) return text;
    // A part number outside 1..total is malformed: deliver what we have rather than hold it forever.
    if (info.part < 1 || info.part > info.total) return text;
    this.prune(now);
    const key = `${from}\u0000${info.ref}\u0000${info.total}`;
    let entry = this.pending.get(key);
    if (!entry) {
      entry = { parts: new Array<string | undefined>(info.total).fill(undefined), received: 0, firstAt: now };
      this.pending.set(key, entry);
    }
    if (entry.parts[info.part - 1] === undefined) {
      entry.parts[info.part - 1] = text;
      entry.received++;
    }
    if (entry.received < info.total) return undefined;
    this.pending.delete(key);
    return entry.parts.join('');
  }

  private prune(now: number): void {
    for (const [key, entry] of this.pending) {
      if (now - entry.firstAt > this.maxAgeMs) this.pending.delete(key);
    }
    // Map iteration is insertion order, so the first keys are the oldest.
    while (this.pending.size >= this.maxPending) {
      const oldest = this.pending.keys().next();
      if (oldest.done) break;
      this.pending.delete(oldest.value);
    }
  }
}
