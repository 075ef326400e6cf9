/**
 * The development sets (test/fixtures/analysis/dev*-*.jsonl): hand-written calls in the style of real
 * recorded scams (ASR-like text, small talk and identity checks before the pitch, robocall openers,
 * calls that end before any demand) and legitimate look-alikes. Rules are developed against these, not
 * against the shared test or real-call sets, which stay held out.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalAnalyzer } from '../../../../src/analysis/local/local-analyzer.js';
import { loadFixture, replayConversation } from './replay.js';

const analyzer = new LocalAnalyzer();
const sets = ['dev-real', 'dev2'].filter((s) => existsSync(join(import.meta.dirname, '../../../fixtures/analysis', `${s}-scams.jsonl`)));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};

describe.each(sets)('LocalAnalyzer on the %s development calls', (set) => {
  const scams = loadFixture(`${set}-scams.jsonl`);
  const legit = loadFixture(`${set}-legit.jsonl`);

  it('has labelled fixtures of both kinds', () => {
    expect(scams.length).toBeGreaterThanOrEqual(24);
    expect(legit.length).toBeGreaterThanOrEqual(20);
    expect(scams.every((f) => f.label === 'scam')).toBe(true);
    expect(legit.every((f) => f.label === 'legit')).toBe(true);
  });

  it('alerts on at least 90% of the scams, by a median caller turn of 4 or earlier', () => {
    const turns = scams.map((f) => replayConversation(analyzer, f.id, 1, f.turns).alertTurn);
    const caught = turns.filter((t): t is number => t !== undefined);
    expect(caught.length / scams.length).toBeGreaterThanOrEqual(0.9);
    expect(median(caught)).toBeLessThanOrEqual(4);
  });

  it.each(legit.map((f) => [f.id, f] as const))('legit call %s never reaches high', (_id, f) => {
    for (let i = 0; i < f.turns.length; i++) {
      const a = analyzer.analyzeSync({ window: f.turns.slice(0, i + 1) });
      expect(a.level, `turn ${i}: ${a.explanation} (${a.score})`).not.toBe('high');
    }
  });
});
