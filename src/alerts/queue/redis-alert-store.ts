/**
 * AlertStore in Redis, shared by every node of a deployment. Each write is one Lua script, so dedup,
 * the rate window, claims and status moves are atomic across nodes. Single Redis (or a primary with
 * replicas) only: the scripts touch keys in different hash slots, which Redis Cluster would refuse.
 *
 * Key layout (p = keyPrefix, default 'callguard:'); every key has a TTL:
 *   p alert:<id>            HASH   the record (masked)                 recordTtl from enqueue (HSET keeps it)
 *   p alert:<id>:receipts   LIST   delivery receipts (JSON)            the record's remaining TTL
 *   p alert:<id>:claim      STRING token of the attempt sending it     claimTtl, renewed while sending
 *   p idx:all, p idx:<status> ZSET id → enqueue time, newest last     recordTtl, refreshed on write; members
 *                                                                      older than recordTtl are trimmed/ignored
 *   p stats                 HASH   duplicates, rateLimited, disputed   recordTtl, refreshed on write
 *   p dedup:<sha256(dedupKey)>       STRING alert id                   dedupTtl
 *   p rate:<hash(subscriber)>        ZSET   ids sent-eligible → time   the rate window (1 h)
 *   p latest:<hash(subscriber)>      STRING last alert sent to them    the record's remaining TTL
 *   p msg:<provider message id>      STRING alert id                   the record's remaining TTL
 * hash(subscriber) is SHA-256, or HMAC-SHA-256 with numberHashSecret: no key or value here holds an
 * unmasked number.
 */
import type { Redis } from 'ioredis';
import type { AlertQueueStats, AlertRecord, AlertStatus, DeliveryReceipt, EnqueueResult, SmsSendResult } from '../types.js';
import { dedupHash, subscriberHash, type AlertRecordBase } from './alert-record.js';
import { ALERT_STATUSES, LIST_LIMIT_DEFAULT, type AdmitKeys, type AdmitLimits, type AlertStore, type ClaimResult } from './alert-store.js';
import { ALERT_QUEUE_DEFAULTS } from './types.js';

export interface RedisAlertStoreOptions {
  keyPrefix?: string;
  recordTtlMs?: number;
  rateWindowMs?: number;
  numberHashSecret?: string;
}

/**
 * Shared by every mutating script. KEYS[1] = record, KEYS[2..7] = the status indexes in
 * ALERT_STATUSES order, KEYS[8] = stats; ARGV[1] = id, ARGV[2] = now, ARGV[3] = recordTtl.
 */
const PRELUDE = `
local STATUSES = {'queued', 'sending', 'sent', 'delivered', 'undelivered', 'dead'}
local id = ARGV[1]
local now = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local function setStatus(status)
  local score = tonumber(redis.call('HGET', KEYS[1], 'createdAt')) or now
  for i, s in ipairs(STATUSES) do
    if s == status then
      redis.call('ZADD', KEYS[i + 1], score, id)
      redis.call('PEXPIRE', KEYS[i + 1], ttl)
    else
      redis.call('ZREM', KEYS[i + 1], id)
    end
  end
  redis.call('HSET', KEYS[1], 'status', status, 'updatedAt', now)
end
local function count(field)
  redis.call('HINCRBY', KEYS[8], field, 1)
  redis.call('PEXPIRE', KEYS[8], ttl)
end
local function isSent(st)
  return st == 'sent' or st == 'delivered' or st == 'undelivered'
end
local function recordTtlLeft()
  local left = redis.call('PTTL', KEYS[1])
  if left <= 0 then return ttl end
  return left
end
`;

