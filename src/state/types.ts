/** The state store port. Memory for a single node; Redis joins with the multi-node issue. */

export interface Subscriber {
  /**
   * The key the SRC names them by: E.164 (`+12125550123`), or an identity that is not a phone number
   * (`86074075017412`, `8101`, `alice@pbx.example`; siprec/numbers.ts normaliseIdentity).
   */
  number: string;
  /** E.164 the alert SMS goes to when `number` is not a phone number (required then); else absent. */
  sms?: string;
  /** BCP 47 language for alerts, e.g. "en", "es". */
  locale?: string;
  provisionedAt: number;
}

export interface SubscriberStore {
  /** The subset of the given keys (E.164 or identities) that are provisioned (one round trip for a whole INVITE). */
  filterProvisioned(numbers: readonly string[]): Promise<Set<string>>;
  get(number: string): Promise<Subscriber | undefined>;
  /** Creates or replaces; resolves true when it was new. */
  put(subscriber: Subscriber): Promise<boolean>;
  /** Resolves true when it existed. */
  delete(number: string): Promise<boolean>;
  list(): Promise<Subscriber[]>;
  close(): Promise<void>;
}

/**
 * A live call as every node sees it: the owning node's summary (numbers masked, no content) and the
 * actor's persisted snapshot (masked, without transcript). Refreshed by the owner while the call lives;
 * it expires `ttlMs` after the last refresh, so a dead node's calls disappear on their own.
 */
export interface LiveCallRecord {
  id: string;
  node: string;
  /** CallSummary (src/engine/types.ts), already masked. */
  summary: Record<string, unknown>;
  /** The actor's state value. */
  state: unknown;
  /** withoutContent(persisted snapshot), numbers masked. */
  snapshot: unknown;
  updatedAt: number;
}

/**
 * What a recording needs to survive its SRC failing over to another node: the risk so far and whether
 * the subscriber was already warned. Keyed by the recording (group id, else recording session id, else
 * Call-ID; the same key as the alert dedup key's second half). No numbers, no content.
 */
export interface RecordingState {
  recording: string;
  /** RiskState (src/analysis/policy.ts). */
  risk: { level: 'none' | 'low' | 'medium' | 'high'; score: number; peakScore: number; lowerStreak: number; analyses: number; alerted: boolean; category: string; tactics: string[] };
  /** The alert the call raised, if any (category, explanation, level, score; no numbers). */
  alert?: { level: string; score: number; category: string; tactics: string[]; explanation: string; analyzer: string; at: number };
  /** raiseAlert already ran for this recording. */
  alertAnnounced: boolean;
  node: string;
  updatedAt: number;
}

/** Events the ops API streams (GET /v1/events) and the dashboard renders; cluster-wide with Redis. */
export type ClusterEvent =
  | { type: 'call.started' | 'call.updated'; node: string; at: number; call: LiveCallRecord }
  | { type: 'call.ended'; node: string; at: number; callId: string; reason?: string }
  /** AlertRecord (src/alerts/types.ts): masked, no transcript. */
  | { type: 'alert'; node: string; at: number; alert: Record<string, unknown> }
  | { type: 'node'; node: string; at: number; status: 'up' | 'down' };

export interface CallRegistry {
  /** The record is handed over: the caller builds a fresh one per put and never changes it after. */
  putCall(record: LiveCallRecord, ttlMs: number): Promise<void>;
  removeCall(id: string): Promise<void>;
  /** Every node's live calls (unexpired), any order. */
  listCalls(): Promise<LiveCallRecord[]>;
  getCall(id: string): Promise<LiveCallRecord | undefined>;
}

export interface RecordingStateStore {
  putRecording(state: RecordingState, ttlMs: number): Promise<void>;
  getRecording(recording: string): Promise<RecordingState | undefined>;
}

export interface EventBus {
  /** Delivered to every subscriber on every node (at most once, best effort: a live view, not a log). */
  publish(event: ClusterEvent): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(listener: (event: ClusterEvent) => void): () => void;
}

/** Nodes heartbeat here; the dashboard's node health. */
export interface NodeRegistry {
  heartbeat(node: { id: string; startedAt: number; calls: number }, ttlMs: number): Promise<void>;
  listNodes(): Promise<Array<{ id: string; startedAt: number; calls: number; seenAt: number }>>;
}

/**
 * The one state store of a node: memory (single node) or Redis (REDIS_URL; shared by all nodes).
 * Every Redis key it writes has a TTL; a provisioned subscriber's is long (400 days by default) and
 * renewed whenever the subscriber is written or matched, so only numbers unused that long lapse.
 */
export interface StateStore extends SubscriberStore, CallRegistry, RecordingStateStore, EventBus, NodeRegistry {
  readonly kind: 'memory' | 'redis';
  /** Resolves once connected (Redis); rejects with a message naming REDIS_URL when it cannot be. */
  ready(): Promise<void>;
  close(): Promise<void>;
}
