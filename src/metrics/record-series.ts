/**
 * Copies a `{ label value: count }` record into a labelled metric at scrape time. The sources keep
 * cumulative counts, so the metric is rebuilt from them on every scrape instead of being
 * incremented on the hot path.
 */
import type { Counter, Gauge } from 'prom-client';

/** Label values kept per metric; the rest are summed under `other` (a free-text reason must not explode a series set). */
export const MAX_LABEL_VALUES = 64;

export function setFromRecord<L extends string>(
  metric: Counter<L> | Gauge<L>,
  label: L,
  record: Readonly<Partial<Record<string | number, number>>> | undefined,
  known: readonly string[] = [],
): void {
  metric.reset();
  // Known values first, at zero: a series that exists before its first event makes rate() and
  // absent() behave.
  const values = new Map<string, number>(known.map((k) => [k, 0]));
  for (const [key, n] of Object.entries(record ?? {})) {
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) continue;
    const name = values.has(key) || values.size < MAX_LABEL_VALUES ? key : 'other';
    values.set(name, (values.get(name) ?? 0) + n);
  }
  for (const [value, n] of values) {
    const labels = { [label]: value } as Partial<Record<L, string>>;
    if (isCounter(metric)) metric.inc(labels, n);
    else metric.set(labels, n);
  }
}

function isCounter<L extends string>(metric: Counter<L> | Gauge<L>): metric is Counter<L> {
  return !('set' in metric);
}
