/**
 * Realistic, hand-written calls (test/fixtures/analysis/realistic-*.jsonl): scams that spend a few turns
 * on greetings and set-up before the demand, and legitimate look-alikes (fraud desk, ISP, pharmacy, …).
 */
import { describe, expect, it } from 'vitest';
import { LocalAnalyzer } from '../../../../src/analysis/local/local-analyzer.js';
import { detectTactics } from '../../../../src/analysis/local/tactics.js';
import { loadFixture, replayConversation } from './replay.js';



const analyzer = new LocalAnalyzer();
const scams = loadFixture('realistic-scams.jsonl');
const legit = loadFixture('realistic-legit.jsonl');

/** Every scam here is caught by this caller turn at the latest. */
const LATEST_ALERT_TURN = 4;

describe('LocalAnalyzer on realistic calls', () => {
  it('has enough well-formed fixtures', () => {
    expect(scams.length).toBeGreaterThanOrEqual(16);
    expect(legit.length).toBeGreaterThanOrEqual(12);
    for (const f of [...scams, ...legit]) {
      expect(f.turns.length, f.id).toBeGreaterThanOrEqual(8);
      expect(f.turns.length, f.id).toBeLessThanOrEqual(20);
    }
    expect(scams.every((f) => f.label === 'scam')).toBe(true);
    expect(legit.every((f) => f.label === 'legit')).toBe(true);
  });

  it.each(scams.map((f) => [f.id, f] as const))(`scam %s reaches high by caller turn ${LATEST_ALERT_TURN}`, (_id, f) => {
    const r = replayConversation(analyzer, f.id, 1, f.turns);
    expect(r.alertTurn, `max score ${r.maxScore}`).toBeDefined();
    expect(r.alertTurn!).toBeLessThanOrEqual(LATEST_ALERT_TURN);
  });

  it('alerts on the realistic scams by a median caller turn ≤ 3', () => {
    const turns = scams.map((f) => replayConversation(analyzer, f.id, 1, f.turns).alertTurn ?? Infinity).sort((a, b) => a - b);
    expect(turns[Math.floor(turns.length / 2)]!).toBeLessThanOrEqual(3);
  });

  it.each(legit.map((f) => [f.id, f] as const))('legit call %s never reaches high', (_id, f) => {
    for (let i = 0; i < f.turns.length; i++) {
      const a = analyzer.analyzeSync({ window: f.turns.slice(0, i + 1) });
      expect(a.level, `turn ${i}: ${a.explanation} (${a.score})`).not.toBe('high');
    }
  });
});

describe('set-up phase detectors', () => {
  const evidence = (text: string) => new Set(detectTactics(text).map((h) => h.evidence));

  it.each([
    ['Sir, are you sitting in front of your computer?', 'install-app'],
    ['Can you see the Windows button on the bottom left corner?', 'install-app'],
    ['Your Windows licence key has expired.', 'tech-support'],
    ['Somebody is trying to access your banking information.', 'compromise'],
    ['So someone has got access to your account.', 'compromise'],
    ['This is a very serious matter, and you need to stay on the line.', 'secrecy'],
    ["Please don't go to the branch and don't discuss this with the staff.", 'secrecy'],
    ["We've sent you a code by text. Could you read it back to me?", 'one-time-code'],
    ['You can pay with a Green Dot card from any store.', 'gift-cards'],
    ['Hi Grandma? It\'s me.', 'family'],
    ["I'm kind of in trouble.", 'family'],
    ['This is Laura from the card security team.', 'bank'],
    ["I'm Detective Ryan Clark with the cyber crime unit.", 'government'],
    ['Your power will be shut off within the next 45 minutes.', 'threat'],
    ['Your Amazon Prime membership will be renewed for $399 today.', 'refund'],
  ] as const)('%s → %s', (text, ev) => {
    expect(evidence(text).has(ev)).toBe(true);
  });

  it('a bank transferring the call is not asking for secrecy', () => {
    const a = analyzer.analyzeSync({
      window: [{ speaker: 'caller', text: 'This is card services at your bank. Please stay on the line while I transfer you to the fraud team.' }],
    });
    expect(a.level).not.toBe('high');
  });

  it('"chip and PIN" is not a request for the PIN', () => {
    expect(evidence('The first transaction needs to be a chip and PIN one.').has('pin-password')).toBe(false);
  });

  it('three kinds of set-up evidence together reach high before any demand', () => {
    const a = analyzer.analyzeSync({
      window: [
        { speaker: 'caller', text: 'Hello, I am calling from the Windows technical department.' },
        { speaker: 'subscriber', text: 'Okay?' },
        { speaker: 'caller', text: 'Hackers are getting into your computer. Are you sitting in front of your computer?' },
      ],
    });
    expect(a.level).toBe('high');
  });
});
