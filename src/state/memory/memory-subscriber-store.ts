import type { Subscriber, SubscriberStore } from '../types.js';

export class MemorySubscriberStore implements SubscriberStore {
  private readonly byNumber = new Map<string, Subscriber>();

  async filterProvisioned(numbers: readonly string[]): Promise<Set<string>> {
    return new Set(numbers.filter((n) => this.byNumber.has(n)));
  }

  async get(number: string): Promise<Subscriber | undefined> {
    return this.byNumber.get(number);
  }

  async put(subscriber: Subscriber): Promise<boolean> {
    const isNew = !this.byNumber.has(subscriber.number);
    this.byNumber.set(subscriber.number, subscriber);
    return isNew;
  }

  async delete(number: string): Promise<boolean> {
    return this.byNumber.delete(number);
  }

  async list(): Promise<Subscriber[]> {
    return [...this.byNumber.values()].sort((a, b) => a.number.localeCompare(b.number));
  }

  async close(): Promise<void> {}
}
