import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Analysis, AnalysisInput, Analyzer } from '../../../src/analysis/types.js';
import { DatasetError, parseCsv, parseDataset, splitDialogue } from '../../../src/analysis/dataset.js';
import { evalCommand } from '../../../src/eval/eval-command.js';
import { evalMetrics } from '../../../src/eval/metrics.js';
import { replay } from '../../../src/eval/replay.js';

/** "high" once the caller has said "gift card"; "medium" on "tax". */
const keyword: Analyzer = {
  name: 'local',
  async analyze(input: AnalysisInput): Promise<Analysis> {
    const caller = input.window.filter((t) => t.speaker === 'caller').map((t) => t.text.toLowerCase()).join(' ');
    const level = caller.includes('gift card') ? 'high' : caller.includes('tax') ? 'medium' : 'none';
    return { score: level === 'high' ? 0.9 : 0.1, level, category: 'government', tactics: [], explanation: '', analyzer: 'local' };
  },
};

describe('eval datasets', () => {
  it('parses RFC 4180 CSV with quotes, escaped quotes and newlines in fields', () => {
    expect(parseCsv('a,b\n"x, ""y""\nz",2\r\n3,4\n')).toEqual([
      ['a', 'b'],
      ['x, "y"\nz', '2'],
      ['3', '4'],
    ]);
  });

  it('splits Suspect/Innocent dialogue, inline or one turn a line', () => {
    expect(splitDialogue('Suspect: Hi there.   Innocent: Who is this? Suspect: The IRS.')).toEqual([
      { speaker: 'caller', text: 'Hi there.' },
      { speaker: 'subscriber', text: 'Who is this?' },
      { speaker: 'caller', text: 'The IRS.' },
    ]);
    expect(splitDialogue('Innocent: Hello.\nSuspect: Yes ma\'am,\nare you there?')).toEqual([
      { speaker: 'subscriber', text: 'Hello.' },
      { speaker: 'caller', text: "Yes ma'am, are you there?" },
    ]);
  });

  it('reads the shared CSV columns and JSONL, and refuses bad input with a clear error', () => {
    const csv = parseDataset('dialogue,type,labels\n"Suspect: pay. Innocent: no.",ssn,1\n"Suspect: hi",appointment,0\n');
    expect(csv.map((c) => [c.label, c.category, c.turns.length])).toEqual([
      ['scam', 'ssn', 2],
      ['legit', 'appointment', 1],
    ]);
    const jsonl = parseDataset('{"id":"x","label":"legit","turns":[{"speaker":"caller","text":"hi"}]}\n');
    expect(jsonl[0]).toMatchObject({ id: 'x', label: 'legit' });
    expect(() => parseDataset('{"id":"x","label":"maybe","turns":[]}', 'f.jsonl')).toThrow(DatasetError);
    expect(() => parseDataset('{nope', 'f.jsonl')).toThrow(/f.jsonl line 1: not JSON/);
    expect(() => parseDataset('a,b\n1,2\n', 'f.csv')).toThrow(/dialogue/);
  });
});

describe('eval replay through the call machine', () => {
  it('alerts at the caller turn the policy reaches high, never on legit calls, and computes the figures', async () => {
    const data = parseDataset(
      [
        { id: 's1', label: 'scam', category: 'reward', turns: [{ speaker: 'caller', text: 'hello' }, { speaker: 'subscriber', text: 'hi' }, { speaker: 'caller', text: 'tax office' }, { speaker: 'caller', text: 'buy a gift card' }] },
        { id: 's2', label: 'scam', category: 'ssn', turns: [{ speaker: 'caller', text: 'hello' }, { speaker: 'caller', text: 'nothing' }] },
        { id: 'l1', label: 'legit', turns: [{ speaker: 'caller', text: 'your tax refund letter' }, { speaker: 'subscriber', text: 'a gift card for mom' }] },
      ]
        .map((c) => JSON.stringify(c))
        .join('\n'),
    );
    const times: number[] = [];
    const results = [];
    for (const c of data) results.push(await replay(c, keyword, times));
    expect(results.map((r) => [r.id, r.alertTurn])).toEqual([
      ['s1', 3],
      ['s2', undefined],
      ['l1', undefined], // the subscriber's words are not the caller's
    ]);
    const m = evalMetrics(results, times);
    expect(m).toMatchObject({ n: 3, scams: 2, legits: 1, precision: 1, recall: 0.5, fpr: 0, median_alert_turn: 3, alert_turn_fraction: 1 });
    expect(m.per_category_recall).toEqual({ reward: { n: 1, recall: 1 }, ssn: { n: 1, recall: 0 } });
    // One analysis per caller turn.
    expect(times).toHaveLength(6);
  });
});

describe('callguard eval --data, repeated', () => {
  it('measures every file given, not only the last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-eval-'));
    const line = (id: string, label: string, text: string) => JSON.stringify({ id, label, turns: [{ speaker: 'caller', text }] });
    writeFileSync(join(dir, 'scams.jsonl'), line('s1', 'scam', 'This is the IRS. Pay the back taxes today with gift cards or you will be arrested.') + '\n');
    writeFileSync(join(dir, 'legit.jsonl'), line('l1', 'legit', 'Hi, the dentist here, confirming Tuesday at three.') + '\n');
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      expect(await evalCommand(['--data', join(dir, 'scams.jsonl'), '--data', join(dir, 'legit.jsonl'), '--json'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(JSON.parse(out.join(''))).toMatchObject({ n: 2, scams: 1, legits: 1 });
  });
});
