/** The figures `callguard eval` prints, from replay results. */
import type { ReplayResult } from './replay.js';

const round = (x: number): number => Math.round(x * 10000) / 10000;

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export function evalMetrics(results: ReplayResult[], times: number[]) {
  const scams = results.filter((r) => r.label === 'scam');
  const legits = results.filter((r) => r.label === 'legit');
  const tp = scams.filter((r) => r.alertTurn !== undefined).length;
  const fp = legits.filter((r) => r.alertTurn !== undefined).length;
  const fn = scams.length - tp;
  const precision = tp + fp ? tp / (tp + fp) : 1;
  const recall = scams.length ? tp / scams.length : 0;
  const detected = scams.filter((r) => r.alertTurn !== undefined);
  const sortedTimes = [...times].sort((a, b) => a - b);
  const perCategory: Record<string, { n: number; recall: number }> = {};
  for (const r of scams) {
    const c = r.category ?? 'unknown';
    perCategory[c] ??= { n: 0, recall: 0 };
    perCategory[c].n++;
    if (r.alertTurn !== undefined) perCategory[c].recall++;
  }
  for (const c of Object.values(perCategory)) c.recall = round(c.recall / c.n);
  return {
    n: results.length,
    scams: scams.length,
    legits: legits.length,
    true_positives: tp,
    false_positives: fp,
    false_negatives: fn,
    precision: round(precision),
    recall: round(recall),
    f1: round(precision + recall ? (2 * precision * recall) / (precision + recall) : 0),
    fpr: round(legits.length ? fp / legits.length : 0),
    median_alert_turn: median(detected.map((r) => r.alertTurn as number)),
    alert_turn_fraction: median(detected.map((r) => (r.alertTurn as number) / Math.max(1, r.callerTurns))),
    p95_analysis_ms: sortedTimes.length ? round(sortedTimes[Math.min(sortedTimes.length - 1, Math.floor(0.95 * sortedTimes.length))] as number) : null,
    per_category_recall: perCategory,
    false_positive_ids: legits.filter((r) => r.alertTurn !== undefined).map((r) => r.id),
  };
}
