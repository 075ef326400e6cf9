import type { Subscriber, SubscriberStore } from '../types.js';

export class MemorySubscriberStore implements SubscriberStore {
  private readonly byNumber = new Map<string, Subscriber>();

  async filterProvisioned(numbers: readonly string[]): Promise<Set<string>> {
    return new Set(numbers.filter((n) => this.byNumber.has(n)));
  }

  async get(number: string): Promise<Subscriber | undefined> {
    const s = this.byNumber.get(number);
    // Copies in and out, as Redis would: a caller mutating its object must not edit the store.
    return s && { ...s };
  }

  async put(subscriber: Subscriber): Promise<boolean> {
    const isNew = !this.byNumber.has(subscriber.number);
    this.byNumber.set(subscriber.number, { ...subscriber });
    return isNew;
  }

  async delete(number: string): Promise<boolean> {
    return this.byNumber.delete(number);
  }

  async list(): Promise<Subscriber[]> {
    return [...this.byNumber.values()].map((s) => ({ ...s })).sort((a, b) => compareNumbers(a.number, b.number));
  }

  async close(): Promise<void> {}
}

/** Code-unit order (not locale order), so memory and Redis list subscribers identically. */
export function compareNumbers(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
