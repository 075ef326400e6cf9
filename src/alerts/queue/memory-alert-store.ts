/**
 * AlertStore in process memory, with the same rules as the Redis store (dedup window, sliding hour,
 * claims, status moves), so one contract suite covers both. Expiry is lazy: old entries are dropped
 * when the store is next written or read. Two MemoryAlertQueues may share one store to act as two
 * "nodes" in tests.
 */
import type { AlertJob, AlertQueueStats, AlertRecord, AlertStatus, DeliveryReceipt, EnqueueResult, SmsSendResult } from '../types.js';
import { dedupHash, SENT_STATUSES, subscriberHash, type AlertRecordBase } from './alert-record.js';
import { LIST_LIMIT_DEFAULT, type AdmitKeys, type AdmitLimits, type AlertStore, type ClaimResult } from './alert-store.js';
import { ALERT_QUEUE_DEFAULTS } from './types.js';

export interface MemoryAlertStoreOptions {
  recordTtlMs?: number;
  rateWindowMs?: number;
  numberHashSecret?: string;
  /** Clock, for tests of the windows. */
  now?: () => number;
}

interface Entry {
  base: AlertRecordBase;
  status: AlertStatus;
  attempts: number;
  lastError?: string;
  messageIds: string[];
  segments?: number;
  receipts: DeliveryReceipt[];
  disputed?: { at: number; via: 'sms' | 'api' };
  sentAt?: number;
  createdAt: number;
  updatedAt: number;
}

interface Expiring {
  id: string;
  expiresAt: number;
}

export class MemoryAlertStore implements AlertStore {
  private readonly recordTtlMs: number;
  private readonly rateWindowMs: number;
  private readonly secret: string | undefined;
  private readonly now: () => number;
  /** Insertion order is creation order: expiry walks from the front, list() from the back. */
  private readonly records = new Map<string, Entry>();
  private readonly dedup = new Map<string, Expiring>();
  private readonly rate = new Map<string, Array<{ id: string; at: number }>>();
  private readonly latest = new Map<string, Expiring>();
  private readonly byMessageId = new Map<string, string>();
  private readonly claims = new Map<string, { token: string; expiresAt: number }>();
  /** The unmasked jobs, kept so retry() can send again; dropped once sent or expired. */
  private readonly payloads = new Map<string, AlertJob>();
  private readonly counters = { duplicates: 0, rateLimited: 0, disputed: 0 };

  constructor(opts: MemoryAlertStoreOptions = {}) {
    this.recordTtlMs = opts.recordTtlMs ?? ALERT_QUEUE_DEFAULTS.recordTtlMs;
    this.rateWindowMs = opts.rateWindowMs ?? ALERT_QUEUE_DEFAULTS.rateWindowMs;
    this.secret = opts.numberHashSecret;
    this.now = opts.now ?? Date.now;
  }

  keepPayload(job: AlertJob): void {
    this.payloads.set(job.id, job);
  }

  payload(id: string): AlertJob | undefined {
    return this.payloads.get(id);
  }

