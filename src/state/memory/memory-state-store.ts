/**
 * The state store of a single node: everything in this process, nothing shared. Expiry is lazy (see
 * ExpiringMap): no timers to clear, and a record is gone for readers the moment its TTL passes.
 */
import { silentLogger, type Logger } from '../../log.js';
import { EventFanout } from '../event-fanout.js';
import { checkTtl } from '../ttl.js';
import type { ClusterEvent, LiveCallRecord, RecordingState, StateStore, Subscriber } from '../types.js';
import { ExpiringMap } from './expiring-map.js';
import { MemorySubscriberStore } from './memory-subscriber-store.js';

export interface MemoryStateStoreOptions {
  logger?: Logger;
  /** Clock for expiry; tests may pass a fake one. */
  now?: () => number;
}

type NodeInfo = { id: string; startedAt: number; calls: number; seenAt: number };

export class MemoryStateStore implements StateStore {
  readonly kind = 'memory' as const;
  private readonly subscribers = new MemorySubscriberStore();
  private readonly calls: ExpiringMap<LiveCallRecord>;
  private readonly recordings: ExpiringMap<RecordingState>;
  private readonly nodes: ExpiringMap<NodeInfo>;
  private readonly fanout: EventFanout;
  private readonly now: () => number;

  constructor(opts: MemoryStateStoreOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.calls = new ExpiringMap(this.now);
    this.recordings = new ExpiringMap(this.now);
    this.nodes = new ExpiringMap(this.now);
    this.fanout = new EventFanout(opts.logger ?? silentLogger());
  }

  async ready(): Promise<void> {}

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

  // Records are cloned on the way out so readers see value semantics, as with the Redis store. On
  // the way in the record is handed over (CallRegistry.putCall): a copy per published change of
  // every call cost a deep clone for nothing.
  async putCall(record: LiveCallRecord, ttlMs: number): Promise<void> {
    this.calls.set(record.id, record, checkTtl(ttlMs));
  }

  async removeCall(id: string): Promise<void> {
    this.calls.delete(id);
  }

  async listCalls(): Promise<LiveCallRecord[]> {
    return this.calls.values().map((r) => structuredClone(r));
  }

  async getCall(id: string): Promise<LiveCallRecord | undefined> {
    const r = this.calls.get(id);
    return r && structuredClone(r);
  }

  async putRecording(state: RecordingState, ttlMs: number): Promise<void> {
    this.recordings.set(state.recording, structuredClone(state), checkTtl(ttlMs));
  }

  async getRecording(recording: string): Promise<RecordingState | undefined> {
    const s = this.recordings.get(recording);
    return s && structuredClone(s);
  }

  async publish(event: ClusterEvent): Promise<void> {
    this.fanout.emit(event);
  }

  subscribe(listener: (event: ClusterEvent) => void): () => void {
    return this.fanout.subscribe(listener);
  }

  async heartbeat(node: { id: string; startedAt: number; calls: number }, ttlMs: number): Promise<void> {
    const { id, startedAt, calls } = node;
    this.nodes.set(id, { id, startedAt, calls, seenAt: this.now() }, checkTtl(ttlMs));
  }

  async listNodes(): Promise<NodeInfo[]> {
    return this.nodes.values().map((n) => ({ ...n }));
  }

  async close(): Promise<void> {
    this.fanout.clear();
    await this.subscribers.close();
  }
}
