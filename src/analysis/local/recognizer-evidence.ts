/**
 * Recognizer evidence, weighed. An offline decoder reports words it did not hear — a school nurse's
 * "a temperature of one hundred point four" came out as "one hundred warrant for" — and says how sure
 * it is of each word (its posterior; that "warrant" had 0.15). A tactic found in words it is unsure of is a hint: it counts only when another caller
 * turn shows the same evidence (a decoder rarely makes the same mistake twice in one call); alone it
 * can make a call look suspicious, never alert. Text from a cloud recognizer or a script carries no
 * per-word confidences and is taken as said. docs/analysis.md explains the thresholds.
 */
import type { WindowTurn } from '../types.js';
import type { TacticHit } from './tactics.js';

/**
 * A hit whose words' mean posterior is below this is unconfirmed (CALLGUARD_SPEECH_MIN_CONFIDENCE).
 * The lowest value that kept false alarms within 2.5 % on the tuning calls (docs/analysis.md,
 * scripts/tune-speech-threshold.ts); right words' median posterior is about 0.86, wrong ones' 0.29.
 */
export const HIT_CONFIDENCE = 0.6;
/** Words below this are left out of the text the statistical model reads. */
export const WORD_CONFIDENCE = 0.3;

export interface WeighedHits {
  /** Hits taken as said: from text without confidences, confident words, or corroborated by another turn. */
  confirmed: TacticHit[];
  /** Every hit, confirmed or not: what the call looks like if every word was right. */
  all: TacticHit[];
}

/** A turn an offline decoder heard, with its word confidences. */
export function fromOfflineSpeech(turn: WindowTurn): boolean {
  return !!turn.words?.length && turn.source !== 'azure' && turn.source !== 'text';
}

/** Character offsets of each word of `words` in `text` (words appear in order, separated by spaces). */
function wordSpans(text: string, words: ReadonlyArray<{ word: string }>): Array<[number, number]> | undefined {
  const spans: Array<[number, number]> = [];
  let from = 0;
  for (const w of words) {
    const at = text.indexOf(w.word, from);
    if (at < 0) return undefined;
    spans.push([at, at + w.word.length]);
    from = at + w.word.length;
  }
  return spans;
}

/** Mean confidence of the words the hit covers; undefined when the turn has no word confidences. */
export function hitConfidence(hit: TacticHit, turn: WindowTurn): number | undefined {
  if (!fromOfflineSpeech(turn) || !turn.words) return undefined;
  if (hit.at === undefined || hit.end === undefined) return undefined;
  const spans = wordSpans(turn.text, turn.words);
  if (!spans) return undefined;
  let sum = 0;
  let n = 0;
  spans.forEach(([s, e], i) => {
    if (s < hit.end! && hit.at! < e) {
      sum += turn.words![i]!.confidence;
      n++;
    }
  });
  return n > 0 ? sum / n : undefined;
}

/** Splits hits over `turns` (the caller's, as detectCallerTactics saw them) into confirmed and hints. */
export function weighHits(hits: readonly TacticHit[], turns: readonly WindowTurn[], threshold = HIT_CONFIDENCE): WeighedHits {
  const confirmed: TacticHit[] = [];
  const unsure: TacticHit[] = [];
  const bar = speakerThreshold(turns, threshold);
  for (const h of hits) {
    const turn = h.turn === undefined ? undefined : turns[h.turn];
    const c = turn ? hitConfidence(h, turn) : undefined;
    (c === undefined || c >= bar ? confirmed : unsure).push(h);
  }
  for (const h of unsure) {
    // Corroborated: the same evidence in another caller turn, however sure the decoder was of it.
    if (hits.some((o) => o !== h && o.evidence === h.evidence && o.turn !== h.turn)) confirmed.push(h);
  }
  return { confirmed, all: [...hits] };
}

/** The bar follows the caller's voice: this share of the median posterior of their words, … */
const RELATIVE_TO_MEDIAN = 0.7;
/** … never below this (a call the decoder understood nothing of gives no evidence), … */
const LOWEST_BAR = 0.4;
/** … once there are enough words to know the voice. */
const MIN_WORDS = 30;

/**
 * The bar for this caller's voice. A decoder is less sure of every word of some voices, right words
 * included (flite's awb: median posterior 0.65, rms 0.85): a fixed bar tuned on one voice drops most of
 * what another voice said. Chosen on the tuning calls (docs/analysis.md): 0.7 × the median.
 */
export function speakerThreshold(turns: readonly WindowTurn[], threshold = HIT_CONFIDENCE): number {
  const ps: number[] = [];
  for (const t of turns) if (fromOfflineSpeech(t)) for (const w of t.words!) ps.push(w.confidence);
  if (ps.length < MIN_WORDS) return threshold;
  ps.sort((a, b) => a - b);
  return Math.max(Math.min(threshold, LOWEST_BAR), Math.min(threshold, RELATIVE_TO_MEDIAN * ps[ps.length >> 1]!));
}

/** The caller's words the model reads: an offline turn without its least certain words. */
export function confidentText(turn: WindowTurn, threshold = WORD_CONFIDENCE): string {
  if (!fromOfflineSpeech(turn) || !turn.words) return turn.text;
  return turn.words
    .filter((w) => w.confidence >= threshold)
    .map((w) => w.word)
    .join(' ');
}
