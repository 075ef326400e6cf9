/**
 * The spoken evaluation's figures from hand-made per-call rows: recall counts SMS during the call only,
 * a false alarm is any SMS on a legitimate call, errors count as neither, and the timing figures.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, progressLine } from '../../../../src/eval/spoken/format.js';
import { buildReport, median, percentile, spokenFigures } from '../../../../src/eval/spoken/report.js';
import type { CallRow } from '../../../../src/eval/spoken/types.js';
import { evalMetrics } from '../../../../src/eval/metrics.js';

const scam = (id: string, category: string, extra: Partial<CallRow> = {}): CallRow => ({
  id,
  label: 'scam',
  category,
  alerted: false,
  callerTurns: 4,
  firstCallerStartS: 1,
  textAlerted: true,
  ...extra,
});
const legit = (id: string, extra: Partial<CallRow> = {}): CallRow => ({ id, label: 'legit', category: 'appointment', alerted: false, callerTurns: 3, textAlerted: false, ...extra });

const rows: CallRow[] = [
  scam('s1', 'government', { alerted: true, alertAtS: 10, callerTurnsHeard: 2, decisiveDelayMs: 400 }),
  scam('s2', 'government', { alerted: true, alertAtS: 20, callerTurnsHeard: 4, decisiveDelayMs: 1200 }),
  scam('s3', 'tech-support', { alerted: true, alertAtS: 6, firstCallerStartS: 2, callerTurnsHeard: 1, decisiveDelayMs: 800 }),
  scam('s4', 'tech-support'),
  // Its SMS came after the BYE: a miss.
  scam('s5', 'government', { lateAlert: true }),
  legit('l1'),
  legit('l2', { alerted: true, alertAtS: 9, alertCategory: 'bank', explanation: 'The caller asks for a one-time code.' }),
  legit('l3', { lateAlert: true, alertCategory: 'delivery', explanation: 'The caller asks for a fee.' }),
  legit('l4'),
  // Not played: neither a hit nor a miss.
  scam('e1', 'government', { error: { code: 'SIMULATE_REJECTED', message: 'callguard answered 503 Service Unavailable' } }),
  legit('e2', { error: { code: 'SIMULATE_SIP_TIMEOUT', message: 'no answer' } }),
];

describe('percentiles', () => {
  it('nearest rank and the usual median', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([5], 0.95)).toBe(5);
    expect(percentile([3, 1, 2, 4], 0.5)).toBe(2);
    expect(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 0.95)).toBe(19);
    expect(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 1)).toBe(20);
    expect(median([3, 1, 2, 4])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe('spokenFigures', () => {
  const f = spokenFigures(rows);

  it('recall: SMS during the call; false alarms: any SMS on a legit call; errors left out', () => {
    expect(f).toMatchObject({ true_positives: 3, false_negatives: 2, false_positives: 2, late_alerts: 1 });
    expect(f.recall).toBe(0.6);
    expect(f.fpr).toBe(0.5);
    expect(f.precision).toBe(0.6);
  });

  it('alert times from the call start and from the first caller turn, the share of caller turns heard, the decisive delay', () => {
    expect(f.alert_at_s).toEqual({ median: 10, p95: 20 });
    // 10 - 1, 20 - 1, 6 - 2
    expect(f.alert_after_first_caller_turn_s).toEqual({ median: 9, p95: 19 });
    // 2/4, 4/4, 1/4
    expect(f.alert_turn_fraction).toBe(0.5);
    expect(f.decisive_delay_ms).toEqual({ p50: 800, p95: 1200, max: 1200 });
  });

  it('per-category recall with the missed ids, and every false alarm with its explanation', () => {
    expect(f.per_category).toEqual({
      government: { n: 3, recall: 0.6667, missed: ['s5'] },
      'tech-support': { n: 2, recall: 0.5, missed: ['s4'] },
    });
    expect(f.false_alarms).toEqual([
      { id: 'l2', category: 'appointment', alert_category: 'bank', explanation: 'The caller asks for a one-time code.', during_call: true },
      { id: 'l3', category: 'appointment', alert_category: 'delivery', explanation: 'The caller asks for a fee.', during_call: false },
    ]);
  });

  it('nothing detected: no timing figures, recall 0', () => {
    const none = spokenFigures([scam('x', 'ssn'), legit('y')]);
    expect(none).toMatchObject({ recall: 0, fpr: 0, precision: 1, alert_at_s: { median: null, p95: null }, alert_turn_fraction: null });
    expect(none.decisive_delay_ms).toEqual({ p50: null, p95: null, max: null });
  });
});

describe('buildReport and its text', () => {
  const report = buildReport(rows, {
    data: ['a.jsonl'],
    recognizer: 'offline',
    analyzer: 'local',
    settings: {
      voices: { caller: 'flite:rms', subscriber: 'flite:slt' },
      codec: 'pcmu',
      loss_pct: 2,
      noise_snr_db: 20,
      noise_color: 'pink',
      seed: 7,
      gap_s: 0.7,
      lead_in_s: 1,
      tail_s: 2,
      concurrency: 4,
      limit: null,
      ids: null,
    },
    aborted: false,
    elapsed_s: 61.234,
    text: evalMetrics([], []),
  });

  it('counts played calls and lists the errors apart', () => {
    expect(report).toMatchObject({ mode: 'spoken', n: 9, scams: 5, legits: 4, errors: 2, elapsed_s: 61.2 });
    expect(report.error_calls).toEqual([
      { id: 'e1', code: 'SIMULATE_REJECTED', message: 'callguard answered 503 Service Unavailable' },
      { id: 'e2', code: 'SIMULATE_SIP_TIMEOUT', message: 'no answer' },
    ]);
    expect(report.calls).toHaveLength(11);
  });

  it('prints spoken beside text, the settings, misses, false alarms and errors', () => {
    const text = formatReport(report);
    expect(text).toContain('9 calls (5 scam, 4 legit), 2 errors');
    expect(text).toContain('flite:rms');
    expect(text).toContain('loss 2%, pink noise at 20 dB SNR, seed 7');
    expect(text).toMatch(/recall\s+0\.6\s+0/);
    expect(text).toContain('missed: s4');
    expect(text).toContain('l2 (appointment): [bank] The caller asks for a one-time code.');
    expect(text).toContain('l3 (appointment) after the call');
    expect(text).toContain('e1: SIMULATE_REJECTED');
  });

  it('progress lines name the call and its outcome, never its words', () => {
    expect(progressLine({ done: 3, total: 12, row: rows[0]!, seconds: 31.25 })).toBe('[ 3/12] s1 (scam, government): alerted at 10.0 s (31.3 s)');
    expect(progressLine({ done: 1, total: 2, row: rows[9]!, seconds: 0.5 })).toContain('ERROR SIMULATE_REJECTED');
    expect(progressLine({ done: 1, total: 2, row: rows[3]!, seconds: 1 })).toContain('not alerted');
  });
});
