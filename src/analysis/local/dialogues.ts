/**
 * The labelled dialogues the training script, the replay harness and the dataset tests read, in
 * the shape they use. Parsing (CSV, `Suspect:`/`Innocent:` turns) is ../dataset.ts, shared with
 * `callguard eval`, so the model is trained on exactly what eval replays. Not used on the call path.
 */
import { parseDataset } from '../dataset.js';
import type { WindowTurn } from '../types.js';

export interface LabelledDialogue {
  id: string;
  label: 0 | 1;
  type: string;
  turns: WindowTurn[];
}

export function dialoguesFromCsv(text: string, source: string): LabelledDialogue[] {
  return parseDataset(text, source)
    .map((c, i) => ({ id: `${source}#${i}`, label: (c.label === 'scam' ? 1 : 0) as 0 | 1, type: c.category ?? '', turns: c.turns }))
    .filter((d) => d.turns.length > 0);
}
