/** The state store port. Memory for a single node; Redis joins with the multi-node issue. */

export interface Subscriber {
  /** E.164. */
  number: string;
  /** BCP 47 language for alerts, e.g. "en", "es". */
  locale?: string;
  provisionedAt: number;
}

export interface SubscriberStore {
  /** The subset of the given E.164 numbers that are provisioned (one round trip for a whole INVITE). */
  filterProvisioned(numbers: readonly string[]): Promise<Set<string>>;
  get(number: string): Promise<Subscriber | undefined>;
  /** Creates or replaces; resolves true when it was new. */
  put(subscriber: Subscriber): Promise<boolean>;
  /** Resolves true when it existed. */
  delete(number: string): Promise<boolean>;
  list(): Promise<Subscriber[]>;
  close(): Promise<void>;
}
