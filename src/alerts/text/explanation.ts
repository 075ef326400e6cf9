/**
 * The alert's "why" sentence in the subscriber's language. English uses the analyzer's own sentence;
 * other languages are built from the category and tactics, with details (gift cards, the tax office, a
 * code) picked out of the English sentence when it names them, as the local analyzer's wording does.
 */
import type { Tactic } from '../../analysis/types.js';
import type { AlertJob } from '../types.js';
import { maskNumber } from '../../log.js';
import type { AlertLocale, ClaimKey, DemandKey, ExplanationText } from './template.js';

export type ExplanationSource = Pick<AlertJob, 'category' | 'tactics' | 'explanation'>;

type Refinement<K> = ReadonlyArray<readonly [K, RegExp]>;

/** First match wins, so the more specific pattern comes first ("safe account" before "transfer"). */
const GOVERNMENT: Refinement<ClaimKey> = [
  ['social-security', /\bsocial security (?:administration|office|agency)\b|\bSSA\b/i],
  ['tax', /\bIRS\b|internal revenue|\btax(?:es)?\b|\bHMRC\b/i],
  ['police', /\bpolice\b|\bFBI\b|sheriff|marshal|detective|department of justice|homeland security/i],
];

const DEMANDS: ReadonlyArray<{ tactic: Tactic; generic: DemandKey; refine: Refinement<DemandKey> }> = [
  {
    tactic: 'payment',
    generic: 'payment',
    refine: [
      ['safe-account', /\bsafe account\b/i],
      ['gift-cards', /\bgift ?cards?\b|\bitunes\b|google play|\bvouchers?\b/i],
      ['crypto', /\bcrypto|\bbitcoin/i],
      ['transfer', /\bwire\b|\btransfer\b|western union|moneygram|\bzelle\b/i],
      ['cash', /\bcash\b/i],
      ['fee', /\bfees?\b/i],
    ],
  },
  {
    tactic: 'credentials',
    generic: 'credentials',
    refine: [
      ['online-banking', /\bonline banking\b/i],
      ['id-number', /social security number|\bSSN\b|social insurance number|national insurance number|\bID number\b|passport/i],
      // "sort code" is account data, not a one-time code: checked before 'code'.
      ['account', /\baccount (?:details|number|information)\b|sort code|routing number/i],
      ['card', /\bcard (?:details|number|information)\b|\bCVV\b|\bCVC\b/i],
      ['code', /\bcodes?\b|one-time|\bOTP\b/i],
      ['pin', /\bPINs?\b|password|passcode/i],
    ],
  },
  { tactic: 'remote-access', generic: 'remote-access', refine: [['install-app', /\binstall|\bdownload|\bapp\b/i]] },
  {
    tactic: 'urgency',
    generic: 'urgency',
    refine: [
      ['arrest', /\barrest|\bjail\b|\bprison\b|\bwarrant\b|\bdeport/i],
      ['legal', /\blegal\b|lawsuit|\bsue\b|\bcourt\b|prosecut/i],
      ['suspend', /\bsuspend|\bblock|\bfreez|\bfrozen\b|cut off|disconnect/i],
      ['compromised', /compromised|\bhack|\bbreach/i],
    ],
  },
  { tactic: 'secrecy', generic: 'secrecy', refine: [] },
];

/** The local analyzer names at most two demands too: the sentence stays short enough for any locale. */
const MAX_DEMANDS = 2;

const CATEGORY_CLAIMS: readonly ClaimKey[] = ['bank', 'tech-support', 'family', 'prize', 'refund'];

function isCategoryClaim(category: string): category is ClaimKey {
  return (CATEGORY_CLAIMS as readonly string[]).includes(category);
}

function refined<K>(english: string, generic: K, refine: Refinement<K>): K {
  return refine.find(([, re]) => re.test(english))?.[0] ?? generic;
}

function claimOf(source: ExplanationSource): ClaimKey | undefined {
  if (source.category === 'government') return refined<ClaimKey>(source.explanation, 'government', GOVERNMENT);
  if (isCategoryClaim(source.category)) return source.category;
  return source.tactics.includes('impersonation') ? 'someone-trusted' : undefined;
}

/** "<subject> <claim>, <demand> and <demand>." from category and tactics; the generic sentence when there is nothing to say. */
export function buildExplanation(source: ExplanationSource, text: ExplanationText): string {
  const claim = claimOf(source);
  const demands = DEMANDS.filter((d) => source.tactics.includes(d.tactic))
    .slice(0, MAX_DEMANDS)
    .map((d) => text.demands[refined(source.explanation, d.generic, d.refine)]);
  const phrases = [...(claim ? [text.claims[claim]] : []), ...demands];
  if (phrases.length === 0) return text.generic;
  const last = phrases[phrases.length - 1]!;
  const joined = phrases.length > 1 ? `${phrases.slice(0, -1).join(', ')}${text.and}${last}` : last;
  return `${text.subject} ${joined}.`;
}

/** Phone-number-like digit runs (7+ digits, separators allowed). */
const DIGIT_RUN = /\+?\d(?:[\s().-]{0,2}\d){6,}/g;

/**
 * The analyzer's sentence made safe for an SMS: one line, and any number it quotes (the caller's, one
 * the scammer dictated) masked like the caller's, since the text must never carry a full number.
 */
export function cleanAnalyzerSentence(sentence: string): string {
  return sentence
    .replace(/\s+/g, ' ')
    .trim()
    .replace(DIGIT_RUN, (run) => maskNumber(run.replace(/[\s().-]/g, '')));
}

/** English: the analyzer's sentence when it gave one; other languages (or no sentence): built. */
export function explanationFor(source: ExplanationSource, locale: AlertLocale): string {
  const analyzerSentence = cleanAnalyzerSentence(source.explanation);
  if (locale.lang === 'en' && analyzerSentence.length > 0) return analyzerSentence;
  return buildExplanation(source, locale.explanation);
}
