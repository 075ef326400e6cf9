import { readFileSync } from 'node:fs';
/**
 * Replay used by the tests and `npm run train -- --eval`: per conversation, feed the caller's turns one
 * by one (window = all turns so far, both speakers), and count an alert when the analyzer's level is
 * 'high' at any caller turn (approximates the escalation policy).
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDataset, type Conversation } from '../../../../src/analysis/dataset.js';
import type { LabelledDialogue } from '../../../../src/analysis/local/dialogues.js';
import type { LocalAnalyzer } from '../../../../src/analysis/local/local-analyzer.js';
import type { WindowTurn } from '../../../../src/analysis/types.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const sharedDataDir = resolve(repoRoot, '../shared/data/scam-dialogues');
export const hasSharedData = (): boolean => existsSync(sharedDataDir);

/** A JSONL fixture of test/fixtures/analysis, read as `callguard eval` reads it. */
export const loadFixture = (name: string): Conversation[] =>
  parseDataset(readFileSync(resolve(repoRoot, 'test/fixtures/analysis', name), 'utf8'), name);

export interface ConversationResult {
  id: string;
  label: 0 | 1;
  /** 1-based caller turn at which level first reached 'high'; undefined when never. */
  alertTurn?: number;
  maxScore: number;
}

export function replayConversation(analyzer: LocalAnalyzer, id: string, label: 0 | 1, turns: readonly WindowTurn[], times?: number[]): ConversationResult {
  let callerTurn = 0;
  let alertTurn: number | undefined;
  let maxScore = 0;
  for (let i = 0; i < turns.length; i++) {
    if (turns[i]!.speaker !== 'caller') continue;
    callerTurn++;
    const t0 = performance.now();
    const a = analyzer.analyzeSync({ window: turns.slice(0, i + 1) });
    times?.push(performance.now() - t0);
    maxScore = Math.max(maxScore, a.score);
    if (a.level === 'high' && alertTurn === undefined) alertTurn = callerTurn;
  }
  return { id, label, alertTurn, maxScore };
}

export interface SetReport {
  n: number;
  scams: number;
  legit: number;
  recall: number;
  fpr: number;
  medianAlertTurn: number;
  p95ms: number;
  results: ConversationResult[];
}

const quantile = (xs: number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

export function replaySet(analyzer: LocalAnalyzer, dialogues: readonly LabelledDialogue[]): SetReport {
  const times: number[] = [];
  const results = dialogues.map((d) => replayConversation(analyzer, d.id, d.label, d.turns, times));
  const scams = results.filter((r) => r.label === 1);
  const legit = results.filter((r) => r.label === 0);
  const caught = scams.filter((r) => r.alertTurn !== undefined);
  return {
    n: results.length,
    scams: scams.length,
    legit: legit.length,
    recall: scams.length ? caught.length / scams.length : NaN,
    fpr: legit.length ? legit.filter((r) => r.alertTurn !== undefined).length / legit.length : NaN,
    medianAlertTurn: quantile(caught.map((r) => r.alertTurn!), 0.5),
    p95ms: quantile(times, 0.95),
    results,
  };
}

export function formatReport(name: string, r: SetReport): string {
  return `${name}: n=${r.n} (scam ${r.scams}, legit ${r.legit}) recall=${r.recall.toFixed(3)} fpr=${r.fpr.toFixed(3)} medianAlertCallerTurn=${r.medianAlertTurn} p95=${r.p95ms.toFixed(3)}ms`;
}
