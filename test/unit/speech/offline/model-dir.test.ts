/** Keyword file, feat.params edit and band-fill: no binaries needed. */
import { describe, expect, it } from 'vitest';
import { KEYPHRASES } from '../../../../src/analysis/keyphrases.js';
import { BandFiller } from '../../../../src/speech/offline/band-fill.js';
import { editFeatParams, kwsFileText, parseDictionary, planKeywords } from '../../../../src/speech/offline/model-dir.js';
import { KwsOutputParser, type RawUtterance } from '../../../../src/speech/offline/pocketsphinx-process.js';
import { dropContained } from '../../../../src/speech/offline/offline-recognizer.js';

const DICT = parseDictionary(
  ['gift G IH F T', 'cards K AA R D Z', "don't D OW N T", "don't(2) D OW N", 'tell T EH L', 'anyone EH N IY W AH N'].join('\n'),
);

describe('keyword file', () => {
  it('gives each phrase /1e-N/ with N = round(phones × perPhone)', () => {
    const plan = planKeywords(['gift cards', "Don\u2019t tell anyone"], DICT, { perPhone: 3.5 });
    expect(plan.entries).toEqual([
      { phrase: 'gift cards', phones: 9, exponent: 32 },
      { phrase: "don't tell anyone", phones: 13, exponent: 46 },
    ]);
    expect(kwsFileText(plan.entries)).toBe("gift cards /1e-32/\ndon't tell anyone /1e-46/\n");
  });

  it('skips and reports phrases with a word missing from the dictionary', () => {
    const plan = planKeywords(['gift cards', 'gift vouchers'], DICT);
    expect(plan.entries.map((e) => e.phrase)).toEqual(['gift cards']);
    expect(plan.skipped).toEqual([{ phrase: 'gift vouchers', word: 'vouchers' }]);
  });

  it('every shared keyphrase is multi-word', () => {
    for (const k of KEYPHRASES) expect(k.phrase.split(' ').length).toBeGreaterThan(1);
  });

  it('replaces cmninit and upperf in feat.params', () => {
    const out = editFeatParams('-lowerf 130\n-upperf 6800\n-cmninit 41.00,1\n', { cmninit: '45,2', upperf: 3500 });
    expect(out).toBe('-lowerf 130\n-upperf 3500\n-cmninit 45,2\n');
  });
});

describe('kws output parser', () => {
  it('reads a header then timed lines, sorted by start', () => {
    const got: RawUtterance[] = [];
    const p = new KwsOutputParser((u) => got.push(u));
    for (const l of ['gift cards  pay today ', 'gift cards  4.090 4.650 0.807490', 'pay today  3.280 3.830 0.835002']) p.line(l);
    expect(got).toEqual([
      {
        phrases: [
          { phrase: 'pay today', start: 3.28, end: 3.83, posterior: 0.835002 },
          { phrase: 'gift cards', start: 4.09, end: 4.65, posterior: 0.80749 },
        ],
      },
    ]);
  });

  it('keeps the longer of overlapping prefix hits', () => {
    const kept = dropContained([
      { phrase: 'gift cards', start: 4.06, end: 4.64, posterior: 0.8 },
      { phrase: 'gift card', start: 4.06, end: 4.62, posterior: 0.8 },
    ]);
    expect(kept.map((p) => p.phrase)).toEqual(['gift cards']);
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
