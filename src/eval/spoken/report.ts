/**
 * The spoken evaluation's figures from its per-call rows (pure): recall counts SMS sent during the
 * call; a false alarm is a legitimate call that got an SMS at all; calls that could not be played are
 * listed as errors and counted as neither. The text replay of the same calls sits beside it.
 */
import type { evalMetrics } from '../metrics.js';
import type { CallRow } from './types.js';

const round = (x: number, places = 4): number => Math.round(x * 10 ** places) / 10 ** places;

/** Nearest-rank percentile (p in 0..1) of unsorted values; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] as number;
}

export function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const maybe = (x: number | null, places?: number): number | null => (x === null ? null : round(x, places));

export interface SpokenFigures {
  true_positives: number;
  false_positives: number;
  false_negatives: number;
  /** Scams whose SMS came only after the call ended (counted as misses). */
  late_alerts: number;
  precision: number;
  recall: number;
  /** False-alarm rate: legitimate calls that got an SMS. */
  fpr: number;
  /** SMS time from the start of the call, seconds, over detected scams. */
  alert_at_s: { median: number | null; p95: number | null };
  /** SMS time from the start of the caller's first turn, seconds. */
  alert_after_first_caller_turn_s: { median: number | null; p95: number | null };
  /** Median share of the caller's turns heard (ended) when the SMS was sent. */
  alert_turn_fraction: number | null;
  /** End of the decisive caller turn to the SMS, ms. */
  decisive_delay_ms: { p50: number | null; p95: number | null; max: number | null };
  per_category: Record<string, { n: number; recall: number; missed: string[] }>;
  false_alarms: Array<{ id: string; category: string | null; alert_category: string | null; explanation: string | null; during_call: boolean }>;
}

export function spokenFigures(rows: readonly CallRow[]): SpokenFigures {
  const played = rows.filter((r) => !r.error);
  const scams = played.filter((r) => r.label === 'scam');
  const legits = played.filter((r) => r.label === 'legit');
  const hits = scams.filter((r) => r.alerted);
  const alarms = legits.filter((r) => r.alerted || r.lateAlert);
  const tp = hits.length;
  const fp = alarms.length;
  const precision = tp + fp ? tp / (tp + fp) : 1;

  const perCategory: SpokenFigures['per_category'] = {};
  for (const r of scams) {
    const c = (perCategory[r.category ?? 'unknown'] ??= { n: 0, recall: 0, missed: [] });
    c.n++;
    if (r.alerted) c.recall++;
    else c.missed.push(r.id);
  }
  for (const c of Object.values(perCategory)) c.recall = round(c.recall / c.n);

  const at = hits.flatMap((r) => (r.alertAtS !== undefined ? [r.alertAtS] : []));
  const afterFirst = hits.flatMap((r) => (r.alertAtS !== undefined && r.firstCallerStartS !== undefined ? [r.alertAtS - r.firstCallerStartS] : []));
  const fraction = hits.flatMap((r) => (r.callerTurnsHeard !== undefined && r.callerTurns > 0 ? [r.callerTurnsHeard / r.callerTurns] : []));
  const delays = hits.flatMap((r) => (r.decisiveDelayMs !== undefined ? [r.decisiveDelayMs] : []));
  return {
    true_positives: tp,
    false_positives: fp,
    false_negatives: scams.length - tp,
    late_alerts: scams.filter((r) => !r.alerted && r.lateAlert).length,
    precision: round(precision),
    recall: round(scams.length ? tp / scams.length : 0),
    fpr: round(legits.length ? fp / legits.length : 0),
    alert_at_s: { median: maybe(median(at), 2), p95: maybe(percentile(at, 0.95), 2) },
    alert_after_first_caller_turn_s: { median: maybe(median(afterFirst), 2), p95: maybe(percentile(afterFirst, 0.95), 2) },
    alert_turn_fraction: maybe(median(fraction), 2),
    decisive_delay_ms: {
      p50: maybe(percentile(delays, 0.5), 0),
      p95: maybe(percentile(delays, 0.95), 0),
      max: maybe(delays.length ? Math.max(...delays) : null, 0),
    },
    per_category: perCategory,
    false_alarms: alarms.map((r) => ({
      id: r.id,
      category: r.category ?? null,
      alert_category: r.alertCategory ?? null,
      explanation: r.explanation ?? null,
      during_call: r.alerted,
    })),
  };
}

export interface SpokenSettings {
  voices: { caller: string; subscriber: string };
  codec: string;
  loss_pct: number;
  noise_snr_db: number | null;
  noise_color: string | null;
  seed: number;
  gap_s: number;
  lead_in_s: number;
  tail_s: number;
  concurrency: number;
  limit: number | null;
  ids: string[] | null;
}

export interface SpokenReport {
  mode: 'spoken';
  data: string[];
  recognizer: string;
  analyzer: string;
  settings: SpokenSettings;
  /** Calls played (errors not counted). */
  n: number;
  scams: number;
  legits: number;
  errors: number;
  /** Ctrl-C: the figures cover the calls played before it. */
  aborted: boolean;
  elapsed_s: number;
  spoken: SpokenFigures;
  /** `callguard eval` (text replay) of the same calls with the same analyzer. */
  text: ReturnType<typeof evalMetrics>;
  calls: CallRow[];
  error_calls: Array<{ id: string; code: string; message: string }>;
}

export function buildReport(
  rows: readonly CallRow[],
  ctx: Pick<SpokenReport, 'data' | 'recognizer' | 'analyzer' | 'settings' | 'aborted' | 'elapsed_s' | 'text'>,
): SpokenReport {
  const played = rows.filter((r) => !r.error);
  return {
    mode: 'spoken',
    data: ctx.data,
    recognizer: ctx.recognizer,
    analyzer: ctx.analyzer,
    settings: ctx.settings,
    n: played.length,
    scams: played.filter((r) => r.label === 'scam').length,
    legits: played.filter((r) => r.label === 'legit').length,
    errors: rows.length - played.length,
    aborted: ctx.aborted,
    elapsed_s: round(ctx.elapsed_s, 1),
    spoken: spokenFigures(rows),
    text: ctx.text,
    calls: [...rows],
    error_calls: rows.flatMap((r) => (r.error ? [{ id: r.id, ...r.error }] : [])),
  };
}
