/**
 * Labelled conversations: JSONL (one conversation a line) or the CSV of ../shared/data/scam-dialogues/
 * (`Suspect:` = caller, `Innocent:` = subscriber). Read by `callguard eval` (src/eval/) and by the
 * analyzer's training and validation (local/dialogues.ts), so what is trained is what is replayed;
 * it lives here, below both, so neither imports upward.
 */
export interface Turn {
  speaker: 'caller' | 'subscriber';
  text: string;
}

export interface Conversation {
  id: string;
  label: 'scam' | 'legit';
  category?: string;
  turns: Turn[];
}

export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  readonly code = 'EVAL_DATASET_INVALID';
}

/** RFC 4180 CSV: quoted fields with "" escapes and embedded newlines. */
export function parseCsv(text: string): string[][] {
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
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** "Suspect: … Innocent: …" (inline or one per line) → turns. */
export function splitDialogue(dialogue: string): Turn[] {
  const turns: Turn[] = [];
  const re = /(Suspect|Innocent)\s*:/g;
  const marks = [...dialogue.matchAll(re)];
  marks.forEach((m, i) => {
    const start = (m.index ?? 0) + m[0].length;
    const end = i + 1 < marks.length ? (marks[i + 1]?.index ?? dialogue.length) : dialogue.length;
    const text = dialogue.slice(start, end).replace(/\s+/g, ' ').trim();
    if (text) turns.push({ speaker: m[1] === 'Suspect' ? 'caller' : 'subscriber', text });
  });
  return turns;
}

export function parseDataset(text: string, name = 'dataset'): Conversation[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    return trimmed
      .split('\n')
      .filter((l) => l.trim())
      .map((line, i) => {
        let c: Partial<Conversation>;
        try {
          c = JSON.parse(line) as Partial<Conversation>;
        } catch (err) {
          throw new DatasetError(`${name} line ${i + 1}: not JSON (${(err as Error).message})`);
        }
        if ((c.label !== 'scam' && c.label !== 'legit') || !Array.isArray(c.turns)) {
          throw new DatasetError(`${name} line ${i + 1}: needs "label": "scam"|"legit" and "turns"`);
        }
        return { id: String(c.id ?? i + 1), label: c.label, ...(c.category ? { category: c.category } : {}), turns: c.turns };
      });
  }
  const rows = parseCsv(text);
  const header = rows.shift() ?? [];
  const col = (n: string): number => header.indexOf(n);
  const [d, t, l] = [col('dialogue'), col('type'), col('labels')];
  if (d < 0 || l < 0) throw new DatasetError(`${name}: a CSV needs "dialogue" and "labels" columns`);
  return rows.map((r, i) => ({
    id: String(i + 1),
    label: r[l] === '1' ? 'scam' : 'legit',
    ...(t >= 0 && r[t] ? { category: r[t] } : {}),
    turns: splitDialogue(r[d] ?? ''),
  }));
}
