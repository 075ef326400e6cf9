/**
 * Leave-one-source-out validation of the local analyzer (docs/analysis.md "Validation"):
 *
 *   npm run validate -- [--data <dir>] [--extra-weight 4] [--json]
 *
 * For each source of labelled calls, the text model is trained on every OTHER source (as
 * `npm run train` would, same weights and settings) and the held-out source is replayed caller turn by
 * caller turn through the local analyzer with those weights. Sources: the shared synthetic sets (held
 * out as a pair: trained without both *_train.csv, measured on both *_test.csv) and each family of our
 * own fixtures. Sets never trained on (the current report set, the real recorded calls) are measured
 * with the shipped training. The rules are the same in every fold: they were chosen on the sets marked
 * `rulesTuned` below, so only `report5` (and the shared test sets, for the rules) is a clean test of
 * them. Deterministic; about two minutes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dialoguesFromCsv, type LabelledDialogue } from '../src/analysis/local/dialogues.js';
import { DEFAULT_HASH_BITS } from '../src/analysis/local/features.js';
import { LocalAnalyzer } from '../src/analysis/local/local-analyzer.js';
import { replaySet } from '../test/unit/analysis/local/replay.js';
import { examplesOf, fit, toWeights } from './training.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(repoRoot, '../shared/data/scam-dialogues') },
    json: { type: 'boolean', default: false },
    /** As `npm run train -- --extra-weight`: to validate a candidate before training with it. */
    'extra-weight': { type: 'string', default: '4' },
  },
});
const dataDir = resolve(values.data!);
// The settings `npm run train` uses by default (scripts/train.ts).
const BITS = DEFAULT_HASH_BITS;
const EPOCHS = 6;
const MAX_PREFIX = 12;
const EXTRA_WEIGHT = Number(values['extra-weight']);

interface Source {
  name: string;
  /** Files trained on when the source is not held out. */
  train: string[];
  /** Files measured when it is held out. */
  test: string[];
  /** Whether the rules were chosen looking at this source (its figure then measures the model only). */
  rulesTuned: boolean;
}

const fixtures = (dir: string, prefix: string): string[] =>
  readdirSync(join(repoRoot, dir))
    .filter((f) => f.startsWith(prefix) && f.endsWith('.jsonl'))
    .sort()
    .map((f) => join(repoRoot, dir, f));

const SHARED_TRAIN = ['single-agent-scam-dialogue_train.csv', 'multi_agent_conversation_train.csv'].map((f) => join(dataDir, f));
const SHARED_TEST = ['single-agent-scam-dialogue_test.csv', 'multi_agent_conversation_test.csv'].map((f) => join(dataDir, f));

const OWN: Array<[string, string, string]> = [
  ['dev-real', 'test/fixtures/analysis', 'dev-real-'],
  ['dev2', 'test/fixtures/analysis', 'dev2-'],
  ['realistic', 'test/fixtures/analysis', 'realistic-'],
  ['hard-negatives', 'test/fixtures/analysis', 'hard-negatives'],
  ['scams', 'test/fixtures/analysis', 'scams.'],
  ['tune', 'test/fixtures/spoken', 'tune-'],
  ['heldout', 'test/fixtures/spoken', 'heldout-'],
  ['report', 'test/fixtures/spoken', 'report-'],
  ['report2', 'test/fixtures/spoken', 'report2-'],
  ['report3', 'test/fixtures/spoken', 'report3-'],
  ['report4', 'test/fixtures/spoken', 'report4-'],
];

const SOURCES: Source[] = [
  { name: 'shared synthetic (test files)', train: SHARED_TRAIN, test: SHARED_TEST, rulesTuned: false },
  ...OWN.map(([name, dir, prefix]) => {
    const files = fixtures(dir, prefix);
    return { name, train: files, test: files, rulesTuned: true };
  }),
];
/** Never trained on: measured with the full training. */
const UNSEEN: Array<{ name: string; files: string[] }> = [
  { name: 'report5 (report set, never trained on)', files: fixtures('test/fixtures/spoken', 'report5-') },
  { name: 'real recorded calls (youtube)', files: [join(dataDir, 'youtube_scam_conversations.csv')] },
];

const cache = new Map<string, LabelledDialogue[]>();
function load(file: string): LabelledDialogue[] {
  let d = cache.get(file);
  if (!d) {
    d = dialoguesFromCsv(readFileSync(file, 'utf8'), file);
    cache.set(file, d);
  }
  return d;
}

/** Weights trained on every source but `heldOut` (undefined: all of them). */
function trainWithout(heldOut: Source | undefined): LocalAnalyzer {
  const examples = [];
  for (const s of SOURCES) {
    if (s === heldOut) continue;
    const synthetic = s.train === SHARED_TRAIN;
    for (const f of s.train) examples.push(...examplesOf(load(f), BITS, MAX_PREFIX, synthetic ? 1 : EXTRA_WEIGHT));
  }
  const fitted = fit(examples, (1 << BITS) + 6, EPOCHS);
  return new LocalAnalyzer({ weights: toWeights(BITS, fitted, [], examples.length) });
}

interface Row {
  source: string;
  heldOut: boolean;
  rulesTuned: boolean;
  scams: number;
  recall: number;
  legit: number;
  falseAlarms: number;
  fpr: number;
  medianAlertTurn: number;
}

function measure(name: string, analyzer: LocalAnalyzer, files: string[], heldOut: boolean, rulesTuned: boolean): Row {
  const r = replaySet(analyzer, files.flatMap(load));
  const falseAlarms = r.results.filter((x) => x.label === 0 && x.alertTurn !== undefined).length;
  return { source: name, heldOut, rulesTuned, scams: r.scams, recall: r.recall, legit: r.legit, falseAlarms, fpr: r.fpr, medianAlertTurn: r.medianAlertTurn };
}

if (!existsSync(dataDir)) {
  console.error(`validate: ${dataDir} not found (the shared synthetic sets); give --data <dir>`);
  process.exit(2);
}
const rows: Row[] = [];
for (const s of SOURCES) {
  process.stderr.write(`fold: ${s.name} held out…\n`);
  rows.push(measure(s.name, trainWithout(s), s.test, true, s.rulesTuned));
}
const full = trainWithout(undefined);
for (const u of UNSEEN) if (u.files.every(existsSync) && u.files.length > 0) rows.push(measure(u.name, full, u.files, true, false));

if (values.json) {
  console.log(JSON.stringify({ rows }, null, 2));
} else {
  const pct = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(3));
  console.log('| source (held out) | rules tuned on it | scams | recall | legit | false alarms | median alert turn |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const fa = r.legit ? `${r.falseAlarms} (${(r.fpr * 100).toFixed(1)} %)` : '–';
    console.log(`| ${r.source} | ${r.rulesTuned ? 'yes' : 'no'} | ${r.scams} | ${pct(r.recall)} | ${r.legit} | ${fa} | ${Number.isNaN(r.medianAlertTurn) ? '–' : r.medianAlertTurn} |`);
  }
}
