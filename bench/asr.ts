/**
 * `npm run bench -- asr`: how well the offline recognizer hears synthesised calls. Each
 * conversation's caller turns (or the subscriber's, --role) are spoken by one voice, made telephone
 * audio (8 kHz, μ-law round trip), and fed through the real OfflineRecognizer with 1 s between
 * turns, five times faster than real time (results do not depend on pacing). Prints word error rate, the
 * posterior of right and wrong words, scam keyphrases and analyzer evidence (precision: reported and
 * said; recall: said and reported), and decoder CPU per audio second.
 *
 *   npm run bench -- asr --data test/fixtures/analysis/dev2-scams.jsonl --voice flite:rms --limit 10
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { detectCallerTactics } from '../src/analysis/local/tactics.js';
import { spotKeyphrases } from '../src/analysis/keyphrases.js';
import { parseDataset, type Conversation } from '../src/analysis/dataset.js';
import { CachedSynthesizer } from '../src/eval/spoken/synthesizer.js';
import { TtsCache, ttsCacheDir } from '../src/eval/spoken/tts-cache.js';
import { parseVoiceSpec } from '../src/eval/spoken/voices.js';
import { linearToMulaw, mulawToLinear } from '../src/media/codecs/index.js';
import { resample } from '../src/media/resample.js';
import { OfflineRecognizerFactory, spokenWords } from '../src/speech/offline/index.js';
import { childrenCpuSeconds } from './proc.js';
import type { RecognizedWord, Utterance } from '../src/speech/types.js';

/** Edit-distance alignment: which hypothesis words match a reference word. */
export function align(ref: readonly string[], hyp: readonly string[]): { errors: number; correct: boolean[] } {
  const n = ref.length;
  const m = hyp.length;
  const d = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = 0; i <= n; i++) d[i]![0] = i;
  for (let j = 0; j <= m; j++) d[0]![j] = j;
  for (let i = 1; i <= n; i++)
    for (let j = 1; j <= m; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
  const correct = new Array<boolean>(m).fill(false);
  let i = n;
  let j = m;
  while (i > 0 && j > 0) {
    if (ref[i - 1] === hyp[j - 1] && d[i]![j] === d[i - 1]![j - 1]) {
      correct[j - 1] = true;
      i--;
      j--;
    } else if (d[i]![j] === d[i - 1]![j - 1]! + 1) {
      i--;
      j--;
    } else if (d[i]![j] === d[i - 1]![j]! + 1) i--;
    else j--;
  }
  return { errors: d[n]![m]!, correct };
}

function telephone(samples: Int16Array, rate: number): Int16Array {
  const s8 = rate === 8000 ? samples : resample(samples, rate, 8000);
  return Int16Array.from(s8, (x) => mulawToLinear(linearToMulaw(x)));
}

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}
const pr = (c: Counts) => ({
  precision: c.tp + c.fp ? +(c.tp / (c.tp + c.fp)).toFixed(3) : null,
  recall: c.tp + c.fn ? +(c.tp / (c.tp + c.fn)).toFixed(3) : null,
  said: c.tp + c.fn,
  reported: c.tp + c.fp,
});
function compare(said: Set<string>, heard: Set<string>, c: Counts, wrong: string[], tag: string): void {
  for (const h of heard) {
    if (said.has(h)) c.tp++;
    else {
      c.fp++;
      wrong.push(`${tag}:${h}`);
    }
  }
  for (const s of said) if (!heard.has(s)) c.fn++;
}

/** Probability that a right word's posterior is above a wrong one's. */
function auc(right: number[], wrong: number[]): number {
  const all = [...right.map((v) => [v, 1] as const), ...wrong.map((v) => [v, 0] as const)].sort((a, b) => a[0] - b[0]);
  let sumRight = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]![0] === all[i]![0]) j++;
    const mid = (i + 1 + j) / 2; // average rank of ties
    for (let k = i; k < j; k++) if (all[k]![1] === 1) sumRight += mid;
    i = j;
  }
  const n1 = right.length;
  const n0 = wrong.length;
  return n1 && n0 ? +((sumRight - (n1 * (n1 + 1)) / 2) / (n1 * n0)).toFixed(3) : NaN;
}


