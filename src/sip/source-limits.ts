/**
 * Live recordings per source IP (CALLGUARD_MAX_CALLS_PER_SOURCE), shared by both SIP adapters: one
 * SRC (or one misbehaving one) may not take every slot. A session counts from its INVITE until it
 * ends (their BYE, ours, a failure, a CANCEL); SessionLifecycle uncounts it exactly once.
 */
export class CallsPerSource {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** This source already holds `max` live sessions: a new INVITE gets 486. */
  full(address: string): boolean {
    return (this.counts.get(address) ?? 0) >= this.max;
  }

  add(address: string): void {
    this.counts.set(address, (this.counts.get(address) ?? 0) + 1);
  }

  remove(address: string): void {
    const n = (this.counts.get(address) ?? 1) - 1;
    if (n > 0) this.counts.set(address, n);
    else this.counts.delete(address);
  }

  get limit(): number {
    return this.max;
  }
}
