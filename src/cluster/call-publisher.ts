/**
 * Keeps the shared view of this node's calls current: each call's record in the registry (refreshed
 * well within its TTL, so a dead node's calls vanish), its recording state for failover, node
 * heartbeats, and the events the ops API streams. Store failures are logged and retried on the next
 * change or refresh; they never touch the call.
 */
import type { Engine, EngineCallEvent } from '../engine/index.js';
import type { Logger } from '../log.js';
import type { ClusterEvent, LiveCallRecord, StateStore } from '../state/types.js';

export interface CallPublisherOptions {
  engine: Engine;
  store: StateStore;
  nodeId: string;
  logger: Logger;
  /** A call's registry record lives this long without a refresh. */
  callTtlMs: number;
  /** A recording's risk state is kept this long after its last change. */
  recordingTtlMs: number;
  now?: () => number;
}

/** How long a call's updates wait to go out together: well under what an operator notices. */
const UPDATE_COALESCE_MS = 100;

/**
 * Records a refresh builds per turn of the event loop. Building every live call's record at once held
 * the loop 20–40 ms every 10 s at 1,000 calls (the mixed bench), and grows with the calls.
 */
export const REFRESH_SLICE = 64;

/** A third of the TTL: two refreshes can be lost before another node stops showing the call. */
export const refreshIntervalMs = (callTtlMs: number): number => Math.max(500, Math.floor(callTtlMs / 3));

export class CallPublisher {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;
  private readonly startedAt: number;
  /** Last persisted (risk level, alerted) per call, so recording state is written on change only. */
  private readonly lastRisk = new Map<string, string>();
  private readonly inflight = new Set<Promise<unknown>>();
  /** The tail of each live call's event chain. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Calls changed since the last flush: their updates go out together, once each. */
  private readonly dirty = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: CallPublisherOptions) {
    this.log = opts.logger.child({ mod: 'cluster' });
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    opts.engine.onCallEvent = (e) => this.onEngineEvent(e);
    this.timer = setInterval(() => this.track(this.refresh()), refreshIntervalMs(opts.callTtlMs));
    this.timer.unref();
    this.track(this.refresh());
  }

  /** Publishes an event to every node's /v1/events (alerts come through here too). */
  publish(event: ClusterEvent): void {
    this.track(
      this.opts.store.publish(event).catch((err: unknown) => this.log.warn({ err, type: event.type }, 'event not published')),
    );
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.opts.engine.onCallEvent = undefined;
    this.flush();
    await Promise.allSettled([...this.inflight]);
  }

  /**
   * A call's start and end are written at once; its updates (state, risk, holds: several in its
   * first second) are coalesced for UPDATE_COALESCE_MS, so each is built, masked and written once.
   * An update still waiting when the call ends is dropped: the end says more.
   */
  private onEngineEvent(e: EngineCallEvent): void {
    if (e.type === 'updated') {
      this.dirty.add(e.callId);
      if (!this.flushTimer) {
        this.flushTimer = setTimeout(() => this.flush(), UPDATE_COALESCE_MS);
        this.flushTimer.unref();
      }
      return;
    }
    this.dirty.delete(e.callId);
    this.track(this.onCallEvent(e));
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const callId of this.dirty) this.track(this.onCallEvent({ type: 'updated', callId }));
    this.dirty.clear();
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch((err: unknown) => this.log.warn({ err }, 'cluster update failed')).finally(() => this.inflight.delete(q));
    this.inflight.add(q);
  }

  /**
   * One chain per call: a call's events are written and published in the order they happened, so an
   * update still being written cannot be published after the call's end.
   */
  private onCallEvent(e: EngineCallEvent): Promise<void> {
    const prev = this.chains.get(e.callId) ?? Promise.resolve();
    const next = prev.then(() => this.apply(e), () => this.apply(e));
    if (e.type === 'ended') {
      const done = next.finally(() => {
        if (this.chains.get(e.callId) === done) this.chains.delete(e.callId);
      });
      this.chains.set(e.callId, done);
      return done;
    }
    this.chains.set(e.callId, next);
    return next;
  }

  private async apply(e: EngineCallEvent): Promise<void> {
    const { store, nodeId } = this.opts;
    if (e.type === 'ended') {
      this.lastRisk.delete(e.callId);
      await store.removeCall(e.callId);
      await store.publish({ type: 'call.ended', node: nodeId, at: this.now(), callId: e.callId, reason: e.reason });
      return;
    }
    const record = this.recordOf(e.callId);
    if (!record) return;
    await Promise.all([store.putCall(record, this.opts.callTtlMs), this.persistRisk(e.callId)]);
    await store.publish({ type: e.type === 'started' ? 'call.started' : 'call.updated', node: nodeId, at: this.now(), call: record });
  }

  /** Writes the recording state (under every key the recording is known by) when the risk, the alerted flag or the keys changed. */
  private async persistRisk(callId: string): Promise<void> {
    const states = this.opts.engine.recordingStatesOf(callId);
    const first = states[0];
    if (!first) return;
    const sig = `${first.risk.level}|${first.alertAnnounced}|${states.length}`;
    if (this.lastRisk.get(callId) === sig) return;
    // The first write of a call with no risk yet is skipped: there is nothing to carry over.
    if (!this.lastRisk.has(callId) && first.risk.level === 'none' && !first.alertAnnounced) {
      this.lastRisk.set(callId, sig);
      return;
    }
    await Promise.all(states.map((st) => this.opts.store.putRecording(st, this.opts.recordingTtlMs)));
    this.lastRisk.set(callId, sig);
  }

  private recordOf(callId: string): LiveCallRecord | undefined {
    const call = this.opts.engine.viewOf(callId);
    if (!call) return undefined;
    return {
      id: callId,
      node: this.opts.nodeId,
      // CallSummary is a plain JSON object; the store keeps it opaque (it does not depend on the engine).
      summary: call.summary as unknown as Record<string, unknown>,
      state: call.state,
      // Read through: the view builds the snapshot only when someone reads (or serialises) it.
      get snapshot(): unknown {
        return call.snapshot;
      },
      updatedAt: this.now(),
    };
  }

  /** Every live call's record again (its TTL restarts) and the heartbeat, REFRESH_SLICE records a turn. */
  private async refresh(): Promise<void> {
    const ids = this.opts.engine.callIds();
    const writes: Array<Promise<void>> = [
      this.opts.store.heartbeat({ id: this.opts.nodeId, startedAt: this.startedAt, calls: ids.length }, this.opts.callTtlMs),
    ];
    for (let i = 0; i < ids.length; i += REFRESH_SLICE) {
      if (i > 0) await new Promise((r) => setImmediate(r));
      for (const id of ids.slice(i, i + REFRESH_SLICE)) {
        // A call that ended meanwhile has no record to refresh (its removal is already under way).
        const r = this.recordOf(id);
        if (r) writes.push(this.opts.store.putCall(r, this.opts.callTtlMs));
      }
    }
    await Promise.all(writes);
  }
}