export async function benchAsr(argv: string[]): Promise<unknown> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', multiple: true },
      voice: { type: 'string', default: 'flite:rms' },
      role: { type: 'string', default: 'caller' },
      limit: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '2' },
      /** Language model: corpus (the default, built at start) or debian (en-us.lm.bin). */
      lm: { type: 'string', default: 'corpus' },
      /** Extra decoder arguments, e.g. "-ascale 10". */
      args: { type: 'string', default: '' },
    },
  });
  if (!OfflineRecognizerFactory.available()) return { skipped: 'pocketsphinx is not installed' };
  const files = values.data ?? ['test/fixtures/analysis/dev2-scams.jsonl', 'test/fixtures/analysis/dev2-legit.jsonl'];
  const limit = Number(values.limit);
  const conversations: Conversation[] = files.flatMap((f) => parseDataset(readFileSync(f, 'utf8'), f).slice(0, limit));
  const voice = parseVoiceSpec(values.voice!);
  const synth = new CachedSynthesizer(new TtsCache(ttsCacheDir(process.env)));
  const extraArgs = values.args!.split(/\s+/).filter(Boolean);
  if (values.lm !== 'corpus' && values.lm !== 'debian') throw new Error(`--lm must be corpus or debian, not ${values.lm}`);
  const factory = new OfflineRecognizerFactory({ extraArgs, languageModel: values.lm });
  await factory.model();
  const role = values.role === 'subscriber' ? 'subscriber' : 'caller';

  let refWords = 0;
  let errors = 0;
  let audioSeconds = 0;
  let dropped = 0;
  const right: number[] = [];
  const wrongConf: number[] = [];
  const phrases: Counts = { tp: 0, fp: 0, fn: 0 };
  const evidence: Counts = { tp: 0, fp: 0, fn: 0 };
  const wrongPhrases: string[] = [];
  const wrongEvidence: string[] = [];
  const cpu0 = childrenCpuSeconds();

  const one = async (c: Conversation): Promise<void> => {
    const turns = c.turns.filter((t) => t.speaker === role);
    if (turns.length === 0) return;
    const rec = await factory.start({ role, streamIndex: 0, sampleRate: 8000, language: 'en-US' });
    const heard: Utterance[] = [];
    rec.onUtterance((u) => heard.push(u));
    let t = 0;
    let frames = 0;
    for (const turn of turns) {
      const pcm = await synth.synthesize(voice, turn.text);
      const audio = telephone(pcm.samples, pcm.sampleRate);
      const padded = new Int16Array(audio.length + 8000 - (audio.length % 160));
      padded.set(audio);
      for (let i = 0; i + 160 <= padded.length; i += 160) {
        rec.write({ samples: padded.subarray(i, i + 160), sampleRate: 8000, timestamp: t, concealed: false });
        t += 20;
        // Yield so the pipe drains: a tight loop would only exercise the drop path.
        if (++frames % 25 === 0) await new Promise((r) => setTimeout(r, 100));
      }
    }
    await rec.close();
    audioSeconds += t / 1000;
    dropped += rec.stats().droppedFrames;
    const ref = turns.flatMap((x) => spokenWords(x.text));
    const words: RecognizedWord[] = heard.flatMap((u) => u.words ?? []);
    const hyp = words.map((w) => w.word);
    const a = align(ref, hyp);
    refWords += ref.length;
    errors += a.errors;
    words.forEach((w, i) => (a.correct[i] ? right : wrongConf).push(w.confidence));
    compare(new Set(spotKeyphrases(ref.join(' '))), new Set(spotKeyphrases(hyp.join(' '))), phrases, wrongPhrases, c.label);
    const ev = (text: string) => new Set(detectCallerTactics([text]).map((h) => h.evidence as string));
    compare(ev(ref.join(' ')), ev(hyp.join(' ')), evidence, wrongEvidence, c.label);
  };

  let next = 0;
  await Promise.all(
    Array.from({ length: Number(values.concurrency) }, async () => {
      while (next < conversations.length) await one(conversations[next++]!);
    }),
  );
  await factory.close();
  const cpu = childrenCpuSeconds() - cpu0;
  const quant = (xs: number[], q: number) => {
    const s = [...xs].sort((x, y) => x - y);
    return s.length ? +s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(3) : null;
  };
  return {
    bench: 'asr',
    voice: values.voice,
    lm: values.lm,
    role,
    conversations: conversations.length,
    audio_seconds: Math.round(audioSeconds),
    word_error_rate: +(errors / refWords).toFixed(3),
    word_accuracy: +(1 - errors / refWords).toFixed(3),
    cpu_seconds_per_audio_second: +(cpu / audioSeconds).toFixed(3),
    dropped_frames: dropped,
    decoder_args: extraArgs.join(' '),
    posterior: {
      auc: auc(right, wrongConf),
      right: { n: right.length, p25: quant(right, 0.25), median: quant(right, 0.5) },
      wrong: { n: wrongConf.length, p25: quant(wrongConf, 0.25), median: quant(wrongConf, 0.5) },
    },
    keyphrases: { ...pr(phrases), wrong: wrongPhrases.slice(0, 30) },
    evidence: { ...pr(evidence), wrong: wrongEvidence.slice(0, 30) },
  };
}