const SCRIPTS = {
  // KEYS[9] idx:all, KEYS[10] dedup, KEYS[11] rate; ARGV[4] base JSON, [5] dedupTtl, [6] maxPerHour, [7] window.
  // The same id again is idempotent, not a duplicate of itself: ioredis re-sends a script whose reply
  // was lost to a reconnect, and a caller may retry an enqueue that failed after the admit ran. It
  // answers what the first admit answered, so the caller (re)adds the BullMQ job under the same id.
  callguardAlertAdmit: `
local prior = redis.call('HGET', KEYS[1], 'status')
if prior then
  local lastError = redis.call('HGET', KEYS[1], 'lastError')
  if prior == 'dead' and lastError == 'rate-limited' then return {'rate-limited', id} end
  if prior ~= 'dead' or lastError ~= 'enqueue-failed' then return {'accepted', id} end
  -- abandoned because its job could not be queued (dedup key released): admit it afresh
  redis.call('DEL', KEYS[1])
end
local existing = redis.call('GET', KEYS[10])
if existing and existing ~= id then
  count('duplicates')
  return {'duplicate', existing}
end
redis.call('SET', KEYS[10], id, 'PX', ARGV[5])
local limited = false
local max = tonumber(ARGV[6])
if max > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[11], '-inf', now - tonumber(ARGV[7]))
  limited = redis.call('ZCARD', KEYS[11]) >= max
end
if not limited then
  -- only alerts that may be sent count toward the hour
  redis.call('ZADD', KEYS[11], now, id)
  redis.call('PEXPIRE', KEYS[11], ARGV[7])
end
-- indexes never point at records that have expired
for i = 2, 7 do redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - ttl) end
redis.call('ZREMRANGEBYSCORE', KEYS[9], '-inf', now - ttl)
redis.call('HSET', KEYS[1], 'base', ARGV[4], 'attempts', 0, 'messageIds', '[]', 'createdAt', now)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[9], now, id)
redis.call('PEXPIRE', KEYS[9], ttl)
if limited then
  redis.call('HSET', KEYS[1], 'lastError', 'rate-limited')
  setStatus('dead')
  count('rateLimited')
  return {'rate-limited', id}
end
setStatus('queued')
return {'accepted', id}
`,
  // KEYS[9] claim, KEYS[10] dedup; ARGV[4] error.
  callguardAlertAbandon: `
local st = redis.call('HGET', KEYS[1], 'status')
if st == 'queued' or st == 'sending' then
  redis.call('HSET', KEYS[1], 'lastError', ARGV[4])
  setStatus('dead')
end
redis.call('DEL', KEYS[9])
if redis.call('GET', KEYS[10]) == id then redis.call('DEL', KEYS[10]) end
return 1
`,
  // KEYS[9] claim; ARGV[4] token, [5] claimTtl.
  callguardAlertClaim: `
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {'missing'} end
if isSent(st) then return {'sent'} end
if st == 'dead' then return {'dead'} end
local owner = redis.call('GET', KEYS[9])
if owner and owner ~= ARGV[4] then return {'busy', redis.call('PTTL', KEYS[9])} end
redis.call('SET', KEYS[9], ARGV[4], 'PX', ARGV[5])
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
setStatus('sending')
return {'claimed', attempts}
`,
  // KEYS[9] claim, KEYS[10] latest, KEYS[11..] msg keys; ARGV[4] token, [5] messageIds JSON, [6] segments.
  callguardAlertSent: `
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return 0 end
if isSent(st) then
  -- a racing attempt sent too (the documented crash window): keep both ids so it shows
  local ids = cjson.decode(redis.call('HGET', KEYS[1], 'messageIds') or '[]')
  for _, m in ipairs(cjson.decode(ARGV[5])) do table.insert(ids, m) end
  if #ids > 0 then redis.call('HSET', KEYS[1], 'messageIds', cjson.encode(ids)) end
  redis.call('HSET', KEYS[1], 'updatedAt', now)
else
  redis.call('HSET', KEYS[1], 'messageIds', ARGV[5], 'segments', ARGV[6], 'sentAt', now)
  setStatus('sent')
end
if redis.call('GET', KEYS[9]) == ARGV[4] then redis.call('DEL', KEYS[9]) end
local left = recordTtlLeft()
for i = 11, #KEYS do redis.call('SET', KEYS[i], id, 'PX', left) end
redis.call('SET', KEYS[10], id, 'PX', left)
return 1
`,
  // KEYS[9] claim; ARGV[4] token, [5] error, [6] '1' = dead.
  callguardAlertFailed: `
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'queued' and st ~= 'sending' then return 0 end
redis.call('HSET', KEYS[1], 'lastError', ARGV[5])
if ARGV[6] == '1' then setStatus('dead') else setStatus('queued') end
if redis.call('GET', KEYS[9]) == ARGV[4] then redis.call('DEL', KEYS[9]) end
return 1
`,
  callguardAlertRevive: `
if redis.call('HGET', KEYS[1], 'status') ~= 'dead' then return 0 end
redis.call('HSET', KEYS[1], 'attempts', 0)
redis.call('HDEL', KEYS[1], 'lastError')
setStatus('queued')
return 1
`,
  // KEYS[9] receipts; ARGV[4] receipt JSON, [5] receipt status. 'undelivered' is sticky (one bad segment).
  callguardAlertReceipt: `
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return 0 end
redis.call('RPUSH', KEYS[9], ARGV[4])
redis.call('PEXPIRE', KEYS[9], recordTtlLeft())
local rs = ARGV[5]
if rs == 'undelivered' and (st == 'sent' or st == 'delivered') then
  setStatus('undelivered')
elseif rs == 'delivered' and st == 'sent' then
  setStatus('delivered')
else
  redis.call('HSET', KEYS[1], 'updatedAt', now)
end
return 1
`,
  // ARGV[4] via. Counted once per alert.
  callguardAlertDispute: `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], 'disputedAt') == 0 then
  redis.call('HSET', KEYS[1], 'disputedAt', now, 'disputedVia', ARGV[4], 'updatedAt', now)
  count('disputed')
end
return 1
`,
} as const;