  async admit(base: AlertRecordBase, keys: AdmitKeys, limits: AdmitLimits): Promise<EnqueueResult> {
    const now = this.now();
    this.expire(now);
    // The same id again is idempotent (as in the Redis store): it answers what the first admit did.
    const prior = this.live(base.id, now);
    if (prior && !(prior.status === 'dead' && prior.lastError === 'enqueue-failed')) {
      if (prior.status === 'dead' && prior.lastError === 'rate-limited') return { accepted: false, reason: 'rate-limited', id: base.id };
      return { accepted: true, id: base.id };
    }
    const dk = dedupHash(keys.dedupKey);
    const existing = this.dedup.get(dk);
    if (existing && existing.expiresAt > now && existing.id !== base.id) {
      this.counters.duplicates++;
      return { accepted: false, reason: 'duplicate', id: existing.id };
    }
    this.dedup.set(dk, { id: base.id, expiresAt: now + limits.dedupTtlMs });
    const sk = subscriberHash(keys.subscriber, this.secret);
    const window = (this.rate.get(sk) ?? []).filter((e) => e.at > now - this.rateWindowMs);
    const limited = limits.maxPerHour > 0 && window.length >= limits.maxPerHour;
    // Only alerts that may be sent count toward the hour.
    if (!limited) window.push({ id: base.id, at: now });
    this.rate.set(sk, window);
    // Re-inserted at the end (an abandoned record admitted afresh): the map stays in creation order.
    this.records.delete(base.id);
    this.records.set(base.id, {
      base,
      status: limited ? 'dead' : 'queued',
      attempts: 0,
      ...(limited ? { lastError: 'rate-limited' } : {}),
      messageIds: [],
      receipts: [],
      createdAt: now,
      updatedAt: now,
    });
    if (limited) {
      this.counters.rateLimited++;
      return { accepted: false, reason: 'rate-limited', id: base.id };
    }
    return { accepted: true, id: base.id };
  }

  async abandon(id: string, dedupKey: string, error: string): Promise<void> {
    await this.markFailed(id, '', error, true);
    this.dedup.delete(dedupHash(dedupKey));
  }

  async claim(id: string, token: string, ttlMs: number): Promise<ClaimResult> {
    const now = this.now();
    const e = this.live(id, now);
    if (!e) return { kind: 'missing' };
    if (SENT_STATUSES.has(e.status)) return { kind: 'sent' };
    if (e.status === 'dead') return { kind: 'dead' };
    const owner = this.claims.get(id);
    if (owner && owner.expiresAt > now && owner.token !== token) return { kind: 'busy', retryInMs: owner.expiresAt - now };
    this.claims.set(id, { token, expiresAt: now + ttlMs });
    e.attempts++;
    e.status = 'sending';
    e.updatedAt = now;
    return { kind: 'claimed', attempts: e.attempts };
  }

  async renewClaim(id: string, token: string, ttlMs: number): Promise<boolean> {
    const owner = this.claims.get(id);
    if (!owner || owner.token !== token || owner.expiresAt <= this.now()) return false;
    owner.expiresAt = this.now() + ttlMs;
    return true;
  }

  async markSent(id: string, token: string, result: SmsSendResult, subscriber: string): Promise<void> {
    const now = this.now();
    const e = this.live(id, now);
    if (!e) return;
    if (SENT_STATUSES.has(e.status)) {
      // A racing attempt sent too (the documented crash window): keep both ids so it shows.
      e.messageIds.push(...result.messageIds);
    } else {
      e.messageIds = [...result.messageIds];
      e.segments = result.segments;
      e.sentAt = now;
      e.status = 'sent';
    }
    e.updatedAt = now;
    for (const m of result.messageIds) this.byMessageId.set(m, id);
    if (this.claims.get(id)?.token === token) this.claims.delete(id);
    this.latest.set(subscriberHash(subscriber, this.secret), { id, expiresAt: e.createdAt + this.recordTtlMs });
    this.payloads.delete(id);
  }

  async markFailed(id: string, token: string, error: string, dead: boolean): Promise<boolean> {
    const now = this.now();
    const e = this.live(id, now);
    if (!e || (e.status !== 'queued' && e.status !== 'sending')) return false;
    e.lastError = error;
    e.status = dead ? 'dead' : 'queued';
    e.updatedAt = now;
    if (this.claims.get(id)?.token === token) this.claims.delete(id);
    return true;
  }

  async revive(id: string): Promise<boolean> {
    const now = this.now();
    const e = this.live(id, now);
    if (!e || e.status !== 'dead') return false;
    e.status = 'queued';
    e.attempts = 0;
    delete e.lastError;
    e.updatedAt = now;
    return true;
  }

