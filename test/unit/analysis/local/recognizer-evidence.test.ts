/**
 * Confirmed and unconfirmed recognizer evidence, on recorded decoder output: what pocketsphinx
 * (`-time yes`, continuous decoding with the node's settings) printed for synthesised calls
 * (test/fixtures/speech/decoder-output/, flite rms). In the school nurse's call it heard "one hundred
 * point four" as "one hundred warrant for", with a posterior of 0.15.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalAnalyzer } from '../../../../src/analysis/local/local-analyzer.js';
import { hitConfidence, HIT_CONFIDENCE, speakerThreshold, weighHits } from '../../../../src/analysis/local/recognizer-evidence.js';
import { detectCallerTactics } from '../../../../src/analysis/local/tactics.js';
import { createRiskState, nextRisk } from '../../../../src/analysis/policy.js';
import type { WindowTurn } from '../../../../src/analysis/types.js';
import { DecoderOutputParser, type RawUtterance } from '../../../../src/speech/offline/pocketsphinx-process.js';

const DIR = join(import.meta.dirname, '../../../fixtures/speech/decoder-output');

/** The recorded output as the caller's window turns, one per decoder utterance. */
function recorded(name: string): WindowTurn[] {
  const utts: RawUtterance[] = [];
  const parser = new DecoderOutputParser((u) => utts.push(u));
  for (const line of readFileSync(join(DIR, `${name}.txt`), 'utf8').split('\n')) parser.line(line);
  parser.flush();
  return utts.map((u) => ({
    speaker: 'caller',
    text: u.words.map((w) => w.word).join(' '),
    source: 'offline',
    words: u.words.map((w) => ({ word: w.word, confidence: w.posterior })),
  }));
}

/** Runs the call's analyses turn by turn through the escalation policy: whether it alerted. */
function alerts(analyzer: LocalAnalyzer, turns: WindowTurn[]): boolean {
  let state = createRiskState();
  for (let i = 1; i <= turns.length; i++) {
    const r = nextRisk(state, analyzer.analyzeSync({ window: turns.slice(0, i) }));
    state = r.state;
    if (r.alert) return true;
  }
  return false;
}

const analyzer = new LocalAnalyzer();

