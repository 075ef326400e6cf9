/** Floors on the shared evaluation sets (skipped when ../shared is absent). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialoguesFromCsv } from '../../../../src/analysis/local/dialogues.js';
import { LocalAnalyzer } from '../../../../src/analysis/local/local-analyzer.js';
import { formatReport, hasSharedData, replaySet, sharedDataDir } from './replay.js';

const present = hasSharedData();
if (!present) console.warn(`skipping dataset floors: ${sharedDataDir} not found`);

describe.skipIf(!present)('local analyzer on the shared dialogue sets', () => {
  const analyzer = new LocalAnalyzer();
  const load = (f: string) => dialoguesFromCsv(readFileSync(join(sharedDataDir, f), 'utf8'), f);

  it.each(['single-agent-scam-dialogue_test.csv', 'multi_agent_conversation_test.csv'])('%s: recall ≥ 0.97, fpr ≤ 0.02', (f) => {
    const r = replaySet(analyzer, load(f));
    console.log(formatReport(f, r));
    expect(r.recall).toBeGreaterThanOrEqual(0.97);
    expect(r.fpr).toBeLessThanOrEqual(0.02);
  });

  // Held out: never trained or tuned on (docs/analysis.md says how the model's extra data was chosen).
  // 0.75, not 0.9: the extra-weight chosen leave-one-source-out (scripts/train.ts) trades two of these 20
  // calls for a quarter of the false alarms on a source the model never saw, and the model's shift of 1.5
  // one more for the shared fold's false alarms (3.4 → 1.9 %) (docs/analysis.md "Combining the two halves").
  it('youtube real calls: recall ≥ 0.75 over the whole call, median alert by caller turn 4', () => {
    const r = replaySet(analyzer, load('youtube_scam_conversations.csv'));
    console.log(formatReport('youtube', r));
    expect(r.scams).toBe(20);
    expect(r.recall).toBeGreaterThanOrEqual(0.75);
    expect(r.medianAlertTurn).toBeLessThanOrEqual(4);
  });
});
