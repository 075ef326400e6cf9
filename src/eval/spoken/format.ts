/** The readable summary `callguard eval --spoken` prints without --json, and its progress lines. */
import type { SpokenReport } from './report.js';
import type { CallProgress } from './types.js';

const s = (x: number | null, unit: string): string => (x === null ? '–' : `${x}${unit}`);

/** One line per finished call: position, id, label, outcome, time. Never any of the call's words. */
export function progressLine(p: CallProgress): string {
  const r = p.row;
  const outcome = r.error
    ? `ERROR ${r.error.code}: ${r.error.message}`
    : r.alerted
      ? `alerted at ${r.alertAtS?.toFixed(1)} s`
      : r.lateAlert
        ? `alerted after the call`
        : 'not alerted';
  const width = String(p.total).length;
  return `[${String(p.done).padStart(width)}/${p.total}] ${r.id} (${r.label}${r.category ? `, ${r.category}` : ''}): ${outcome} (${p.seconds.toFixed(1)} s)`;
}

export function formatReport(r: SpokenReport): string {
  const sp = r.spoken;
  const st = r.settings;
  const lines = [
    `spoken eval${r.aborted ? ' (INTERRUPTED: partial)' : ''}: ${r.n} calls (${r.scams} scam, ${r.legits} legit), ${r.errors} errors, ${r.elapsed_s} s`,
    `  recognizer ${r.recognizer}, analyzer ${r.analyzer}; voices caller=${st.voices.caller} subscriber=${st.voices.subscriber}; ` +
      `${st.codec}, loss ${st.loss_pct}%, ${st.noise_snr_db === null ? 'no noise' : `${st.noise_color} noise at ${st.noise_snr_db} dB SNR`}, seed ${st.seed}`,
    '',
    '                 spoken    text',
    `  recall         ${String(sp.recall).padEnd(9)} ${r.text.recall}`,
    `  false alarms   ${String(sp.fpr).padEnd(9)} ${r.text.fpr}`,
    `  precision      ${String(sp.precision).padEnd(9)} ${r.text.precision}`,
    '',
    `  alert at: median ${s(sp.alert_at_s.median, ' s')}, p95 ${s(sp.alert_at_s.p95, ' s')} from the call's start; ` +
      `median ${s(sp.alert_after_first_caller_turn_s.median, ' s')}, p95 ${s(sp.alert_after_first_caller_turn_s.p95, ' s')} from the caller's first turn`,
    `  alert after ${s(sp.alert_turn_fraction, '')} of the caller's turns (median; text replay ${s(r.text.alert_turn_fraction, '')}); ` +
      `decisive turn to SMS p50 ${s(sp.decisive_delay_ms.p50, ' ms')}, p95 ${s(sp.decisive_delay_ms.p95, ' ms')}, max ${s(sp.decisive_delay_ms.max, ' ms')}`,
  ];
  if (sp.late_alerts) lines.push(`  ${sp.late_alerts} scam(s) alerted only after the call ended (counted as missed)`);
  const cats = Object.entries(sp.per_category);
  if (cats.length) {
    lines.push('', '  recall per category:');
    for (const [c, v] of cats) lines.push(`    ${c}: ${v.recall} of ${v.n}${v.missed.length ? ` (missed: ${v.missed.join(', ')})` : ''}`);
  }
  if (sp.false_alarms.length) {
    lines.push('', '  false alarms:');
    for (const f of sp.false_alarms) {
      lines.push(`    ${f.id} (${f.category ?? 'no category'})${f.during_call ? '' : ' after the call'}: [${f.alert_category ?? '?'}] ${f.explanation ?? ''}`);
    }
  }
  if (r.error_calls.length) {
    lines.push('', '  calls that could not be played:');
    for (const e of r.error_calls) lines.push(`    ${e.id}: ${e.code}: ${e.message}`);
  }
  return `${lines.join('\n')}\n`;
}