type ScriptName = keyof typeof SCRIPTS;
type ScriptCall = (numKeys: number, ...keysAndArgs: Array<string | number>) => Promise<unknown>;

const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

export class RedisAlertStore implements AlertStore {
  private readonly p: string;
  private readonly recordTtlMs: number;
  private readonly rateWindowMs: number;
  private readonly secret: string | undefined;

  constructor(
    private readonly redis: Redis,
    opts: RedisAlertStoreOptions = {},
  ) {
    this.p = opts.keyPrefix ?? ALERT_QUEUE_DEFAULTS.keyPrefix;
    this.recordTtlMs = opts.recordTtlMs ?? ALERT_QUEUE_DEFAULTS.recordTtlMs;
    this.rateWindowMs = opts.rateWindowMs ?? ALERT_QUEUE_DEFAULTS.rateWindowMs;
    this.secret = opts.numberHashSecret;
    // defineCommand runs EVALSHA and falls back to EVAL after NOSCRIPT (e.g. after a Redis restart).
    for (const [name, body] of Object.entries(SCRIPTS)) redis.defineCommand(name, { lua: PRELUDE + body });
    redis.defineCommand('callguardAlertRenew', { lua: RENEW_SCRIPT });
  }

  /** Every key this store writes starts with this (BullMQ's sit under `<prefix>bull:`). */
  get keyPrefix(): string {
    return this.p;
  }

  async admit(base: AlertRecordBase, keys: AdmitKeys, limits: AdmitLimits): Promise<EnqueueResult> {
    const reply = (await this.run(
      'callguardAlertAdmit',
      base.id,
      [this.index('all'), this.k(`dedup:${dedupHash(keys.dedupKey)}`), this.k(`rate:${subscriberHash(keys.subscriber, this.secret)}`)],
      [JSON.stringify(base), limits.dedupTtlMs, limits.maxPerHour, this.rateWindowMs],
    )) as [string, string];
    const [kind, id] = reply;
    if (kind === 'duplicate') return { accepted: false, reason: 'duplicate', id };
    if (kind === 'rate-limited') return { accepted: false, reason: 'rate-limited', id };
    return { accepted: true, id };
  }

  async abandon(id: string, dedupKey: string, error: string): Promise<void> {
    await this.run('callguardAlertAbandon', id, [this.claimKey(id), this.k(`dedup:${dedupHash(dedupKey)}`)], [error]);
  }

  async claim(id: string, token: string, ttlMs: number): Promise<ClaimResult> {
    const reply = (await this.run('callguardAlertClaim', id, [this.claimKey(id)], [token, ttlMs])) as [string, number?];
    switch (reply[0]) {
      case 'claimed':
        return { kind: 'claimed', attempts: Number(reply[1]) };
      case 'sent':
        return { kind: 'sent' };
      case 'dead':
        return { kind: 'dead' };
      case 'busy':
        // PTTL can be -1/-2 if the claim vanished between GET and PTTL; retry soon then.
        return { kind: 'busy', retryInMs: Math.max(50, Number(reply[1])) };
      default:
        return { kind: 'missing' };
    }
  }

  async renewClaim(id: string, token: string, ttlMs: number): Promise<boolean> {
    return Number(await this.script('callguardAlertRenew')(1, this.claimKey(id), token, ttlMs)) === 1;
  }

  async markSent(id: string, token: string, result: SmsSendResult, subscriber: string): Promise<void> {
    await this.run(
      'callguardAlertSent',
      id,
      [this.claimKey(id), this.latestKey(subscriber), ...result.messageIds.map((m) => this.k(`msg:${m}`))],
      [token, JSON.stringify(result.messageIds), result.segments],
    );
  }

  async markFailed(id: string, token: string, error: string, dead: boolean): Promise<boolean> {
    return Number(await this.run('callguardAlertFailed', id, [this.claimKey(id)], [token, error, dead ? '1' : '0'])) === 1;
  }

  async revive(id: string): Promise<boolean> {
    return Number(await this.run('callguardAlertRevive', id, [], [])) === 1;
  }

  async recordReceipt(receipt: DeliveryReceipt): Promise<boolean> {
    const id = await this.redis.get(this.k(`msg:${receipt.messageId}`));
    if (!id) return false;
    const reply = await this.run('callguardAlertReceipt', id, [this.k(`alert:${id}:receipts`)], [JSON.stringify(receipt), receipt.status]);
    return Number(reply) === 1;
  }

