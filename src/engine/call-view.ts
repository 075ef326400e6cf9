/** A live call as the ops API shows it: no content, numbers masked. */
import { withoutContent } from '../../machines/call.js';
import { maskNumber } from '../log.js';
import { participantKey } from '../siprec/roles.js';
import type { CallStream } from '../../machines/call-types.js';
import type { LiveCall } from './live-call.js';
import type { CallSummary } from './types.js';

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** `streams`: the call's streams with live media numbers, when the caller read them (the local list does). */
export function summarise(call: LiveCall, node: string, streams?: CallStream[]): CallSummary {
  const ctx = call.actor.getSnapshot().context;
  return {
    id: call.id,
    sipCallId: ctx.sipCallId,
    node,
    state: call.actor.getSnapshot().value,
    subscriber: maskNumber(ctx.subscriber),
    participants: ctx.participants.map((p) => ({ id: p.id, role: p.role, number: maskNumber(participantKey(p)) })),
    streams: streams ?? ctx.streams,
    startedAt: iso(ctx.startedAt) as string,
    answeredAt: iso(ctx.answeredAt),
    lastRefreshAt: iso(ctx.lastRefreshAt),
    refreshes: ctx.refreshes,
    speech: ctx.speech,
    risk: { level: ctx.risk.level, score: ctx.risk.score, category: ctx.risk.category, alerted: ctx.risk.alerted },
  };
}

/** The actor's state value and persisted snapshot (ids, roles, codecs, ports, times: no content). */
export function callDetail(call: LiveCall, node: string): { summary: CallSummary; state: unknown; snapshot: unknown } {
  const snap = call.actor.getSnapshot();
  return { summary: summarise(call, node), state: snap.value, snapshot: maskInPlace(withoutContent(call.actor.getPersistedSnapshot())) };
}

/**
 * Like callDetail(), but the persisted snapshot (a deep copy, masked: a twentieth of a call's set-up
 * CPU) is built when first read — by the API, the event stream or the Redis write — and then kept.
 * A record nobody reads never builds it. It shows the call as it is at that read, never older.
 */
export function lazyCallDetail(call: LiveCall, node: string): { summary: CallSummary; state: unknown; readonly snapshot: unknown } {
  const snap = call.actor.getSnapshot();
  let snapshot: unknown;
  return {
    summary: summarise(call, node),
    state: snap.value,
    get snapshot(): unknown {
      return (snapshot ??= maskInPlace(withoutContent(call.actor.getPersistedSnapshot())));
    },
  };
}

/**
 * Persisted snapshots leave the process through the API: numbers masked, nothing else to hide.
 * Masks the copy withoutContent() just made, in place: a second deep copy per view cost as much.
 */
function maskInPlace(snapshot: unknown): unknown {
  const s = snapshot as { context?: { subscriber?: string; participants?: Array<{ number?: string; identity?: string; name?: string }> } };
  if (s.context) {
    if (s.context.subscriber) s.context.subscriber = maskNumber(s.context.subscriber);
    for (const p of s.context.participants ?? []) {
      if (p.number) p.number = maskNumber(p.number);
      if (p.identity) p.identity = maskNumber(p.identity);
      delete p.name;
    }
  }
  return s;
}
