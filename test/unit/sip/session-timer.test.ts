/**
 * RFC 4028 negotiation (§9, table 2) and the refresh schedule used when we are the refresher.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SipHeaders } from '../../../src/sip/native/message.js';
import {
  negotiateSessionTimer,
  timerRequestOf,
  timerResponseHeaders,
  UasRefreshSchedule,
  type RefreshResult,
  type TimerRequest,
} from '../../../src/sip/native/session-timer.js';
import { TimerSet } from '../../../src/sip/native/timers.js';

const policy = { minSE: 90, defaultSessionExpires: 1800 };

function negotiate(req: TimerRequest, canUpdate = true, current?: { interval: number; refresher: 'uac' | 'uas' }) {
  return negotiateSessionTimer(req, policy, current ? { current, canUpdate } : { canUpdate });
}

describe('negotiateSessionTimer (RFC 4028 §9 table 2)', () => {
  it.each([
    ['UAC without timer, no refresher', { uacSupportsTimer: false, sessionExpires: { interval: 600 } }, 'uas', false],
    ['UAC with timer, refresher=uac', { uacSupportsTimer: true, sessionExpires: { interval: 600, refresher: 'uac' as const } }, 'uac', true],
    ['UAC with timer, refresher=uas', { uacSupportsTimer: true, sessionExpires: { interval: 600, refresher: 'uas' as const } }, 'uas', true],
    ['UAC with timer, no refresher: we pick uac', { uacSupportsTimer: true, sessionExpires: { interval: 600 } }, 'uac', true],
  ])('%s', (_name, req, refresher, requireTimer) => {
    const d = negotiate(req);
    expect(d).toEqual({ kind: 'timer', timer: { interval: 600, refresher }, requireTimer, cannotRefresh: false });
  });

  it('rejects an interval below our Min-SE with 422 carrying the larger Min-SE', () => {
    expect(negotiate({ uacSupportsTimer: true, sessionExpires: { interval: 30 } })).toEqual({ kind: 'too-small', minSE: 90 });
    expect(negotiate({ uacSupportsTimer: false, sessionExpires: { interval: 60 }, minSE: 120 })).toEqual({ kind: 'too-small', minSE: 120 });
  });

  it('adds our default interval when the UAC supports timer but sent no Session-Expires', () => {
    expect(negotiate({ uacSupportsTimer: true })).toMatchObject({ kind: 'timer', timer: { interval: 1800, refresher: 'uac' } });
    expect(negotiate({ uacSupportsTimer: true, minSE: 3600 })).toMatchObject({ timer: { interval: 3600 } });
  });

  it('uses no timer when the UAC neither supports it nor asks for one', () => {
    expect(negotiate({ uacSupportsTimer: false })).toEqual({ kind: 'none' });
  });

  it('declines when refresher=uas would be forced on a UAC that allows no UPDATE', () => {
    expect(negotiate({ uacSupportsTimer: false, sessionExpires: { interval: 600 } }, false)).toEqual({ kind: 'none' });
  });

  it('honours an insisted refresher=uas even when we cannot refresh, and says so', () => {
    expect(negotiate({ uacSupportsTimer: true, sessionExpires: { interval: 600, refresher: 'uas' } }, false)).toMatchObject({
      timer: { refresher: 'uas' },
      cannotRefresh: true,
    });
  });

  it('on a refresh never raises the interval above the current one, except to honour Min-SE', () => {
    const current = { interval: 600, refresher: 'uac' as const };
    expect(negotiate({ uacSupportsTimer: true, sessionExpires: { interval: 3600 } }, true, current)).toMatchObject({ timer: { interval: 600 } });
    expect(negotiate({ uacSupportsTimer: true, sessionExpires: { interval: 300 } }, true, current)).toMatchObject({ timer: { interval: 300 } });
    expect(negotiate({ uacSupportsTimer: true, sessionExpires: { interval: 3600 }, minSE: 1200 }, true, current)).toMatchObject({
      timer: { interval: 1200 },
    });
    expect(negotiate({ uacSupportsTimer: true }, true, current)).toMatchObject({ timer: { interval: 600 } });
  });

  it('reads Session-Expires (or x), Min-SE, and timer in Supported or Require', () => {
    const h = new SipHeaders();
    h.append('x', '1200 ; refresher = UAS');
    h.append('Min-SE', '120;foo=bar');
    h.append('Require', 'siprec, timer');
    expect(timerRequestOf(h)).toEqual({ sessionExpires: { interval: 1200, refresher: 'uas' }, minSE: 120, uacSupportsTimer: true });
  });

  it('writes Session-Expires with the refresher, and Require: timer only for a UAC that supports it', () => {
    expect(timerResponseHeaders(negotiate({ uacSupportsTimer: true, sessionExpires: { interval: 900 } }))).toEqual([
      ['Session-Expires', '900;refresher=uac'],
      ['Require', 'timer'],
    ]);
    expect(timerResponseHeaders(negotiate({ uacSupportsTimer: false, sessionExpires: { interval: 900 } }))).toEqual([
      ['Session-Expires', '900;refresher=uas'],
    ]);
  });
});

describe('UasRefreshSchedule', () => {
  let timers: TimerSet;
  beforeEach(() => {
    vi.useFakeTimers();
    timers = new TimerSet(() => undefined);
  });
  afterEach(() => {
    timers.clearAll();
    vi.useRealTimers();
  });

  function schedule(results: RefreshResult[]) {
    const calls: number[] = [];
    const events: string[] = [];
    const start = Date.now();
    const s = new UasRefreshSchedule(
      timers,
      async () => {
        calls.push(Date.now() - start);
        return results.shift() ?? { kind: 'retry' };
      },
      () => events.push('fatal'),
      (why) => events.push(why),
    );
    return { s, calls, events };
  }

  it('refreshes at half the interval, again after each success, and stops on fatal', async () => {
    const { s, calls, events } = schedule([
      { kind: 'refreshed', interval: 100, weRefresh: true },
      { kind: 'refreshed', interval: 60, weRefresh: true },
      { kind: 'fatal' },
    ]);
    s.start(100);
    await vi.advanceTimersByTimeAsync(49_999);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([50_000]);
    await vi.advanceTimersByTimeAsync(50_000);
    expect(calls).toEqual([50_000, 100_000]);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls).toEqual([50_000, 100_000, 130_000]);
    expect(events).toEqual(['fatal']);
    expect(timers.size).toBe(0);
  });

  it('retries sooner after a transient failure, and stops when the peer takes over or cannot take UPDATE', async () => {
    const a = schedule([{ kind: 'retry' }, { kind: 'refreshed', interval: 100, weRefresh: false }]);
    a.s.start(100);
    await vi.advanceTimersByTimeAsync(50_000 + 25_000);
    expect(a.calls).toEqual([50_000, 75_000]);
    expect(a.events).toEqual(['peer-refreshes']);
    expect(timers.size).toBe(0);

    const b = schedule([{ kind: 'unsupported' }]);
    b.s.start(10);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(b.events).toEqual(['unsupported']);
    expect(b.s.active).toBe(false);
  });

  it('stop() cancels the pending refresh', async () => {
    const { s, calls } = schedule([]);
    s.start(10);
    s.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual([]);
    expect(timers.size).toBe(0);
  });
});
