/**
 * The state store shared by every node of a deployment (REDIS_URL). Single Redis (or a primary with
 * replicas): the put script touches a record and its index, which Redis Cluster could place in
 * different hash slots.
 *
 * Key layout (p = keyPrefix, default 'callguard:'); every key has a TTL:
 *   p sub:<e164>              STRING JSON {number, locale?, provisionedAt}  subscriberTtlMs (400 d), renewed on
 *                                                                            put, get and a filterProvisioned match
 *   p call:<id>               STRING JSON LiveCallRecord          the putCall ttl, refreshed by the owner
 *   p calls                   ZSET   call id → expiry time (ms)   longest call ttl + 30 s, raised on put
 *   p rec:<sha256(recording)> STRING JSON RecordingState          the putRecording ttl
 *   p node:<id>               STRING JSON {id, startedAt, calls, seenAt}  the heartbeat ttl
 *   p nodes                   ZSET   node id → expiry time (ms)   longest heartbeat ttl + 30 s, raised on put
 *   p events                  pub/sub channel of {from, event} JSON (not a key)
 * Recordings are keyed by a hash: a recording id is SRC-supplied (a Call-ID at worst), so the key
 * stays bounded and printable. Subscribers are listed by SCAN (see RedisSubscribers).
 *
 * Two connections: commands (two retries per request, so an outage fails calls fast instead of
 * hanging them; reconnects with back-off) and a duplicate() in subscriber mode for events.
 * Logs carry link state and error messages only, never keys or values.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../../log.js';
import { errorSummary } from '../event-fanout.js';
import { checkTtl } from '../ttl.js';
import type { ClusterEvent, LiveCallRecord, RecordingState, StateStore, Subscriber } from '../types.js';
import { RedisEventBus } from './redis-event-bus.js';
import { RedisIndexedRecords } from './redis-indexed-records.js';
import { LinkWatch, closeConnection, openCommandConnection, openSubscriberConnection, unavailableError, waitReady } from './redis-link.js';
import { isObject, parseJson } from './redis-pipeline.js';
import { RedisSubscribers } from './redis-subscribers.js';

export const REDIS_STATE_DEFAULTS = {
  keyPrefix: 'callguard:',
  subscriberTtlMs: 400 * 24 * 60 * 60 * 1000,
  readyTimeoutMs: 5_000,
  commandTimeoutMs: 2_000,
  closeTimeoutMs: 2_000,
} as const;

export interface RedisStateStoreOptions {
  /** REDIS_URL, e.g. redis://:password@host:6379/0. */
  url: string;
  keyPrefix?: string;
  /** How long a subscriber nobody writes or matches stays provisioned. */
  subscriberTtlMs?: number;
  logger?: Logger;
  /** How long ready() waits for Redis before failing. */
  readyTimeoutMs?: number;
  /** Bounds a Redis that accepts commands but does not answer. */
  commandTimeoutMs?: number;
}

type NodeInfo = { id: string; startedAt: number; calls: number; seenAt: number };

export class RedisStateStore implements StateStore {
  readonly kind = 'redis' as const;
  private readonly url: string;
  private readonly prefix: string;
  private readonly readyTimeoutMs: number;
  private readonly logger: Logger;
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly watches: LinkWatch[];
  private readonly subscribers: RedisSubscribers;
  private readonly calls: RedisIndexedRecords<LiveCallRecord>;
  private readonly nodes: RedisIndexedRecords<NodeInfo>;
  private readonly events: RedisEventBus;
  private closing: Promise<void> | undefined;

  constructor(opts: RedisStateStoreOptions) {
    this.url = opts.url;
    this.prefix = opts.keyPrefix ?? REDIS_STATE_DEFAULTS.keyPrefix;
    this.readyTimeoutMs = opts.readyTimeoutMs ?? REDIS_STATE_DEFAULTS.readyTimeoutMs;
    this.logger = opts.logger ?? silentLogger();
    this.redis = openCommandConnection(opts.url, { commandTimeoutMs: opts.commandTimeoutMs ?? REDIS_STATE_DEFAULTS.commandTimeoutMs });
    this.sub = openSubscriberConnection(this.redis);
    this.watches = [new LinkWatch(this.redis, 'commands', this.logger), new LinkWatch(this.sub, 'events', this.logger)];
    const p = this.prefix;
    this.subscribers = new RedisSubscribers(this.redis, p, checkTtl(opts.subscriberTtlMs ?? REDIS_STATE_DEFAULTS.subscriberTtlMs));
    this.calls = new RedisIndexedRecords(this.redis, `${p}call:`, `${p}calls`, isLiveCallRecord);
    this.nodes = new RedisIndexedRecords(this.redis, `${p}node:`, `${p}nodes`, isNodeInfo);
    this.events = new RedisEventBus(this.redis, this.sub, `${p}events`, this.logger);
  }

