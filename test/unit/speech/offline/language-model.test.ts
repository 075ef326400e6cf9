import { beforeAll, describe, expect, it } from 'vitest';
import { buildLanguageModel, type LanguageModel } from '../../../../src/speech/offline/language-model.js';

interface Arpa {
  counts: number[];
  /** "w1 w2 …" → [log10 prob, log10 backoff (0 when absent)] */
  grams: Map<string, [number, number]>;
}

function parseArpa(text: string): Arpa {
  const counts: number[] = [];
  const grams = new Map<string, [number, number]>();
  let order = 0;
  for (const line of text.split('\n')) {
    const m = /^ngram (\d)=(\d+)$/.exec(line);
    if (m) counts[Number(m[1]) - 1] = Number(m[2]);
    const sec = /^\\(\d)-grams:$/.exec(line);
    if (sec) {
      order = Number(sec[1]);
      continue;
    }
    if (!order || !line.trim() || line.startsWith('\\')) continue;
    const parts = line.split('\t');
    grams.set(parts[1]!, [Number(parts[0]), parts[2] ? Number(parts[2]) : 0]);
  }
  return { counts, grams };
}

/** P(w | history) as pocketsphinx computes it from ARPA: the longest known n-gram, backing off. */
function prob(arpa: Arpa, history: string[], w: string): number {
  for (let k = history.length; k >= 0; k--) {
    const h = history.slice(history.length - k);
    const g = arpa.grams.get([...h, w].join(' '));
    if (g) {
      let bo = 0;
      for (let j = history.length; j > k; j--) bo += arpa.grams.get(history.slice(history.length - j).join(' '))?.[1] ?? 0;
      return 10 ** (g[0] + bo);
    }
  }
  return 0;
}

const sentences = [
  'can i book an appointment for tuesday',
  'can i pay with my card',
  'please buy gift cards today',
  'i can call you back on tuesday',
].map((s) => s.split(' '));
const vocabulary = new Set([...sentences.flat(), 'zelle', 'thursday']);

describe('buildLanguageModel', () => {
  let lm: LanguageModel;
  let arpa: Arpa;
  beforeAll(async () => {
    lm = await buildLanguageModel(sentences, { vocabulary });
    arpa = parseArpa(lm.arpa);
  });

  it('writes a well-formed ARPA model whose header counts match its sections', () => {
    expect(lm.arpa.startsWith('\\data\\\n')).toBe(true);
    expect(lm.arpa.trimEnd().endsWith('\\end\\')).toBe(true);
    const byOrder = [0, 0, 0];
    for (const k of arpa.grams.keys()) byOrder[k.split(' ').length - 1]!++;
    expect(byOrder).toEqual(arpa.counts);
    expect(arpa.counts).toEqual([lm.counts.unigrams, lm.counts.bigrams, lm.counts.trigrams]);
  });

  it('gives every vocabulary word a unigram, unseen ones too', () => {
    for (const w of vocabulary) expect(arpa.grams.has(w), w).toBe(true);
    expect(prob(arpa, [], 'zelle')).toBeGreaterThan(0);
  });

  it('is a proper distribution after each history (sums to 1 over the vocabulary and </s>)', () => {
    const outcomes = [...vocabulary, '</s>'];
    for (const history of [['<s>'], ['<s>', 'can'], ['can', 'i'], ['i', 'can'], ['gift', 'cards'], ['zelle'], ['thursday', 'zelle']]) {
      const total = outcomes.reduce((s, w) => s + prob(arpa, history, w), 0);
      expect(total, history.join(' ')).toBeCloseTo(1, 2);
    }
  });

  it('prefers what the corpus says after a context', () => {
    expect(prob(arpa, ['can', 'i'], 'book')).toBeGreaterThan(prob(arpa, ['can', 'i'], 'cards'));
    expect(prob(arpa, ['gift'], 'cards')).toBeGreaterThan(5 * prob(arpa, ['gift'], 'tuesday'));
  });

  it('cuts sentences at words outside the vocabulary, so no n-gram spans them', async () => {
    const cut = parseArpa((await buildLanguageModel([['please', 'venmo', 'me', 'today']], { vocabulary: new Set(['please', 'me', 'today']) })).arpa);
    expect([...cut.grams.keys()].some((k) => k.includes('venmo'))).toBe(false);
    expect(cut.grams.has('please me')).toBe(false);
    expect(cut.grams.has('<s> please')).toBe(true);
    expect(cut.grams.has('me today')).toBe(true);
  });
});
