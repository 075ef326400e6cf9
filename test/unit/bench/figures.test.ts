/** The SIP benches' arithmetic (bench/figures.ts): what their JSON reports is only as right as this. */
import { describe, expect, it } from 'vitest';
import { cpuPercent, cpuUsPerCall, failedCalls, latency, median, namedRtts, ratio, sippCounters } from '../../../bench/figures.js';

describe('latency', () => {
  it('takes nearest-rank p50 and p99 and the max of unsorted times', () => {
    const times = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1
    expect(latency(times)).toEqual({ p50_ms: 51, p99_ms: 100, max_ms: 100 });
    expect(times[0]).toBe(100); // the caller's array is not sorted in place
  });
  it('is NaN without samples rather than 0 (a bench with no answers is not fast)', () => {
    const l = latency([]);
    expect([l.p50_ms, l.p99_ms, l.max_ms].every(Number.isNaN)).toBe(true);
  });
});

describe('CPU per call', () => {
  it('turns clock ticks (1/100 s) into microseconds per call', () => {
    expect(cpuUsPerCall(37, 100)).toBe(3700); // 0.37 s over 100 calls
    expect(cpuUsPerCall(1, 3)).toBe(3333.3);
    expect(cpuUsPerCall(5, 0)).toBeNaN();
  });
  it('turns ticks over wall time into percent of one core', () => {
    expect(cpuPercent(460, 5)).toBe(92);
    expect(cpuPercent(10, 0)).toBeNaN();
  });
  it('gives the ratio to the reference, NaN when the reference used no measurable CPU', () => {
    expect(ratio(3700, 108)).toBe(34.26);
    expect(ratio(3700, 0)).toBeNaN();
  });
  it('takes the median of the reference steps, skipping the unmeasured ones', () => {
    expect(median([120, NaN, 100, 110])).toBe(110);
    expect(median([100, 120])).toBe(110);
    expect(median([])).toBeNaN();
  });
});

describe("sipp's traces", () => {
  it('groups the rtt trace by timer name and skips its header', () => {
    const csv = 'Date_ms;response_time_ms;rtd_no\n104.001;3;answered\n212.001;8;refused\n304.001;1;answered\n\n';
    expect(namedRtts(csv)).toEqual({ answered: [3, 1], refused: [8] });
    expect(namedRtts('Date_ms;response_time_ms;rtd_no\n5.0;2;1\n')).toEqual({ 1: [2] });
  });
  it("reads the last row's cumulative counters, the scenario's own among them", () => {
    const csv = [
      'StartTime;OutgoingCall(P);OutgoingCall(C);SuccessfulCall(C);FailedCall(C);ResponseTimerefused(C);refused_503(C);retry_after(C)',
      '2026-12-07 00:19:41;5;5;4;0;00:00:00:002000;4;4',
      '2026-12-07 00:19:42;0;10;9;1;00:00:00:002000;6;5',
    ].join('\n');
    const c = sippCounters(`${csv}\n`);
    expect(c).toMatchObject({ OutgoingCall: 10, SuccessfulCall: 9, FailedCall: 1, refused_503: 6, retry_after: 5 });
    expect(c).not.toHaveProperty('ResponseTimerefused'); // a time, not a count
    expect(sippCounters('')).toEqual({});
  });
  it('counts calls sipp never finished as failed, and every call when it wrote no statistics', () => {
    expect(failedCalls(100, { SuccessfulCall: 100, FailedCall: 0 })).toBe(0);
    expect(failedCalls(100, { SuccessfulCall: 90, FailedCall: 4 })).toBe(10); // 6 cut off by -timeout
    expect(failedCalls(100, {})).toBe(100);
  });
});