  /** Every key this store writes starts with this; the events channel too. */
  get keyPrefix(): string {
    return this.prefix;
  }

  async ready(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), this.readyTimeoutMs)));
    try {
      // The SUBSCRIBE ack too: once ready() resolves, this node hears every event published after.
      await Promise.race([Promise.all([waitReady(this.redis, this.readyTimeoutMs), waitReady(this.sub, this.readyTimeoutMs), this.events.subscribed]), deadline]);
    } catch {
      const cause = this.watches.map((w) => w.lastError).find((e) => e !== undefined);
      throw unavailableError(this.url, this.readyTimeoutMs, cause);
    } finally {
      clearTimeout(timer);
    }
  }

  filterProvisioned(numbers: readonly string[]): Promise<Set<string>> {
    return this.subscribers.filterProvisioned(numbers);
  }

  get(number: string): Promise<Subscriber | undefined> {
    return this.subscribers.get(number);
  }

  put(subscriber: Subscriber): Promise<boolean> {
    return this.subscribers.put(subscriber);
  }

  delete(number: string): Promise<boolean> {
    return this.subscribers.delete(number);
  }

  list(): Promise<Subscriber[]> {
    return this.subscribers.list();
  }

  async putCall(record: LiveCallRecord, ttlMs: number): Promise<void> {
    await this.calls.put(record.id, record, checkTtl(ttlMs));
  }

  removeCall(id: string): Promise<void> {
    return this.calls.remove(id);
  }

  listCalls(): Promise<LiveCallRecord[]> {
    return this.calls.list();
  }

  getCall(id: string): Promise<LiveCallRecord | undefined> {
    return this.calls.get(id);
  }

  async putRecording(state: RecordingState, ttlMs: number): Promise<void> {
    await this.redis.set(this.recordingKey(state.recording), JSON.stringify(state), 'PX', checkTtl(ttlMs));
  }

  async getRecording(recording: string): Promise<RecordingState | undefined> {
    const state = parseJson(await this.redis.get(this.recordingKey(recording)), isRecordingState);
    // Guards against a (practically impossible) hash collision handing over another call's risk.
    return state?.recording === recording ? state : undefined;
  }

  publish(event: ClusterEvent): Promise<void> {
    return this.events.publish(event);
  }

  subscribe(listener: (event: ClusterEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  async heartbeat(node: { id: string; startedAt: number; calls: number }, ttlMs: number): Promise<void> {
    const { id, startedAt, calls } = node;
    await this.nodes.put(id, { id, startedAt, calls, seenAt: Date.now() }, checkTtl(ttlMs));
  }

  listNodes(): Promise<NodeInfo[]> {
    return this.nodes.list();
  }

  /** Idempotent; quits both connections, each bounded, and runs every step even if one fails. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    for (const w of this.watches) w.markClosing();
    this.events.close();
    const results = await Promise.allSettled([this.sub, this.redis].map((c) => closeConnection(c, REDIS_STATE_DEFAULTS.closeTimeoutMs)));
    for (const r of results) if (r.status === 'rejected') this.logger.warn({ err: errorSummary(r.reason) }, 'state store: closing a Redis connection failed');
  }

  private recordingKey(recording: string): string {
    return `${this.prefix}rec:${createHash('sha256').update(recording).digest('hex')}`;
  }
}

function isLiveCallRecord(v: unknown): v is LiveCallRecord {
  return isObject(v) && typeof v['id'] === 'string' && typeof v['node'] === 'string' && typeof v['updatedAt'] === 'number';
}

function isNodeInfo(v: unknown): v is NodeInfo {
  return isObject(v) && typeof v['id'] === 'string' && typeof v['startedAt'] === 'number' && typeof v['calls'] === 'number' && typeof v['seenAt'] === 'number';
}

function isRecordingState(v: unknown): v is RecordingState {
  return isObject(v) && typeof v['recording'] === 'string' && isObject(v['risk']) && typeof v['alertAnnounced'] === 'boolean';
}
