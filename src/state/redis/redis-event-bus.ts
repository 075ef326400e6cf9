/**
 * ClusterEvents over Redis pub/sub on one channel (`<p>events`). Local listeners share this process's
 * single SUBSCRIBE. A node delivers its own events to its local listeners directly (synchronously,
 * and even while Redis is down) and drops their echo from Redis, tagged with a per-instance id, so
 * each listener sees each event once.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../log.js';
import { EventFanout } from '../event-fanout.js';
import type { ClusterEvent, EventBus } from '../types.js';
import { isObject, parseJson } from './redis-pipeline.js';

interface Envelope {
  from: string;
  event: ClusterEvent;
}

const EVENT_TYPES = new Set(['call.started', 'call.updated', 'call.ended', 'alert', 'node']);

export class RedisEventBus implements EventBus {
  private readonly instance = randomUUID();
  private readonly fanout: EventFanout;
  /** Settles once the SUBSCRIBE is acknowledged; ready() waits for it. */
  readonly subscribed: Promise<void>;

  constructor(
    private readonly commands: Redis,
    subscriber: Redis,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {
    this.fanout = new EventFanout(logger);
    subscriber.on('message', (ch: string, message: string) => {
      if (ch === this.channel) this.receive(message);
    });
    this.subscribed = subscriber.subscribe(channel).then(() => undefined);
    // ready() reports a failure; this only keeps an early close() from leaving an unhandled rejection.
    this.subscribed.catch(() => undefined);
  }

  async publish(event: ClusterEvent): Promise<void> {
    this.fanout.emit(event);
    const envelope: Envelope = { from: this.instance, event };
    await this.commands.publish(this.channel, JSON.stringify(envelope));
  }

  subscribe(listener: (event: ClusterEvent) => void): () => void {
    return this.fanout.subscribe(listener);
  }

  close(): void {
    this.fanout.clear();
  }

  private receive(message: string): void {
    const envelope = parseJson(message, isEnvelope);
    if (envelope === undefined) {
      this.logger.debug({ channel: this.channel }, 'ignored a malformed state event');
      return;
    }
    if (envelope.from !== this.instance) this.fanout.emit(envelope.event);
  }
}

function isEnvelope(v: unknown): v is Envelope {
  if (!isObject(v) || typeof v['from'] !== 'string' || !isObject(v['event'])) return false;
  const e = v['event'];
  return typeof e['type'] === 'string' && EVENT_TYPES.has(e['type']) && typeof e['node'] === 'string' && typeof e['at'] === 'number';
}
