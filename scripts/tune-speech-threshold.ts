/**
 * Chooses CALLGUARD_SPEECH_MIN_CONFIDENCE on a tuning set: each conversation's caller turns are
 * synthesised (one voice), made telephone audio (8 kHz, μ-law round trip, band fill) and decoded
 * ONCE by pocketsphinx with the node's own settings (decoderArgs) and output parser; then the caller's
 * utterances are replayed through the local analyzer and the escalation policy for every candidate
 * threshold, beside the text replay of the same calls. Decoding runs from a file at full speed
 * (results do not depend on pacing), two decoders at a time.
 *
 *   npx tsx scripts/tune-speech-threshold.ts --data test/fixtures/spoken/tune-scams.jsonl \
 *     --data test/fixtures/spoken/tune-legit.jsonl [--voice flite:rms] [--thresholds 0,0.4,0.5,0.6,0.7]
 *
 * Never run it on a set you then report as a test (docs/analysis.md).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalAnalyzer } from '../src/analysis/local/index.js';
import { createRiskState, nextRisk } from '../src/analysis/policy.js';
import type { WindowTurn } from '../src/analysis/types.js';
import { parseDataset, type Conversation } from '../src/analysis/dataset.js';
import { CachedSynthesizer } from '../src/eval/spoken/synthesizer.js';
import { TtsCache, ttsCacheDir } from '../src/eval/spoken/tts-cache.js';
import { parseVoiceSpec } from '../src/eval/spoken/voices.js';
import { linearToMulaw, mulawToLinear } from '../src/media/codecs/index.js';
import { resample } from '../src/media/resample.js';
import { BandFiller, decoderArgs, DecoderOutputParser, generateModelDir } from '../src/speech/offline/index.js';
import type { RawUtterance } from '../src/speech/offline/pocketsphinx-process.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', multiple: true },
    voice: { type: 'string', default: 'flite:rms' },
    thresholds: { type: 'string', default: '0,0.4,0.5,0.6,0.7' },
  },
});
if (!values.data?.length) {
  process.stderr.write('usage: tune-speech-threshold.ts --data FILE [--data FILE…] [--voice flite:rms] [--thresholds 0,0.5,0.6]\n');
  process.exit(2);
}
const conversations: Conversation[] = values.data.flatMap((f) => parseDataset(readFileSync(f, 'utf8'), f));
const voice = parseVoiceSpec(values.voice!);
const synth = new CachedSynthesizer(new TtsCache(ttsCacheDir(process.env)));
const model = await generateModelDir();
const work = mkdtempSync(join(tmpdir(), 'callguard-tune-'));

/** The caller's turns as one 16 kHz band-filled recording, 1.5 s of silence after each turn. */
async function callerAudio(c: Conversation): Promise<Buffer> {
  const filler = new BandFiller();
  const out: Int16Array[] = [];
  for (const turn of c.turns.filter((t) => t.speaker === 'caller')) {
    const pcm = await synth.synthesize(voice, turn.text);
    const s8 = pcm.sampleRate === 8000 ? pcm.samples : resample(pcm.samples, pcm.sampleRate, 8000);
    const padded = new Int16Array(s8.length + 12000 - (s8.length % 160));
    padded.set(Int16Array.from(s8, (x) => mulawToLinear(linearToMulaw(x))));
    for (let i = 0; i < padded.length; i += 160) out.push(filler.process(padded.subarray(i, i + 160)));
  }
  const all = new Int16Array(out.length * 320);
  out.forEach((f, i) => all.set(f, i * 320));
  return Buffer.from(all.buffer);
}

function decode(file: string): Promise<RawUtterance[]> {
  const utterances: RawUtterance[] = [];
  const parser = new DecoderOutputParser((u) => utterances.push(u));
  return new Promise((resolve, reject) => {
    const child = spawn('pocketsphinx_continuous', ['-infile', file, '-logfn', '/dev/null', '-time', 'yes', ...decoderArgs(model)], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        parser.line(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    child.on('error', reject);
    child.on('close', () => {
      parser.line(buf);
      parser.flush();
      resolve(utterances);
    });
  });
}

interface Decoded {
  conversation: Conversation;
  turns: WindowTurn[];
}

const decoded: Decoded[] = [];
let next = 0;
await Promise.all(
  [0, 1].map(async (slot) => {
    while (next < conversations.length) {
      const c = conversations[next++]!;
      const file = join(work, `slot${slot}.raw`);
      writeFileSync(file, await callerAudio(c));
      const utterances = await decode(file);
      decoded.push({
        conversation: c,
        turns: utterances.map((u) => ({
          speaker: 'caller',
          text: u.words.map((w) => w.word).join(' '),
          source: 'offline',
          words: u.words.map((w) => ({ word: w.word, confidence: w.posterior })),
        })),
      });
      process.stderr.write(`\r${decoded.length}/${conversations.length} decoded`);
    }
  }),
);
process.stderr.write('\n');
rmSync(work, { recursive: true, force: true });
await model.remove();

/** Whether replaying `turns` one at a time through the analyzer and the policy raises an alert. */
function alerts(analyzer: LocalAnalyzer, turns: readonly WindowTurn[], callerOnly: boolean): boolean {
  let state = createRiskState();
  for (let i = 0; i < turns.length; i++) {
    if (callerOnly && turns[i]!.speaker !== 'caller') continue;
    const r = nextRisk(state, analyzer.analyzeSync({ window: turns.slice(Math.max(0, i - 49), i + 1) }));
    state = r.state;
    if (r.alert) return true;
  }
  return false;
}

const scams = decoded.filter((d) => d.conversation.label === 'scam');
const legits = decoded.filter((d) => d.conversation.label === 'legit');
const rate = (xs: Decoded[], f: (d: Decoded) => boolean) => (xs.length ? Math.round((xs.filter(f).length / xs.length) * 1000) / 1000 : null);
const text = new LocalAnalyzer();
const asText = (d: Decoded) => alerts(text, d.conversation.turns.map((t) => ({ speaker: t.speaker, text: t.text })), true);
const rows = values.thresholds!.split(',').map(Number).map((threshold) => {
  const analyzer = new LocalAnalyzer({ hitConfidence: threshold });
  const spoken = (d: Decoded) => alerts(analyzer, d.turns, false);
  return { threshold, spoken_recall: rate(scams, spoken), spoken_false_alarms: rate(legits, spoken) };
});
process.stdout.write(
  `${JSON.stringify({ voice: values.voice, scams: scams.length, legits: legits.length, text_recall: rate(scams, asText), text_false_alarms: rate(legits, asText), thresholds: rows })}\n`,
);
