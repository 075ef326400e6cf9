/**
 * RFC 4028 session timers, UAS side: negotiation of Session-Expires / Min-SE / refresher for an
 * INVITE, re-INVITE or UPDATE (§9), and the refresh schedule when we are the refresher (§10).
 *
 * Division of labour with the engine:
 * - refresher = 'uac' (the SRC refreshes): this module only negotiates; the engine's call actor
 *   runs the expiry timer (every re-INVITE/UPDATE reaches it through `reoffer`) and calls
 *   `hangup(id, 'session-expired')` when a refresh is missed.
 * - refresher = 'uas' (we refresh): the adapter sends a body-less UPDATE at half the interval
 *   (§10 recommends refreshing at half). We cannot refresh with a re-INVITE: that needs an offer
 *   the port cannot produce. So we name 'uac' whenever §9 lets us choose (the SRC supports timer
 *   and named no refresher), honour 'uas' when the SRC insists (§9 table 2: its choice binds us)
 *   and refresh with UPDATE unless its Allow rules UPDATE out, and decline the timer altogether
 *   when the SRC does not support timers (so 'uas' would be forced) and cannot take an UPDATE.
 */
import { parseMinSE, parseSessionExpires, type SessionExpiresValue } from './header-values.js';
import type { SipHeaders } from './message.js';
import type { HeaderPair } from './serializer.js';
import type { TimerHandle, TimerSet } from './timers.js';
import type { SessionTimer } from '../types.js';

export interface TimerPolicy {
  /** Our Min-SE in seconds (RFC 4028 §5: at least 90 is recommended). */
  minSE: number;
  /** Interval we propose when the SRC supports timer but sent no Session-Expires. */
  defaultSessionExpires: number;
}

/** What a refresh request says about timers. */
export interface TimerRequest {
  sessionExpires?: SessionExpiresValue;
  minSE?: number;
  /** `timer` in Supported or Require (RFC 4028 §7.1). */
  uacSupportsTimer: boolean;
}

export type TimerDecision =
  | { kind: 'none' }
  /** RFC 4028 §6: 422 Session Interval Too Small, with our Min-SE. */
  | { kind: 'too-small'; minSE: number }
  | {
      kind: 'timer';
      timer: SessionTimer;
      /** RFC 4028 §9: Require: timer goes in the 2xx when the UAC supports it (mandatory for refresher=uac). */
      requireTimer: boolean;
      /** We are the refresher but cannot send a refresh (UPDATE ruled out by the SRC's Allow). */
      cannotRefresh: boolean;
    };

export interface NegotiationContext {
  /** The dialog's timer so far, on a refresh request. */
  current?: SessionTimer;
  /** Whether we can refresh as UAS: the SRC's Allow lists UPDATE, or it sent no Allow. */
  canUpdate: boolean;
}

export function timerRequestOf(headers: SipHeaders): TimerRequest {
  const out: TimerRequest = { uacSupportsTimer: false };
  const se = headers.get('session-expires');
  if (se !== undefined) {
    const parsed = parseSessionExpires(se);
    if (parsed) out.sessionExpires = parsed;
  }
  const minSe = headers.get('min-se');
  if (minSe !== undefined) {
    const parsed = parseMinSE(minSe);
    if (parsed !== null) out.minSE = parsed;
  }
  for (const name of ['supported', 'require']) {
    for (const tag of headers.list(name)) if (tag.toLowerCase() === 'timer') out.uacSupportsTimer = true;
  }
  return out;
}

/**
 * RFC 4028 §9. The interval is the SRC's (we never raise it; §9 forbids). On a refresh we answer
 * at most the current interval (§9 lets the UAS lower it, not below the request's Min-SE), so
 * the expiry the engine learnt from the initial INVITE never fires early.
 */
