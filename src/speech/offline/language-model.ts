/**
 * A trigram language model of telephone talk, built when first needed from the project's corpus and written as
 * ARPA text for pocketsphinx. Interpolated absolute discounting with Kneser-Ney unigrams, which ARPA
 * represents exactly (each seen n-gram's probability already includes its share of the lower order;
 * the back-off weight of a context is the mass its discount freed). Every vocabulary word gets a
 * unigram, the unseen ones a floor share, so nothing the dictionary can say becomes unreachable.
 */

export interface LanguageModelOptions {
  /** Words the model must cover (the decoding dictionary's); sentence words outside it become <unk>-free gaps. */
  vocabulary: ReadonlySet<string>;
  /** Absolute discount per seen n-gram (0 < d < 1). */
  discount?: number;
  /** Share of unigram mass spread evenly over the whole vocabulary. */
  floor?: number;
}

export interface LanguageModel {
  arpa: string;
  counts: { unigrams: number; bigrams: number; trigrams: number };
}

const BOS = '<s>';
const EOS = '</s>';
const SEP = '\u0001';

const log10 = (p: number): string => (p > 0 ? Math.log10(p).toFixed(4) : '-99');

/** Lets the event loop run: the build takes about a second and the node answers SIP meanwhile. */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Work between two yields: a few milliseconds. */
const CHUNK = 2000;

/**
 * Builds the model. A sentence is cut where a word is outside the vocabulary, so no n-gram spans a
 * word the decoder cannot say. Asynchronous only to yield to the event loop every few milliseconds.
 */
export async function buildLanguageModel(sentences: readonly (readonly string[])[], opts: LanguageModelOptions): Promise<LanguageModel> {
  const d = opts.discount ?? 0.75;
  const floor = opts.floor ?? 0.1;
  const c1 = new Map<string, number>();
  const c2 = new Map<string, number>();
  const c3 = new Map<string, number>();
  const add = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);

  let done = 0;
  for (const sentence of sentences) {
    if (++done % CHUNK === 0) await yieldToLoop();
    let run: string[] = [BOS];
    const flush = (end: boolean): void => {
      if (end) run.push(EOS);
      if (run.length > 1) {
        for (let i = 0; i < run.length; i++) {
          add(c1, run[i]!);
          if (i >= 1) add(c2, run[i - 1]! + SEP + run[i]!);
          if (i >= 2) add(c3, run[i - 2]! + SEP + run[i - 1]! + SEP + run[i]!);
        }
      }
      run = [];
    };
    for (const w of sentence) {
      if (opts.vocabulary.has(w)) run.push(w);
      else flush(false);
    }
    flush(true);
  }

  // Kneser-Ney unigrams: in how many distinct contexts a word follows.
  const continuation = new Map<string, number>();
  for (const k of c2.keys()) add(continuation, k.slice(k.indexOf(SEP) + 1));
  const bigramTypes = c2.size;
  const words = [...new Set([...opts.vocabulary, EOS])].sort();
  const p1 = new Map<string, number>();
  for (const w of words) p1.set(w, (1 - floor) * ((continuation.get(w) ?? 0) / bigramTypes) + floor / words.length);

  // Context statistics for each order: total count and number of distinct followers.
  const contextStats = (m: Map<string, number>): Map<string, { total: number; types: number }> => {
    const out = new Map<string, { total: number; types: number }>();
    for (const [k, n] of m) {
      const h = k.slice(0, k.lastIndexOf(SEP));
      const s = out.get(h) ?? { total: 0, types: 0 };
      s.total += n;
      s.types += 1;
      out.set(h, s);
    }
    return out;
  };
  await yieldToLoop();
  const h1 = contextStats(c2);
  await yieldToLoop();
  const h2 = contextStats(c3);

  await yieldToLoop();
  const p2 = new Map<string, number>();
  for (const [k, n] of c2) {
    const [v, w] = k.split(SEP) as [string, string];
    const s = h1.get(v)!;
    p2.set(k, Math.max(n - d, 0) / s.total + ((d * s.types) / s.total) * p1.get(w)!);
  }
  const bigramProb = (v: string, w: string): number => {
    const seen = p2.get(v + SEP + w);
    if (seen !== undefined) return seen;
    const s = h1.get(v);
    return (s ? (d * s.types) / s.total : 1) * p1.get(w)!;
  };

  const lines: string[] = ['\\data\\', `ngram 1=${words.length + 1}`, `ngram 2=${c2.size}`, `ngram 3=${c3.size}`, '', '\\1-grams:'];
  const backoff1 = (w: string): string => {
    const s = h1.get(w);
    return s ? `\t${log10((d * s.types) / s.total)}` : '\t0.0000';
  };
  lines.push(`-99\t${BOS}${backoff1(BOS)}`);
  for (const w of words) lines.push(`${log10(p1.get(w)!)}\t${w}${w === EOS ? '' : backoff1(w)}`);
  lines.push('', '\\2-grams:');
  await yieldToLoop();
  for (const [k] of c2) {
    const s = h2.get(k);
    const bo = s ? `\t${log10((d * s.types) / s.total)}` : '';
    lines.push(`${log10(p2.get(k)!)}\t${k.split(SEP).join(' ')}${bo}`);
  }
  lines.push('', '\\3-grams:');
  await yieldToLoop();
  let written = 0;
  for (const [k, n] of c3) {
    if (++written % (CHUNK * 10) === 0) await yieldToLoop();
    const [u, v, w] = k.split(SEP) as [string, string, string];
    const s = h2.get(u + SEP + v)!;
    const p = Math.max(n - d, 0) / s.total + ((d * s.types) / s.total) * bigramProb(v, w);
    lines.push(`${log10(p)}\t${u} ${v} ${w}`);
  }
  lines.push('', '\\end\\', '');
  return { arpa: lines.join('\n'), counts: { unigrams: words.length + 1, bigrams: c2.size, trigrams: c3.size } };
}
