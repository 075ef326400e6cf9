/**
 * The EventBus port in a few lines, for tests that serve GET /v1/events without a state store:
 * synchronous fan-out in this process, and the listener set exposed so a test can wait for a
 * subscription or check that a closed stream unsubscribed.
 */
import type { ClusterEvent, EventBus } from '../../src/state/types.js';

export class LocalBus implements EventBus {
  readonly listeners = new Set<(e: ClusterEvent) => void>();

  async publish(event: ClusterEvent): Promise<void> {
    for (const l of this.listeners) l(event);
  }

  subscribe(listener: (e: ClusterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