export function negotiateSessionTimer(req: TimerRequest, policy: TimerPolicy, ctx: NegotiationContext): TimerDecision {
  const se = req.sessionExpires;
  if (se && se.interval < policy.minSE) return { kind: 'too-small', minSE: Math.max(policy.minSE, req.minSE ?? 0) };
  let interval: number;
  if (se) {
    interval = se.interval;
    if (ctx.current && ctx.current.interval < interval) {
      interval = Math.min(se.interval, Math.max(ctx.current.interval, req.minSE ?? 0, policy.minSE));
    }
  } else if (req.uacSupportsTimer) {
    // §9: the UAS may add Session-Expires to the 2xx when the UAC supports timer.
    interval = ctx.current?.interval ?? Math.max(policy.defaultSessionExpires, req.minSE ?? 0, policy.minSE);
  } else {
    return { kind: 'none' };
  }
  // §9 table 2: the UAC's named refresher binds; with none named we choose 'uac' if it supports
  // timer; a UAC without timer support cannot refresh, so the UAS must.
  const refresher: 'uac' | 'uas' = se?.refresher ?? (req.uacSupportsTimer ? 'uac' : 'uas');
  if (refresher === 'uas' && !ctx.canUpdate && !req.uacSupportsTimer) return { kind: 'none' };
  return {
    kind: 'timer',
    timer: { interval, refresher },
    requireTimer: req.uacSupportsTimer,
    cannotRefresh: refresher === 'uas' && !ctx.canUpdate,
  };
}

/** Headers for a 2xx to a session refresh request (RFC 4028 §9). */
export function timerResponseHeaders(decision: TimerDecision): HeaderPair[] {
  if (decision.kind !== 'timer') return [];
  const out: HeaderPair[] = [['Session-Expires', `${decision.timer.interval};refresher=${decision.timer.refresher}`]];
  if (decision.requireTimer) out.push(['Require', 'timer']);
  return out;
}

/** The SRC's Allow, when present, decides whether UPDATE is usable (RFC 3261 §20.5: absent says nothing). */
export function allowsUpdate(headers: SipHeaders): boolean | undefined {
  if (!headers.has('allow')) return undefined;
  return headers.list('allow').some((m) => m.toUpperCase() === 'UPDATE');
}

export type RefreshResult =
  /** 2xx: the new interval, and whether we remain the refresher. */
  | { kind: 'refreshed'; interval: number; weRefresh: boolean }
  /** RFC 4028 §10: 408, 481 or no response: the session is over. */
  | { kind: 'fatal' }
  /** 405/501/420: the SRC cannot take our refresh; stop trying. */
  | { kind: 'unsupported' }
  /** Anything else (491, 500, …): the session stands; try again sooner. */
  | { kind: 'retry' };

/**
 * Sends refreshes at half the interval while we are the refresher (RFC 4028 §10). Owns one timer
 * in the shared TimerSet.
 */
export class UasRefreshSchedule {
  private handle: TimerHandle | null = null;
  private stopped = false;

  constructor(
    private readonly timers: TimerSet,
    private readonly refresh: () => Promise<RefreshResult>,
    private readonly onFatal: () => void,
    private readonly onStop: (why: 'unsupported' | 'peer-refreshes') => void,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** (Re)starts the schedule for an interval in seconds, counted from now. */
  start(intervalSeconds: number): void {
    if (this.stopped) return;
    this.handle?.cancel();
    this.handle = this.timers.set((intervalSeconds * 1000) / 2, () => void this.run(intervalSeconds));
  }

  private async run(intervalSeconds: number): Promise<void> {
    this.handle = null;
    if (this.stopped) return;
    let result: RefreshResult;
    try {
      result = await this.refresh();
    } catch {
      result = { kind: 'retry' };
    }
    if (this.stopped) return;
    try {
      this.after(result, intervalSeconds);
    } catch (err) {
      // Runs from a timer: report, never reject.
      this.onError(err);
    }
  }

  private after(result: RefreshResult, intervalSeconds: number): void {
    switch (result.kind) {
      case 'refreshed':
        if (result.weRefresh) this.start(result.interval);
        else {
          this.stop();
          this.onStop('peer-refreshes');
        }
        return;
      case 'fatal':
        this.stop();
        this.onFatal();
        return;
      case 'unsupported':
        this.stop();
        this.onStop('unsupported');
        return;
      case 'retry':
        // Half of what remains before expiry (a quarter of the interval), at least a second.
        this.handle = this.timers.set(Math.max(1000, (intervalSeconds * 1000) / 4), () => void this.run(intervalSeconds / 2));
        return;
    }
  }

  get active(): boolean {
    return this.handle?.active ?? false;
  }

  stop(): void {
    this.stopped = true;
    this.handle?.cancel();
    this.handle = null;
  }
}
