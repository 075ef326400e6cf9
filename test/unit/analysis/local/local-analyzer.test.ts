import { describe, expect, it } from 'vitest';
import { LocalAnalyzer } from '../../../../src/analysis/local/local-analyzer.js';
import type { WindowTurn } from '../../../../src/analysis/types.js';
import { loadFixture, replayConversation } from './replay.js';



const analyzer = new LocalAnalyzer();
const negatives = loadFixture('hard-negatives.jsonl');
const scams = loadFixture('scams.jsonl');

describe('LocalAnalyzer', () => {
  it('has enough fixtures', () => {
    expect(negatives.length).toBeGreaterThanOrEqual(12);
    expect(scams.length).toBeGreaterThanOrEqual(8);
  });

  it.each(negatives.map((f) => [f.id, f] as const))('hard negative %s never reaches high', (_id, f) => {
    for (let i = 0; i < f.turns.length; i++) {
      const a = analyzer.analyzeSync({ window: f.turns.slice(0, i + 1) });
      expect(a.level, `turn ${i}: ${a.explanation} (${a.score})`).not.toBe('high');
    }
  });

  it.each(scams.map((f) => [f.id, f] as const))('scam %s reaches high with its category', (_id, f) => {
    const r = replayConversation(analyzer, f.id, 1, f.turns);
    expect(r.alertTurn).toBeDefined();
    const final = analyzer.analyzeSync({ window: f.turns });
    expect(final.level).toBe('high');
    if (f.category) expect(final.category).toBe(f.category);
  });

  it('explains in one sentence naming the organisation and the demand', async () => {
    const window: WindowTurn[] = [
      { speaker: 'caller', text: 'This is the tax office. You owe back taxes.' },
      { speaker: 'subscriber', text: 'What? How do I pay?' },
      { speaker: 'caller', text: 'You must pay today with gift cards.' },
    ];
    const a = await analyzer.analyze({ window });
    expect(a).toMatchObject({ level: 'high', category: 'government', analyzer: 'local' });
    expect(a.explanation).toBe('The caller claims to be from the tax office, demands payment in gift cards and pressures you to act now.');
    expect(a.explanation.match(/[.!?]/g)).toHaveLength(1);
    expect(a.tactics).toEqual(expect.arrayContaining(['impersonation', 'payment']));
  });

  it('only the caller counts: the subscriber mentioning the IRS is not a scam', () => {
    const a = analyzer.analyzeSync({
      window: [
        { speaker: 'caller', text: 'Hi, it is your accountant returning your call.' },
        { speaker: 'subscriber', text: 'The IRS sent a letter; they want back taxes paid in gift cards or I will be arrested.' },
      ],
    });
    expect(a.level).toBe('none');
    expect(a.category).toBe('none');
  });

  it('returns a calm result for an empty window and honours abort', async () => {
    expect((await analyzer.analyze({ window: [] })).level).toBe('none');
    const ac = new AbortController();
    ac.abort();
    await expect(analyzer.analyze({ window: [] }, ac.signal)).rejects.toThrow();
  });

  it('DTMF is a mild signal only', () => {
    const window: WindowTurn[] = [{ speaker: 'caller', text: 'Hello, this is your bank.' }];
    const dtmf = '12345678'.split('').map((digit) => ({ digit, role: 'subscriber' as const }));
    const base = analyzer.analyzeSync({ window });
    const keyed = analyzer.analyzeSync({ window, dtmf });
    expect(keyed.score - base.score).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(keyed.level).not.toBe('high');
  });
});