  async recordReceipt(receipt: DeliveryReceipt): Promise<boolean> {
    const now = this.now();
    const id = this.byMessageId.get(receipt.messageId);
    const e = id === undefined ? undefined : this.live(id, now);
    if (!e) return false;
    e.receipts.push(receipt);
    e.status = nextStatusOnReceipt(e.status, receipt.status);
    e.updatedAt = now;
    return true;
  }

  async dispute(target: { id: string } | { subscriber: string }, via: 'sms' | 'api'): Promise<AlertRecord | undefined> {
    const now = this.now();
    let id: string | undefined;
    if ('id' in target) id = target.id;
    else {
      const l = this.latest.get(subscriberHash(target.subscriber, this.secret));
      id = l && l.expiresAt > now ? l.id : undefined;
    }
    const e = id === undefined ? undefined : this.live(id, now);
    if (!e) return undefined;
    if (!e.disputed) {
      e.disputed = { at: now, via };
      e.updatedAt = now;
      this.counters.disputed++;
    }
    return toRecord(e);
  }

  async get(id: string): Promise<AlertRecord | undefined> {
    const e = this.live(id, this.now());
    return e && toRecord(e);
  }

  async list(filter: { status?: AlertStatus; limit?: number } = {}): Promise<AlertRecord[]> {
    this.expire(this.now());
    const limit = filter.limit ?? LIST_LIMIT_DEFAULT;
    const out: AlertRecord[] = [];
    const all = [...this.records.values()];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const e = all[i]!;
      if (!filter.status || e.status === filter.status) out.push(toRecord(e));
    }
    return out;
  }

  async stats(): Promise<AlertQueueStats> {
    this.expire(this.now());
    const s: AlertQueueStats = { queued: 0, sending: 0, sent: 0, delivered: 0, undelivered: 0, dead: 0, ...this.counters };
    for (const e of this.records.values()) s[e.status]++;
    return s;
  }

  private live(id: string, now: number): Entry | undefined {
    const e = this.records.get(id);
    return e && e.createdAt + this.recordTtlMs > now ? e : undefined;
  }

  private expire(now: number): void {
    for (const [id, e] of this.records) {
      if (e.createdAt + this.recordTtlMs > now) break;
      this.records.delete(id);
      this.payloads.delete(id);
      this.claims.delete(id);
      for (const m of e.messageIds) this.byMessageId.delete(m);
    }
    for (const [k, d] of this.dedup) if (d.expiresAt <= now) this.dedup.delete(k);
    for (const [k, l] of this.latest) if (l.expiresAt <= now) this.latest.delete(k);
    for (const [k, w] of this.rate) if (!w.some((e) => e.at > now - this.rateWindowMs)) this.rate.delete(k);
  }
}

/**
 * Receipts move sent → delivered/undelivered. 'undelivered' is sticky: with one receipt per segment,
 * a single failed segment means the warning did not arrive whole. 'accepted'/'unknown' only append.
 */
export function nextStatusOnReceipt(current: AlertStatus, receipt: DeliveryReceipt['status']): AlertStatus {
  if (receipt === 'undelivered' && (current === 'sent' || current === 'delivered')) return 'undelivered';
  if (receipt === 'delivered' && current === 'sent') return 'delivered';
  return current;
}

function toRecord(e: Entry): AlertRecord {
  return {
    ...e.base,
    tactics: [...e.base.tactics],
    status: e.status,
    attempts: e.attempts,
    ...(e.lastError !== undefined ? { lastError: e.lastError } : {}),
    messageIds: [...e.messageIds],
    ...(e.segments !== undefined ? { segments: e.segments } : {}),
    receipts: e.receipts.map((r) => ({ ...r })),
    ...(e.disputed ? { disputed: { ...e.disputed } } : {}),
    ...(e.sentAt !== undefined ? { sentAt: e.sentAt } : {}),
    updatedAt: e.updatedAt,
  };
}
