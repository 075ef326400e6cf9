/** Decoding dictionary, feat.params edit, decoder output, spoken words and band-fill: no binaries needed. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEYPHRASES } from '../../../../src/analysis/keyphrases.js';
import { BandFiller } from '../../../../src/speech/offline/band-fill.js';
import { corpusVocabulary, readCorpus } from '../../../../src/speech/offline/corpus.js';
import { debianModel, editFeatParams, generateModelDir, selectDictionary, SUPPLEMENT_DICT } from '../../../../src/speech/offline/model-dir.js';
import { DecoderOutputParser, type RawUtterance } from '../../../../src/speech/offline/pocketsphinx-process.js';
import { numberWords, spokenWords } from '../../../../src/speech/offline/spoken-words.js';

/** The 39 phones of Debian's en-us model (its mdef), without stress marks. */
const ARPABET = new Set('AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH'.split(' '));

const CMU = ['gift G IH F T', 'cards K AA R D Z', "don't D OW N T", "don't(2) D OW N", 'tell T EH L', 'zebra Z IY B R AH'].join('\n');

describe('decoding dictionary', () => {
  it('keeps every pronunciation of the vocabulary words and names the words it lacks', () => {
    const sel = selectDictionary(CMU, new Set(['gift', 'cards', "don't", 'anydesk']));
    expect(sel.text).toBe("gift G IH F T\ncards K AA R D Z\ndon't D OW N T\ndon't(2) D OW N\n");
    expect(sel.words).toBe(3);
    expect(sel.missing).toEqual(['anydesk']);
  });

  it('adds a supplement\'s pronunciations only for words Debian\'s dictionary lacks', () => {
    const supplement = ['# written here', 'anydesk EH N IY D EH S K', 'gift G IH F', 'venmo V EH N M OW'].join('\n');
    const sel = selectDictionary(CMU, new Set(['gift', 'anydesk', 'zorblax']), supplement);
    expect(sel.text).toBe('gift G IH F T\nanydesk EH N IY D EH S K\n');
    expect(sel).toMatchObject({ words: 2, supplemented: 1, missing: ['zorblax'] });
  });

  it('the shipped supplement: Debian\'s phone set, corpus words only, none Debian can already say, the scam tools and agencies covered', () => {
    const entries = readFileSync(SUPPLEMENT_DICT, 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => l.split(' '));
    const vocab = corpusVocabulary();
    for (const [word, ...phones] of entries) {
      expect(vocab.has(word!), word).toBe(true);
      for (const ph of phones) expect(ARPABET.has(ph), `${word}: ${ph}`).toBe(true);
    }
    const words = new Set(entries.map(([w]) => w));
    for (const w of ['anydesk', 'teamviewer', 'ultraviewer', 'venmo', 'coinbase', 'cryptocurrency', 'usdt', 'hmrc', 'cra', 'rcmp', 'aadhaar', 'passcode']) expect(words.has(w), w).toBe(true);
    // Debian's dictionary comes with pocketsphinx-en-us: checked whenever it is there, always in CI.
    if (existsSync(debianModel().dict) || process.env.CI === 'true') {
      const debian = new Set(readFileSync(debianModel().dict, 'utf8').split('\n').map((l) => l.slice(0, l.indexOf(' '))));
      expect([...words].filter((w) => debian.has(w!))).toEqual([]);
    }
  });

  it('the corpus is balanced between everyday and scam talk and covers every keyphrase word', () => {
    const sentences = readCorpus();
    expect(sentences.length).toBeGreaterThan(6000);
    const vocab = corpusVocabulary();
    for (const k of KEYPHRASES) for (const w of spokenWords(k.phrase)) expect(vocab.has(w), w).toBe(true);
    // Everyday words a scam-only vocabulary would lack.
    for (const w of ['appointment', 'doctor', 'delivery', 'birthday', 'prescription', 'plumber']) expect(vocab.has(w), w).toBe(true);
  });

  it('generates the model directory with the corpus language model over the sayable words, or keeps Debian\'s', async () => {
    // A stand-in for Debian's model: generateModelDir only links the acoustic files and reads feat.params and the dictionary.
    const root = mkdtempSync(join(tmpdir(), 'cg-model-'));
    try {
      mkdirSync(join(root, 'hmm'));
      writeFileSync(join(root, 'hmm', 'mdef'), 'x');
      writeFileSync(join(root, 'hmm', 'feat.params'), '-upperf 6800\n');
      writeFileSync(join(root, 'dict'), CMU + '\n');
      const model = { hmm: join(root, 'hmm'), dict: join(root, 'dict'), lm: join(root, 'debian.lm.bin') };
      const vocabulary = new Set(['gift', 'cards', 'tell', 'zorblax']);
      const g = await generateModelDir({ model, vocabulary, parent: root });
      expect(g.lm).toBe(join(g.dir, 'telephone.lm'));
      const arpa = readFileSync(g.lm, 'utf8');
      expect(arpa.startsWith('\\data\\\n')).toBe(true);
      // Words the dictionary can say are in the model; a word without a pronunciation is not.
      expect(arpa).toMatch(/\tgift\t/);
      expect(arpa).toMatch(/\tgift cards/);
      expect(arpa).not.toMatch(/zorblax/);
      await g.remove();
      expect(existsSync(g.dir)).toBe(false);
      const d = await generateModelDir({ model, vocabulary, parent: root, languageModel: 'debian' });
      expect(d.lm).toBe(model.lm);
      await d.remove();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('replaces cmninit and upperf in feat.params', () => {
    const out = editFeatParams('-lowerf 130\n-upperf 6800\n-cmninit 41.00,1\n', { cmninit: '45,2', upperf: 3500 });
    expect(out).toBe('-lowerf 130\n-upperf 3500\n-cmninit 45,2\n');
  });
});

describe('decoder output parser', () => {
  it('reads the hypothesis then one timed line per word; drops fillers and variant marks', () => {
    const got: RawUtterance[] = [];
    const p = new DecoderOutputParser((u) => got.push(u));
    const lines = [
      'pay today with gift cards',
      '<s> 0.880 1.140 0.996805',
      'pay 1.150 1.400 0.812000',
      '<sil> 1.410 1.500 0.900000',
      'today 1.510 1.900 0.334000',
      '[NOISE] 1.910 2.000 0.500000',
      'with(2) 2.010 2.200 0.120000',
      'gift 2.210 2.500 0.998000',
      'cards 2.510 2.900 0.871000',
      '</s> 2.910 3.200 1.000000',
      'hello',
      '<s> 5.000 5.100 1.000000',
      'hello 5.100 5.600 0.400000',
    ];
    for (const l of lines) p.line(l);
    expect(got).toHaveLength(1);
    expect(got[0]!.words.map((w) => w.word)).toEqual(['pay', 'today', 'with', 'gift', 'cards']);
    expect(got[0]!.words[1]).toEqual({ word: 'today', start: 1.51, end: 1.9, posterior: 0.334 });
    // An utterance cut short (the process died) still counts when flushed.
    p.flush();
    expect(got[1]!.words).toEqual([{ word: 'hello', start: 5.1, end: 5.6, posterior: 0.4 }]);
  });

  it('an empty hypothesis gives nothing', () => {
    const got: RawUtterance[] = [];
    const p = new DecoderOutputParser((u) => got.push(u));
    for (const l of ['', '<s> 0.1 0.2 1', '<sil> 0.2 0.5 1', '</s> 0.5 0.6 1']) p.line(l);
    p.flush();
    expect(got).toEqual([]);
  });
});

describe('spoken words', () => {
  it('says numbers, money, times and abbreviations as a speaker does', () => {
    expect(numberWords(1205)).toBe('one thousand two hundred five');
    expect(spokenWords("I'm calling at 2:30 PM about your $1,250.50 bill.").join(' ')).toBe(
      "i'm calling at two thirty p m about your one thousand two hundred fifty dollars fifty cents bill",
    );
    expect(spokenWords('Dr. Smith, the 9th, room 0417; I am here').join(' ')).toBe('doctor smith the ninth room oh four one seven i am here');
    expect(spokenWords('Call 1-800 in 1999!').join(' ')).toBe('call one eight hundred in nineteen ninety nine');
  });
});

/** Energy of samples in [lo, hi) Hz by a plain DFT over the bins (n is small). */
function bandEnergy(x: Int16Array, rate: number, lo: number, hi: number): number {
  const n = x.length;
  let e = 0;
  for (let k = Math.ceil((lo * n) / rate); k < Math.min(n / 2, (hi * n) / rate); k++) {
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      const a = (2 * Math.PI * k * i) / n;
      re += x[i]! * Math.cos(a);
      im -= x[i]! * Math.sin(a);
    }
    e += re * re + im * im;
  }
  return e;
}

describe('band fill', () => {
  // 1 kHz + 3 kHz tones at 8 kHz, 20 ms frames.
  const frames: Int16Array[] = [];
  for (let f = 0; f < 20; f++) {
    const s = new Int16Array(160);
    for (let i = 0; i < 160; i++) {
      const t = (f * 160 + i) / 8000;
      s[i] = Math.round(8000 * Math.sin(2 * Math.PI * 1000 * t) + 3000 * Math.sin(2 * Math.PI * 3000 * t));
    }
    frames.push(s);
  }

  it('doubles the rate, keeps 0–4 kHz and adds low-level 4–8 kHz energy; deterministic', () => {
    const run = () => {
      const bf = new BandFiller({ seed: 7 });
      const out = frames.map((f) => bf.process(f));
      expect(out.every((o) => o.length === 320)).toBe(true);
      return out;
    };
    const out = run();
    const tail = new Int16Array(out.slice(10).flatMap((o) => [...o])); // settled envelope, 100 ms
    const low = bandEnergy(tail, 16000, 500, 3600);
    const tone1k = bandEnergy(tail, 16000, 950, 1050);
    const tone3k = bandEnergy(tail, 16000, 2950, 3050);
    const high = bandEnergy(tail, 16000, 4400, 7800);
    expect(tone1k / low).toBeGreaterThan(0.85); // 1 kHz dominates the band it came from
    expect(tone3k / tone1k).toBeGreaterThan(0.1); // (3000/8000)² ≈ 0.14
    expect(high).toBeGreaterThan(0);
    expect(high / low).toBeLessThan(0.05); // low level: well below the speech band
    expect(high / tone3k).toBeGreaterThan(0.01); // but present, following the 2.5–4 kHz level
    expect(run()[15]).toEqual(out[15]);
  });

  it('is silent on silence', () => {
    const bf = new BandFiller();
    const out = bf.process(new Int16Array(160));
    expect(out.every((v) => v === 0)).toBe(true);
  });
});
