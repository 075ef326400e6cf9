/**
 * A credential named in a claim ("your Social Security number has been suspended") still counts in the
 * judgement, but the SMS names only what the caller asked the subscriber to do (issue 13, item 6).
 */
import { describe, expect, it } from 'vitest';
import { LocalAnalyzer } from '../../../../src/analysis/local/local-analyzer.js';
import { detectTactics } from '../../../../src/analysis/local/tactics.js';

const credential = (text: string) => {
  const hits = detectTactics(text).filter((h) => h.tactic === 'credentials');
  expect(hits.length, text).toBeGreaterThan(0);
  return hits[0]!;
};

describe('a credential asked for or only named', () => {
  it.each([
    'Your Social Security number has been suspended due to suspicious activity.',
    'A warrant is being prepared under your social insurance number.',
    'A parcel booked under your Aadhaar number has been seized by customs.',
    'It looks like your card number has been compromised, so I am closing this card.',
    'Our system has detected your bank account information being sold on the dark web.',
    'your social security number has been suspended due to suspicious activity to reactivate press one',
  ])('named only: %s', (text) => {
    expect(credential(text).mentionedOnly).toBe(true);
  });

  it.each([
    'Press one now to verify your Social Security number with an agent.',
    'Please press one and enter your sixteen digit card number followed by your four digit PIN.',
    "You'll need your tax file number ready when you call back.",
    "What's your account number?",
    'Take your checkbook and tell me the numbers at the bottom. Routing number and the account number.',
    'I just need the long number on the front of the card and the expiry date.',
    'press one and confirm your national insurance number so we can pay it today',
  ])('asked for: %s', (text) => {
    expect(credential(text).mentionedOnly).toBeFalsy();
  });
});

describe('the explanation of a call that names a credential without asking for it', () => {
  const analyzer = new LocalAnalyzer();
  const judge = (text: string) => analyzer.explain({ window: [{ speaker: 'caller', text }] });
  const SSA =
    'This is an important message from the Social Security Administration. Your Social Security number has been suspended ' +
    'due to suspicious activity and legal action will be taken against you. To speak with an officer about your case, press one now.';

  it('still alerts on it and counts the credential, but says what was asked: to press a key', () => {
    const { analysis, evidence } = judge(SSA);
    expect(analysis.level).toBe('high');
    expect(evidence.hits.some((h) => h.evidence === 'ssn')).toBe(true);
    expect(analysis.explanation).not.toMatch(/asks for your Social Security number/);
    expect(analysis.explanation).toMatch(/press a key/);
    expect(analysis.tactics).not.toContain('credentials');
  });

  it('names the credential when the same message asks for it', () => {
    const { analysis } = judge(SSA.replace('To speak with an officer about your case, press one now.', 'Press one now to verify your Social Security number with an officer.'));
    expect(analysis.level).toBe('high');
    expect(analysis.explanation).toMatch(/asks for your Social Security number/);
    expect(analysis.tactics).toContain('credentials');
  });
});
