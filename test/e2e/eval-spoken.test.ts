/**
 * `callguard eval --spoken` end to end: two short scripted calls are synthesised with flite (rms for
 * the caller, slt for the subscriber), played as recorded calls into a private node started in this
 * process with the real offline recognizer (pocketsphinx) and the local analyzer, and scored by the
 * SMS the node sent. The scam call must be warned about while it is still up, the appointment call
 * not at all; the report carries the timing, the text replay beside it and the per-call rows. Nothing
 * the run started (node, decoders, synthesisers) outlives it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { spokenEvalCommand } from '../../src/eval/spoken/command.js';
import type { SpokenReport } from '../../src/eval/spoken/report.js';
import { runSpokenEval } from '../../src/eval/spoken/spoken-eval.js';
import type { CallProgress } from '../../src/eval/spoken/types.js';
import { DEFAULT_VOICES } from '../../src/eval/spoken/voices.js';
import { silentLogger } from '../../src/log.js';
import { OfflineRecognizerFactory } from '../../src/speech/offline/index.js';
import { requireBinary } from '../support/binaries.js';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/spoken/tiny.jsonl');
const ready =
  requireBinary('pocketsphinx_continuous', 'pocketsphinx') && requireBinary('flite', 'flite') && OfflineRecognizerFactory.available();

const dir = mkdtempSync(join(tmpdir(), 'cg-eval-spoken-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Processes below this one (the ps that lists them excluded). */
function descendants(): string[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,comm='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/, 3) as [string, string, string]);
  const mine = new Set([String(process.pid)]);
  const out: string[] = [];
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid, comm] of rows) {
      if (mine.has(ppid) && !mine.has(pid) && comm !== 'ps') {
        mine.add(pid);
        out.push(`${pid} ${comm}`);
        grew = true;
      }
    }
  }
  return out;
}

/** What the operator's shell may have set must not change what this test runs. */
const env = { ...process.env, CALLGUARD_SPEECH: 'offline', CALLGUARD_ANALYZER: 'local', CALLGUARD_CONFIG_FILE: '' };

describe.skipIf(!ready)('callguard eval --spoken', () => {
  it('warns during the scam call, not on the appointment call, and reports when', { timeout: 110_000 }, async () => {
    const cacheDir = join(dir, 'tts');
    const before = new Set(descendants());
    const progress: CallProgress[] = [];
    const report: SpokenReport = await runSpokenEval({
      data: [FIXTURE],
      voices: DEFAULT_VOICES,
      codec: 'pcmu',
      gapS: 0.7,
      leadInS: 1,
      tailS: 2,
      lossPct: 0,
      seed: 1,
      concurrency: 2,
      cacheDir,
      env,
      logger: silentLogger(),
      onProgress: (p) => progress.push(p),
    });

    expect(report).toMatchObject({ mode: 'spoken', recognizer: 'offline', analyzer: 'local', n: 2, scams: 1, legits: 1, errors: 0, aborted: false });
    expect(report.settings).toMatchObject({ voices: { caller: 'flite:rms', subscriber: 'flite:slt' }, codec: 'pcmu', loss_pct: 0, noise_snr_db: null, seed: 1 });
    expect(progress.map((p) => p.done).sort()).toEqual([1, 2]);
    expect(progress.every((p) => p.total === 2)).toBe(true);

    const scam = report.calls.find((c) => c.id === 'tax-gift-cards')!;
    const benign = report.calls.find((c) => c.id === 'dentist-appointment')!;
    // The scam: an SMS while the call was up, after the caller had finished at least one line.
    expect(scam).toMatchObject({ label: 'scam', category: 'government', alerted: true, textAlerted: true, textAlertTurn: 1, callerTurns: 2, firstCallerStartS: 1 });
    expect(scam.error).toBeUndefined();
    expect(scam.callerTurnsHeard).toBeGreaterThanOrEqual(1);
    expect(scam.alertAtS).toBeGreaterThan(scam.firstCallerStartS!);
    expect(scam.alertAtS).toBeLessThan(scam.durationS!);
    expect(scam.decisiveDelayMs).toBeGreaterThanOrEqual(0);
    expect(scam.alertCategory).toEqual(expect.any(String));
    expect(scam.explanation).toMatch(/^The caller .+\.$/);
    // The appointment: nothing, during the call or after it.
    expect(benign).toMatchObject({ label: 'legit', alerted: false, textAlerted: false });
    expect(benign.lateAlert).toBeUndefined();
    expect(benign.alertAtS).toBeUndefined();

    expect(report.spoken).toMatchObject({ recall: 1, fpr: 0, precision: 1, true_positives: 1, false_positives: 0, late_alerts: 0, false_alarms: [] });
    expect(report.spoken.alert_at_s.median).toBeCloseTo(scam.alertAtS!, 1);
    expect(report.spoken.alert_after_first_caller_turn_s.median).toBeCloseTo(scam.alertAtS! - 1, 1);
    expect(report.spoken.alert_turn_fraction).toBe(scam.callerTurnsHeard! / 2);
    expect(report.spoken.decisive_delay_ms.max).toBe(scam.decisiveDelayMs);
    expect(report.spoken.per_category).toEqual({ government: { n: 1, recall: 1, missed: [] } });
    expect(report.text).toMatchObject({ n: 2, recall: 1, fpr: 0 });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);

    // One WAV per distinct (voice, line): the scam line is said twice and synthesised once.
    const cached = readdirSync(cacheDir);
    expect(cached.filter((f) => f.endsWith('.wav'))).toHaveLength(5);
    expect(cached.filter((f) => !f.endsWith('.wav'))).toEqual([]);

    // The node, its decoders and the synthesisers are gone with the run.
    const until = Date.now() + 3000;
    let left = descendants().filter((p) => !before.has(p));
    while (left.length && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      left = descendants().filter((p) => !before.has(p));
    }
    expect(left).toEqual([]);
  });

  it('the command: usage errors and a missing voice engine are exit 2, before any node starts', async () => {
    const out = { stdout: '', stderr: '' };
    const sink = (k: keyof typeof out) =>
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          out[k] += chunk.toString();
          cb();
        },
      });
    const io = (extra: Record<string, string> = {}) => ({ stdout: sink('stdout'), stderr: sink('stderr'), env: { ...env, ...extra } });
    expect(await spokenEvalCommand(['--spoken'], io())).toBe(2);
    expect(out.stderr).toContain('--data is required');
    // espeak-ng is looked for on PATH: an empty directory has none.
    const savedPath = process.env.PATH;
    process.env.PATH = dir;
    try {
      const code = await spokenEvalCommand(['--spoken', '--data', FIXTURE, '--voices', 'caller=espeak-ng:en-us', '--cache', join(dir, 'c2')], io());
      expect(code).toBe(2);
    } finally {
      process.env.PATH = savedPath;
    }
    expect(out.stderr).toContain('apt-get install espeak-ng');
    expect(out.stdout).toBe('');
  });
});
