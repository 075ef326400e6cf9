/**
 * The command's inputs: flags with their defaults and limits, which conversations a run selects
 * (--ids, --limit per file and label, ids unique across files), and the bounded-concurrency runner.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSpokenArgs } from '../../../../src/eval/spoken/args.js';
import { loadConversations, selectConversations } from '../../../../src/eval/spoken/conversations.js';
import { forEachLimit } from '../../../../src/eval/spoken/pool.js';
import { subscriberNumber } from '../../../../src/eval/spoken/spoken-eval.js';
import type { Conversation } from '../../../../src/analysis/dataset.js';
import { normaliseNumber } from '../../../../src/siprec/numbers.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-spoken-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseSpokenArgs', () => {
  const env = { XDG_CACHE_HOME: '/xdg' };

  it('fills every default', () => {
    const parsed = parseSpokenArgs(['--spoken', '--data', 'a.jsonl'], env);
    expect(parsed).toEqual({
      help: false,
      json: false,
      options: {
        data: ['a.jsonl'],
        voices: { caller: { engine: 'flite', voice: 'rms' }, subscriber: { engine: 'flite', voice: 'slt' } },
        codec: 'pcmu',
        gapS: 0.7,
        leadInS: 1,
        tailS: 2,
        lossPct: 0,
        seed: 1,
        concurrency: 4,
        cacheDir: '/xdg/callguard/tts',
        env,
      },
    });
  });

  it('takes every option', () => {
    const parsed = parseSpokenArgs(
      // prettier-ignore
      ['--data', 'a.jsonl', '--data', 'b.csv', '--limit', '3', '--ids', 'x, y', '--voices', 'caller=espeak-ng:en-gb+m3', '--codec', 'g722',
       '--gap', '0.5', '--lead-in', '0', '--tail', '3', '--loss', '2.5', '--noise', '15', '--noise-color', 'white', '--seed', '9',
       '--concurrency', '2', '--analyzer', 'chain', '--cache', '/tmp/tts', '--json'],
      env,
    );
    expect(parsed).toMatchObject({
      json: true,
      options: {
        data: ['a.jsonl', 'b.csv'],
        limit: 3,
        ids: ['x', 'y'],
        voices: { caller: { engine: 'espeak-ng', voice: 'en-gb', variant: 'm3' }, subscriber: { engine: 'flite', voice: 'slt' } },
        codec: 'g722',
        gapS: 0.5,
        leadInS: 0,
        tailS: 3,
        lossPct: 2.5,
        noise: { snrDb: 15, color: 'white' },
        seed: 9,
        concurrency: 2,
        analyzer: 'chain',
        cacheDir: '/tmp/tts',
      },
    });
  });

  it('refuses bad flags with exit 2', () => {
    for (const argv of [
      [],
      ['--data', 'a', '--limit', '0'],
      ['--data', 'a', '--limit', 'x'],
      ['--data', 'a', '--loss', '101'],
      ['--data', 'a', '--codec', 'opus'],
      ['--data', 'a', '--concurrency', '0'],
      ['--data', 'a', '--seed', '-1'],
      ['--data', 'a', '--gap', ''],
      ['--data', 'a', '--noise-color', 'brown'],
      ['--data', 'a', '--analyzer', 'gpt'],
      ['--data', 'a', '--voices', 'caller=say:x'],
      ['--data', 'a', '--bogus'],
    ]) {
      expect(() => parseSpokenArgs(argv, env), argv.join(' ')).toThrow(expect.objectContaining({ code: 'EVAL_USAGE', exitCode: 2 }));
    }
    expect(parseSpokenArgs(['--help'], env)).toEqual({ help: true });
  });
});

describe('conversation selection', () => {
  const conv = (id: string, label: 'scam' | 'legit'): Conversation => ({ id, label, turns: [{ speaker: 'caller', text: `line ${id}` }] });
  const all = [conv('s1', 'scam'), conv('l1', 'legit'), conv('s2', 'scam'), conv('s3', 'scam'), conv('l2', 'legit'), conv('l3', 'legit')];

  it('--limit takes the first N of each label, in file order; --ids filters first', () => {
    expect(selectConversations(all, { limit: 2 }).map((c) => c.id)).toEqual(['s1', 'l1', 's2', 'l2']);
    expect(selectConversations(all, { ids: ['s3', 'l3', 'nope'] }).map((c) => c.id)).toEqual(['s3', 'l3']);
    expect(selectConversations(all, { ids: ['s2', 's3'], limit: 1 }).map((c) => c.id)).toEqual(['s2']);
    expect(selectConversations(all, {}).map((c) => c.id)).toEqual(all.map((c) => c.id));
  });

  it('reads several files (JSONL and CSV), limits per file, keeps ids unique, drops empty turns', async () => {
    const a = join(dir, 'a.jsonl');
    writeFileSync(a, `${JSON.stringify({ id: '1', label: 'scam', turns: [{ speaker: 'caller', text: 'pay' }, { speaker: 'subscriber', text: '  ' }] })}\n`);
    const b = join(dir, 'b.csv');
    writeFileSync(b, 'dialogue,type,labels\n"Suspect: hi. Innocent: who?",ssn,1\n"Suspect: hello",appointment,0\n"Suspect: again",ssn,1\n');
    const got = await loadConversations([a, b], { limit: 1 });
    expect(got.map((c) => [c.id, c.label, c.turns.length])).toEqual([
      ['1', 'scam', 1],
      ['b.csv:1', 'scam', 2],
      ['2', 'legit', 1],
    ]);
    await expect(loadConversations([join(dir, 'missing.jsonl')], {})).rejects.toMatchObject({ code: 'EVAL_DATASET_INVALID', exitCode: 2 });
  });

  it('gives each conversation its own protected number, a valid E.164 one', () => {
    const numbers = [0, 1, 9_999_999].map(subscriberNumber);
    expect(new Set(numbers).size).toBe(3);
    for (const n of numbers) expect(normaliseNumber(n, 'US')).toBe(n);
  });
});

describe('forEachLimit', () => {
  it('never runs more than the limit at once and runs every item', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (x) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5 + (x % 3) * 5));
      seen.push(x);
      running--;
    });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('starts nothing new after an abort or a failure, waits for those in flight, rethrows the failure', async () => {
    const abort = new AbortController();
    const started: number[] = [];
    await forEachLimit(
      [1, 2, 3, 4, 5],
      2,
      async (x) => {
        started.push(x);
        if (x === 2) abort.abort();
        await new Promise((r) => setTimeout(r, 5));
      },
      abort.signal,
    );
    expect(started).toEqual([1, 2]);

    const finished: number[] = [];
    await expect(
      forEachLimit([1, 2, 3, 4], 2, async (x) => {
        if (x === 1) throw new Error('boom');
        await new Promise((r) => setTimeout(r, 10));
        finished.push(x);
      }),
    ).rejects.toThrow('boom');
    expect(finished).toEqual([2]);
  });
});
