/** The conversations a spoken evaluation plays: read from the data files, filtered, limited. */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { DatasetError, parseDataset, type Conversation } from '../../analysis/dataset.js';
import { SpokenEvalError } from './types.js';

export interface Selection {
  /** First N scams and N legit per file, in file order. */
  limit?: number;
  /** Only these ids (matched before the limit applies). */
  ids?: readonly string[];
}

/** Pure: the selection from one file's conversations, order kept. */
export function selectConversations(all: readonly Conversation[], sel: Selection): Conversation[] {
  const wanted = sel.ids ? new Set(sel.ids) : undefined;
  const taken = { scam: 0, legit: 0 };
  const out: Conversation[] = [];
  for (const c of all) {
    if (wanted && !wanted.has(c.id)) continue;
    if (sel.limit !== undefined && taken[c.label] >= sel.limit) continue;
    taken[c.label]++;
    out.push(c);
  }
  return out;
}

/**
 * Every file's selection, in the order given. Ids must name one call each in the report: an id seen
 * in an earlier file (CSV rows are numbered per file) gets the file's name in front.
 */
export async function loadConversations(files: readonly string[], sel: Selection): Promise<Conversation[]> {
  const out: Conversation[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    let all: Conversation[];
    try {
      all = parseDataset(await readFile(file, 'utf8'), file);
    } catch (err) {
      const msg = err instanceof DatasetError ? err.message : `cannot read ${file}: ${(err as Error).message}`;
      throw new SpokenEvalError('EVAL_DATASET_INVALID', msg, 2, { cause: err });
    }
    for (const c of selectConversations(all, sel)) {
      const turns = c.turns.filter((t) => t.text.trim() !== '');
      const id = seen.has(c.id) ? `${basename(file)}:${c.id}` : c.id;
      seen.add(id);
      out.push({ ...c, id, turns });
    }
  }
  return out;
}
