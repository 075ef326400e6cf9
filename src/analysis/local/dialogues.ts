/**
 * Dataset helpers shared by the training script, the replay evaluation and the tests: a small RFC 4180
 * CSV reader and a splitter that turns a `Suspect: … Innocent: …` dialogue string into speaker turns.
 * Not used on the call path.
 */
import type { WindowTurn } from '../types.js';

/** Parses CSV text (quoted fields, doubled quotes, newlines inside quotes) into records keyed by header. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const header = rows.shift() ?? [];
  return rows
    .filter((r) => r.length > 1 || (r[0] ?? '') !== '')
    .map((r) => Object.fromEntries(header.map((h, i) => [h.trim(), r[i] ?? ''])));
}

const SPEAKER = /\b(Suspect|Innocent)\s*:/g;

/** Splits a dialogue string into turns; `Suspect` is the caller, `Innocent` the subscriber. */
export function splitDialogue(dialogue: string): WindowTurn[] {
  const turns: WindowTurn[] = [];
  const marks = [...dialogue.matchAll(SPEAKER)];
  for (let i = 0; i < marks.length; i++) {
    const m = marks[i]!;
    const start = (m.index ?? 0) + m[0].length;
    const end = i + 1 < marks.length ? (marks[i + 1]!.index ?? dialogue.length) : dialogue.length;
    const text = dialogue.slice(start, end).replace(/\s+/g, ' ').trim();
    if (!text) continue;
    turns.push({ speaker: m[1] === 'Suspect' ? 'caller' : 'subscriber', text });
  }
  return turns;
}

export interface LabelledDialogue {
  id: string;
  label: 0 | 1;
  type: string;
  turns: WindowTurn[];
}

export function dialoguesFromCsv(text: string, source: string): LabelledDialogue[] {
  return parseCsv(text)
    .map((r, i) => ({
      id: `${source}#${i}`,
      label: (r['labels']?.trim() === '1' ? 1 : 0) as 0 | 1,
      type: (r['type'] ?? '').trim(),
      turns: splitDialogue(r['dialogue'] ?? ''),
    }))
    .filter((d) => d.turns.length > 0);
}
