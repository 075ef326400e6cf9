/**
 * `callguard eval --data FILE [--data FILE …] [--analyzer local|azure-openai|openai|chain] [--json]`: replays labelled
 * conversations through the real call machine and prints precision, recall, when the alert fired,
 * and how long analysis took. With `--spoken` the same conversations are spoken and played as
 * recorded calls into a real node instead (src/eval/spoken/).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { selectAnalyzer, type AnalyzerName } from '../analysis/select.js';
import { ANALYZER_NAMES, ConfigError, loadConfig } from '../config/index.js';
import { silentLogger } from '../log.js';
import { DatasetError, parseDataset } from '../analysis/dataset.js';
import { evalMetrics } from './metrics.js';
import { replay } from './replay.js';
import { spokenEvalCommand } from './spoken/command.js';

const USAGE =
  'usage: callguard eval --data FILE [--data FILE …] [--analyzer local|azure-openai|openai|chain] [--json]\n' +
  '       callguard eval --spoken --data FILE [--data FILE …] [options]   (callguard eval --spoken --help)';

export async function evalCommand(argv: string[]): Promise<number> {
  if (argv.includes('--spoken')) return spokenEvalCommand(argv);
  let values: { data?: string[]; analyzer?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      // --data repeats, as with --spoken: a set split in scam and legit files is measured together.
      options: { data: { type: 'string', multiple: true }, analyzer: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`callguard eval: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!values.data?.length) {
    process.stderr.write(`callguard eval: --data is required\n${USAGE}\n`);
    return 2;
  }
  const name = (values.analyzer ?? 'local') as AnalyzerName;
  if (!(ANALYZER_NAMES as readonly string[]).includes(name)) {
    process.stderr.write(`callguard eval: unknown analyzer "${name}"\n${USAGE}\n`);
    return 2;
  }
  const conversations = [];
  for (const file of values.data) {
    try {
      conversations.push(...parseDataset(await readFile(file, 'utf8'), file));
    } catch (err) {
      const msg = err instanceof DatasetError ? err.message : `cannot read ${file}: ${(err as Error).message}`;
      process.stderr.write(`callguard eval: ${msg}\n`);
      return 2;
    }
  }
  let analyzer;
  try {
    analyzer = selectAnalyzer(loadConfig(process.env), silentLogger(), name);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`callguard eval: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const times: number[] = [];
  const results = [];
  for (const c of conversations) results.push(await replay(c, analyzer, times));
  await analyzer.close?.();
  const metrics = { data: values.data.join(','), analyzer: name, ...evalMetrics(results, times) };
  if (values.json) process.stdout.write(`${JSON.stringify(metrics)}\n`);
  else {
    process.stdout.write(
      `${metrics.n} conversations (${metrics.scams} scam, ${metrics.legits} legit): precision ${metrics.precision}, recall ${metrics.recall}, ` +
        `fpr ${metrics.fpr}, median alert at caller turn ${metrics.median_alert_turn}, p95 analysis ${metrics.p95_analysis_ms} ms\n`,
    );
  }
  return 0;
}