  async dispute(target: { id: string } | { subscriber: string }, via: 'sms' | 'api'): Promise<AlertRecord | undefined> {
    const id = 'id' in target ? target.id : await this.redis.get(this.latestKey(target.subscriber));
    if (!id) return undefined;
    if (Number(await this.run('callguardAlertDispute', id, [], [via])) !== 1) return undefined;
    return this.get(id);
  }

  async get(id: string): Promise<AlertRecord | undefined> {
    const [rec] = await this.fetch([id]);
    return rec;
  }

  async list(filter: { status?: AlertStatus; limit?: number } = {}): Promise<AlertRecord[]> {
    const limit = filter.limit ?? LIST_LIMIT_DEFAULT;
    if (limit <= 0) return [];
    // '(' = exclusive: ids scored at or before now − recordTtl belong to expired records.
    const ids = await this.redis.zrevrangebyscore(this.index(filter.status ?? 'all'), '+inf', `(${Date.now() - this.recordTtlMs}`, 'LIMIT', 0, limit);
    const records = await this.fetch(ids);
    return records.filter((r): r is AlertRecord => r !== undefined && (!filter.status || r.status === filter.status));
  }

  async stats(): Promise<AlertQueueStats> {
    const floor = `(${Date.now() - this.recordTtlMs}`;
    const pipe = this.redis.pipeline();
    for (const s of ALERT_STATUSES) pipe.zcount(this.index(s), floor, '+inf');
    pipe.hgetall(this.k('stats'));
    const replies = (await pipe.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    const counts = replies.map(([, v]) => v);
    const counters = (counts[ALERT_STATUSES.length] ?? {}) as Record<string, string>;
    const byStatus = Object.fromEntries(ALERT_STATUSES.map((s, i) => [s, Number(counts[i] ?? 0)])) as Record<AlertStatus, number>;
    return {
      ...byStatus,
      duplicates: Number(counters['duplicates'] ?? 0),
      rateLimited: Number(counters['rateLimited'] ?? 0),
      disputed: Number(counters['disputed'] ?? 0),
    };
  }

  private async fetch(ids: readonly string[]): Promise<Array<AlertRecord | undefined>> {
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) {
      pipe.hgetall(this.k(`alert:${id}`));
      pipe.lrange(this.k(`alert:${id}:receipts`), 0, -1);
    }
    const replies = (await pipe.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    return ids.map((_, i) => {
      const hash = replies[2 * i]?.[1] as Record<string, string> | undefined;
      const receipts = (replies[2 * i + 1]?.[1] as string[] | undefined) ?? [];
      return hash && hash['base'] && hash['status'] ? parseRecord(hash, receipts) : undefined;
    });
  }

  private run(name: ScriptName, id: string, extraKeys: string[], extraArgs: Array<string | number>): Promise<unknown> {
    const keys = [this.k(`alert:${id}`), ...ALERT_STATUSES.map((s) => this.index(s)), this.k('stats'), ...extraKeys];
    return this.script(name)(keys.length, ...keys, id, Date.now(), this.recordTtlMs, ...extraArgs);
  }

  /** defineCommand adds methods ioredis' types cannot know about. */
  private script(name: ScriptName | 'callguardAlertRenew'): ScriptCall {
    const fn = (this.redis as unknown as Record<string, ScriptCall>)[name]!;
    return fn.bind(this.redis);
  }

  private k(suffix: string): string {
    return this.p + suffix;
  }

  private index(status: AlertStatus | 'all'): string {
    return this.k(`idx:${status}`);
  }

  private claimKey(id: string): string {
    return this.k(`alert:${id}:claim`);
  }

  private latestKey(subscriber: string): string {
    return this.k(`latest:${subscriberHash(subscriber, this.secret)}`);
  }
}

function parseRecord(h: Record<string, string>, receipts: string[]): AlertRecord {
  const base = JSON.parse(h['base']!) as AlertRecordBase;
  const messageIds = JSON.parse(h['messageIds'] ?? '[]') as unknown;
  return {
    ...base,
    status: h['status'] as AlertStatus,
    attempts: Number(h['attempts'] ?? 0),
    ...(h['lastError'] !== undefined ? { lastError: h['lastError'] } : {}),
    // cjson writes an empty Lua table as {}; only arrays are message ids.
    messageIds: Array.isArray(messageIds) ? messageIds.map(String) : [],
    ...(h['segments'] !== undefined ? { segments: Number(h['segments']) } : {}),
    receipts: receipts.map((r) => JSON.parse(r) as DeliveryReceipt),
    ...(h['disputedAt'] !== undefined ? { disputed: { at: Number(h['disputedAt']), via: h['disputedVia'] as 'sms' | 'api' } } : {}),
    ...(h['sentAt'] !== undefined ? { sentAt: Number(h['sentAt']) } : {}),
    updatedAt: Number(h['updatedAt'] ?? 0),
  };
}