describe('recognizer evidence on recorded decoder output', () => {
  it('a misheard "warrant" the decoder was unsure of is a hint, not a threat', () => {
    const turns = recorded('dev-legit-school-nurse-fever');
    const hits = detectCallerTactics(turns.map((t) => t.text));
    const warrant = hits.find((h) => h.match === 'warrant')!;
    expect(warrant).toBeDefined();
    expect(hitConfidence(warrant, turns[warrant.turn!]!)).toBeLessThan(HIT_CONFIDENCE);
    const weighed = weighHits(hits, turns);
    expect(weighed.confirmed).not.toContain(warrant);
    const { analysis, evidence } = analyzer.explain({ window: turns });
    expect(evidence.unconfirmed.map((h) => h.evidence)).toContain('threat');
    expect(analysis.tactics).not.toContain('urgency');
    expect(analysis.explanation).not.toMatch(/arrest/);
    expect(alerts(analyzer, turns)).toBe(false);
  });

  it('the same words as a script (or a cloud recognizer) count as said', () => {
    const asText = recorded('dev-legit-school-nurse-fever').map((t) => ({ speaker: t.speaker, text: t.text }));
    expect(analyzer.explain({ window: asText }).analysis.explanation).toMatch(/threatens arrest/);
    const asAzure = recorded('dev-legit-school-nurse-fever').map((t) => ({ ...t, source: 'azure' as const }));
    expect(analyzer.explain({ window: asAzure }).evidence.unconfirmed).toEqual([]);
  });

  it('an unsure hit heard again in another caller turn is corroborated', () => {
    const turns = recorded('dev-legit-school-nurse-fever');
    const i = turns.findIndex((t) => t.text.includes('warrant'));
    const twice = [...turns, turns[i]!];
    const weighed = weighHits(detectCallerTactics(twice.map((t) => t.text)), twice);
    expect(weighed.confirmed.filter((h) => h.match === 'warrant')).toHaveLength(2);
    // …and a hit repeated in the same turn is not.
    const once = weighHits(detectCallerTactics([`${turns[i]!.text} ${turns[i]!.text}`]), [
      { ...turns[i]!, text: `${turns[i]!.text} ${turns[i]!.text}`, words: [...turns[i]!.words!, ...turns[i]!.words!] },
    ]);
    expect(once.confirmed.filter((h) => h.match === 'warrant')).toHaveLength(0);
  });

  it('unconfirmed hints alone never reach the alert level', () => {
    // Every word of the nurse's turns at a low posterior, plus a scam's demand words also unsure.
    const unsure: WindowTurn[] = [
      { speaker: 'caller', text: 'this is the police you will be arrested pay with gift cards', source: 'offline' },
    ].map((t) => ({ ...t, words: t.text.split(' ').map((word) => ({ word, confidence: 0.2 })) })) as WindowTurn[];
    const { analysis, evidence } = analyzer.explain({ window: unsure });
    expect(evidence.unconfirmed.length).toBeGreaterThan(1);
    expect(analysis.level).not.toBe('high');
    expect(analysis.score).toBeGreaterThanOrEqual(0.55); // suspicious: the hints still count for something
  });

  it('a scam the decoder heard with confidence alerts by its second caller turn (the first is a bare claim)', () => {
    const turns = recorded('dev2-scam-popup-callback-anydesk');
    expect(analyzer.explain({ window: turns.slice(0, 1) }).analysis.level).not.toBe('high');
    const { analysis, evidence } = analyzer.explain({ window: turns.slice(0, 2) });
    expect(analysis.level).toBe('high');
    expect(evidence.unconfirmed).toEqual([]);
    expect(analysis.explanation).toMatch(/Microsoft/);
  });

  it('a benign call whose words hold no scam phrase stays silent', () => {
    const turns = recorded('dev-legit-pharmacy-refill-ready');
    expect(alerts(analyzer, turns)).toBe(false);
    expect(analyzer.explain({ window: turns }).analysis.level).toBe('none');
  });

  it("the subscriber's words never raise the caller's risk", () => {
    const scam = recorded('dev2-scam-popup-callback-anydesk').map((t) => ({ ...t, speaker: 'subscriber' as const }));
    const benign = recorded('dev-legit-pharmacy-refill-ready');
    expect(analyzer.explain({ window: [...benign, ...scam] }).analysis.level).toBe('none');
  });
});

describe("the bar follows the caller's voice", () => {
  const said = (text: string, conf: (w: string, i: number) => number): WindowTurn => {
    const words = text.split(' ').map((word, i) => ({ word, confidence: conf(word, i) }));
    return { speaker: 'caller', text, source: 'offline', words } as WindowTurn;
  };
  const story =
    'good morning this is the security desk at your credit union we have blocked three withdrawals from your savings account this morning and we need to act before they try again today';
  const demand = 'please buy gift cards at the store and read me the numbers on the back';

  it('a voice the decoder is unsure of throughout: its demand, as sure as its other words, counts', () => {
    const turns = [said(story, () => 0.62), said(demand, () => 0.5)];
    expect(speakerThreshold(turns)).toBeCloseTo(0.7 * 0.62, 2);
    const { evidence } = analyzer.explain({ window: turns });
    expect(evidence.hits.map((h) => h.evidence)).toContain('gift-cards');
  });

  it('a voice heard well keeps the fixed bar: the same unsure demand stays a hint', () => {
    const turns = [said(story, () => 0.9), said(demand, () => 0.5)];
    expect(speakerThreshold(turns)).toBe(0.6);
    const { evidence } = analyzer.explain({ window: turns });
    expect(evidence.hits.map((h) => h.evidence)).not.toContain('gift-cards');
    expect(evidence.unconfirmed.map((h) => h.evidence)).toContain('gift-cards');
  });

  it('never below 0.4, and not before the caller has said 30 words', () => {
    expect(speakerThreshold([said(story, () => 0.2)])).toBe(0.4);
    expect(speakerThreshold([said('hello this is the bank', () => 0.3)])).toBe(0.6);
  });
});

