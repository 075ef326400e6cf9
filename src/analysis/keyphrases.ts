/**
 * Multi-word scam phrases: the phrase list Azure Speech is biased toward, what the local detector
 * weighs when a recognizer reports a phrase its text lacks, and what the call's snapshot counts
 * (speech.keyphraseHits). Every word is in the offline recognizer's vocabulary (a test checks).
 * Lower-case, words from the CMU pronouncing dictionary that pocketsphinx-en-us ships.
 */
export interface Keyphrase {
  phrase: string;
  /** The tactic it signals; the detector's categories. */
  tactic: 'impersonation' | 'urgency' | 'secrecy' | 'payment' | 'credentials' | 'remote-access';
}

export const KEYPHRASES: readonly Keyphrase[] = [
  { phrase: 'gift cards', tactic: 'payment' },
  { phrase: 'gift card', tactic: 'payment' },
  { phrase: 'itunes cards', tactic: 'payment' },
  { phrase: 'bitcoin machine', tactic: 'payment' },
  { phrase: 'wire transfer', tactic: 'payment' },
  { phrase: 'safe account', tactic: 'payment' },
  { phrase: 'western union', tactic: 'payment' },
  { phrase: 'back taxes', tactic: 'urgency' },
  { phrase: 'arrest warrant', tactic: 'urgency' },
  { phrase: 'you will be arrested', tactic: 'urgency' },
  { phrase: 'legal action', tactic: 'urgency' },
  { phrase: 'pay today', tactic: 'urgency' },
  { phrase: 'right now', tactic: 'urgency' },
  { phrase: 'internal revenue service', tactic: 'impersonation' },
  { phrase: 'tax office', tactic: 'impersonation' },
  { phrase: 'social security number', tactic: 'credentials' },
  { phrase: 'social security', tactic: 'impersonation' },
  { phrase: 'fraud department', tactic: 'impersonation' },
  { phrase: 'technical support', tactic: 'impersonation' },
  { phrase: 'tech support', tactic: 'impersonation' },
  { phrase: 'verification code', tactic: 'credentials' },
  { phrase: 'security code', tactic: 'credentials' },
  { phrase: 'pin number', tactic: 'credentials' },
  { phrase: 'bank account number', tactic: 'credentials' },
  { phrase: 'credit card number', tactic: 'credentials' },
  { phrase: 'remote access', tactic: 'remote-access' },
  { phrase: 'download this app', tactic: 'remote-access' },
  { phrase: 'do not tell anyone', tactic: 'secrecy' },
  { phrase: "don't tell anyone", tactic: 'secrecy' },
  { phrase: 'keep this confidential', tactic: 'secrecy' },
];

const PHRASES = KEYPHRASES.map((k) => k.phrase);

/** Scam phrases of the shared list in a text, by whole words, lower-case. */
export function spotKeyphrases(text: string): string[] {
  const norm = ` ${text.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ').replace(/\s+/g, ' ').trim()} `;
  return PHRASES.filter((p) => norm.includes(` ${p} `));
}
