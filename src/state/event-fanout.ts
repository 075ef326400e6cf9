import type { Logger } from '../log.js';
import type { ClusterEvent } from './types.js';

type Listener = (event: ClusterEvent) => void;

/**
 * The local half of every EventBus: synchronous fan-out to this process's listeners. A listener that
 * throws is logged and skipped so one broken dashboard stream cannot starve the others.
 */
export class EventFanout {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly logger: Logger) {}

  get size(): number {
    return this.listeners.size;
  }

  subscribe(listener: Listener): () => void {
    // A wrapper per subscription, so subscribing the same function twice yields two independent ones.
    const entry: Listener = (event) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(event: ClusterEvent): void {
    // Copy: a listener may unsubscribe (itself or another) while we iterate.
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.logger.warn({ err: errorSummary(err), eventType: event.type }, 'state event listener threw');
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

/**
 * Only name and message: errors thrown around the state store can carry command arguments (ioredis'
 * ReplyError has `command.args`, i.e. phone numbers), which a serialised error object would log.
 */
export function errorSummary(err: unknown): { name: string; message: string; code?: string } {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err).slice(0, 200) };
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: err.message.slice(0, 200), ...(typeof code === 'string' ? { code } : {}) };
}
