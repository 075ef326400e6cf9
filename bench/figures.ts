/**
 * The arithmetic the SIP benches share, kept pure so it is unit-tested: latency summaries, CPU per
 * call from /proc clock ticks, and what sipp's rtt trace and statistics CSV say.
 */
import { percentile } from './proc.js';

/** Clock ticks per second of /proc/<pid>/stat utime and stime (USER_HZ, 100 on Linux). */
export const TICKS_PER_S = 100;

export interface Latency {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** p50, p99 and max of response times in any order; NaN when there are none. */
export function latency(times: readonly number[]): Latency {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50_ms: percentile(sorted, 50), p99_ms: percentile(sorted, 99), max_ms: sorted.at(-1) ?? NaN };
}

/** Microseconds of CPU per call from a tick count over `calls` calls, one decimal; NaN without calls. */
export function cpuUsPerCall(ticks: number, calls: number): number {
  if (!(calls > 0)) return NaN;
  return Math.round(((ticks / TICKS_PER_S) * 1e6 * 10) / calls) / 10;
}

/** Percent of one core from ticks over `seconds` of wall time. */
export function cpuPercent(ticks: number, seconds: number): number {
  return seconds > 0 ? Math.round((ticks / TICKS_PER_S / seconds) * 100) : NaN;
}

/** a / b to two decimals; NaN when b is not positive (a reference that used no measurable CPU). */
export function ratio(a: number, b: number): number {
  return b > 0 ? Math.round((a / b) * 100) / 100 : NaN;
}

export function median(values: readonly number[]): number {
  const s = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * sipp's `-trace_rtt` file (`Date_ms;response_time_ms;rtd`), grouped by timer name: a scenario with
 * `rtd="answered"` and `rtd="refused"` gets one list each (unnamed timers are "1").
 */
export function namedRtts(csv: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const line of csv.split('\n')) {
    const [date, ms, name = '1'] = line.trim().split(';');
    if (!date || !/^\d/.test(date) || ms === undefined) continue;
    (out[name] ??= []).push(Number(ms));
  }
  return out;
}

/**
 * The cumulative counters of sipp's `-trace_stat` file's last row: `SuccessfulCall`, `FailedCall`,
 * `OutgoingCall` and a scenario's own `counter="…"` names, without the `(C)` suffix.
 */
export function sippCounters(csv: string): Record<string, number> {
  const lines = csv.trim().split('\n');
  const header = (lines[0] ?? '').split(';');
  const last = (lines.at(-1) ?? '').split(';');
  const out: Record<string, number> = {};
  if (lines.length < 2) return out;
  header.forEach((name, i) => {
    const m = /^(.+)\(C\)$/.exec(name);
    const v = Number(last[i]);
    if (m && last[i] !== '' && !Number.isNaN(v)) out[m[1] as string] = v;
  });
  return out;
}

/**
 * Calls that did not end as the scenario says: sipp's failed calls, and the calls it never finished
 * (killed at its -timeout, never started) that count as neither successful nor failed.
 */
export function failedCalls(offered: number, counters: Record<string, number>): number {
  const ok = counters['SuccessfulCall'];
  if (ok === undefined) return offered;
  return Math.max(counters['FailedCall'] ?? 0, offered - ok);
}
