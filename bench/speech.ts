/**
 * `npm run bench -- speech [--calls=10] [--azure-calls=100]`: recognizers under a realistic load.
 *
 * Offline: `calls` two-party conversations at once (2 streams each), fed in real time in 20 ms
 * frames. In each call the caller (flite rms) and the subscriber (flite slt) take turns, the other
 * stream silent meanwhile, as on a real call; calls start staggered. Reports the decoders' CPU per
 * audio second and in cores, memory per stream, frames dropped (the recognizer drops rather than
 * buffer when its decoder falls behind), and the delay from the end of each spoken turn to the
 * utterance event that ends it: the part of the alert time speech adds.
 *
 * Azure: the adapter against the fake Speech server on loopback (no real service is reachable).
 */
import { parseArgs } from 'node:util';
import { cpuTicks, descendants, percentile, rssKb } from './proc.js';

/** A short everyday call, in turns: what both streams say. */
const SCRIPT: ReadonlyArray<{ caller: boolean; text: string }> = [
  { caller: true, text: "Hi, this is Linda from Doctor Patel's office. I'm calling to confirm your appointment on Thursday at ten thirty." },
  { caller: false, text: 'Oh yes, thank you. Is that still at the clinic on Main Street?' },
  { caller: true, text: 'Yes, same place. Please bring your insurance card and a list of the medicines you take, and come fifteen minutes early.' },
  { caller: false, text: 'Okay, I will. Do I need to fast before the blood test?' },
  { caller: true, text: 'No, not this time. If anything changes just call us back at the front desk and we can move it for you.' },
  { caller: false, text: 'Great, thank you so much. See you Thursday.' },
];

interface Turn {
  caller: boolean;
  startMs: number;
  endMs: number;
}

async function benchSpeechOffline(calls: number): Promise<unknown> {
  const { OfflineRecognizerFactory } = await import('../src/speech/offline/index.js');
  const { CachedSynthesizer } = await import('../src/eval/spoken/synthesizer.js');
  const { TtsCache, ttsCacheDir } = await import('../src/eval/spoken/tts-cache.js');
  const { parseVoiceSpec } = await import('../src/eval/spoken/voices.js');
  const { resample } = await import('../src/media/resample.js');
  const { linearToMulaw, mulawToLinear } = await import('../src/media/codecs/index.js');
  if (!OfflineRecognizerFactory.available()) return { skipped: 'pocketsphinx is not installed' };

  // The two tracks of one call: turns in order with 0.7 s between them, 1 s lead-in.
  const synth = new CachedSynthesizer(new TtsCache(ttsCacheDir(process.env)));
  const voices = { caller: parseVoiceSpec('flite:rms'), subscriber: parseVoiceSpec('flite:slt') };
  const pieces: Array<{ caller: boolean; pcm: Int16Array }> = [];
  for (const t of SCRIPT) {
    const p = await synth.synthesize(t.caller ? voices.caller : voices.subscriber, t.text);
    const s8 = p.sampleRate === 8000 ? p.samples : resample(p.samples, p.sampleRate, 8000);
    pieces.push({ caller: t.caller, pcm: Int16Array.from(s8, (x) => mulawToLinear(linearToMulaw(x))) });
  }
  const turns: Turn[] = [];
  let at = 8000;
  for (const p of pieces) {
    turns.push({ caller: p.caller, startMs: at / 8, endMs: (at + p.pcm.length) / 8 });
    at += p.pcm.length + 5600;
  }
  const total = at + 16000; // 2 s of tail so the last turn ends its utterance
  const track = { caller: new Int16Array(total), subscriber: new Int16Array(total) };
  turns.forEach((t, i) => (t.caller ? track.caller : track.subscriber).set(pieces[i]!.pcm, t.startMs * 8));

  const factory = new OfflineRecognizerFactory();
  await factory.model();
  const streams = await Promise.all(
    Array.from({ length: calls * 2 }, async (_, i) => {
      const caller = i % 2 === 0;
      const rec = await factory.start({ role: caller ? 'caller' : 'subscriber', streamIndex: i % 2, sampleRate: 8000, language: 'en-US' });
      // Calls start staggered over 3 s, so turn ends do not all fall on the same frame.
      return { rec, caller, offsetFrames: Math.floor(((i >> 1) * 150) / calls) };
    }),
  );
  const frames = total / 160;
  const maxOffset = Math.max(...streams.map((s) => s.offsetFrames));
  const t0 = performance.now();
  const delays: number[] = [];
  const seen = streams.map(() => new Set<number>());
  const pids = streams.flatMap((s) => {
    const pid = (s.rec as { pid?: number }).pid;
    return pid ? [pid, ...descendants(pid)] : [];
  });
  const ticks0 = pids.reduce((a, p) => a + cpuTicks(p), 0);
  const events: Array<{ stream: number; wall: number; endMs: number }> = [];
  streams.forEach((s, i) => s.rec.onUtterance((u) => events.push({ stream: i, wall: performance.now(), endMs: u.endMs })));
  let rss = 0;
  for (let f = 0; f < frames + maxOffset; f++) {
    for (const s of streams) {
      const g = f - s.offsetFrames;
      if (g < 0 || g >= frames) continue;
      const src = s.caller ? track.caller : track.subscriber;
      s.rec.write({ samples: src.subarray(g * 160, g * 160 + 160), sampleRate: 8000, timestamp: g * 20, concealed: false });
    }
    if (f === Math.floor(frames / 2)) rss = pids.reduce((a, p) => a + (Number.isNaN(rssKb(p)) ? 0 : rssKb(p)), 0);
    const wait = t0 + (f + 1) * 20 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await new Promise((r) => setTimeout(r, 1500));
  let ticks1 = 0;
  for (const p of pids) {
    try {
      ticks1 += cpuTicks(p);
    } catch {
      // exited
    }
  }
  // Each turn's delay: the first utterance event on its stream ending at or after the turn's last word.
  streams.forEach((s, i) => {
    for (const t of turns.filter((x) => x.caller === s.caller)) {
      const wallEnd = t0 + (s.offsetFrames * 20 + t.endMs);
      const e = events.find((x) => x.stream === i && x.endMs >= t.endMs - 400 && x.endMs <= t.endMs + 400 && !seen[i]!.has(x.endMs));
      if (!e) continue;
      seen[i]!.add(e.endMs);
      delays.push(e.wall - wallEnd);
    }
  });
  const audioSeconds = (frames * 20 * streams.length) / 1000;
  const wallSeconds = ((frames + maxOffset) * 20) / 1000;
  const dropped = streams.reduce((a, s) => a + s.rec.stats().droppedFrames, 0);
  await factory.close();
  const sorted = [...delays].sort((a, b) => a - b);
  const cpuSeconds = (ticks1 - ticks0) / 100;
  return {
    calls,
    streams: streams.length,
    audio_seconds: audioSeconds,
    cpu_seconds_per_audio_second: Math.round((cpuSeconds / audioSeconds) * 1000) / 1000,
    cores_used: Math.round((cpuSeconds / wallSeconds) * 100) / 100,
    rss_mb_per_stream: Math.round(rss / 1024 / streams.length),
    turns_heard: delays.length,
    turns_spoken: turns.length * calls,
    turn_end_to_utterance_ms: { p50: Math.round(percentile(sorted, 50)), p95: Math.round(percentile(sorted, 95)), max: Math.round(sorted.at(-1) ?? NaN) },
    dropped_frames: dropped,
  };
}

/**
 * Azure adapter against the fake Speech server on loopback: `calls` × 2 recognizers fed in real
 * time; each connection's script says a phrase ending at 2 s of audio. Added latency = when the
 * final arrives − when the frame at the phrase's end was written; memory per recognizer = RSS growth.
 */
async function benchSpeechAzure(calls: number): Promise<unknown> {
  const { FakeAzureSpeech } = await import('../test/support/fake-azure-speech.js');
  const { AzureRecognizerFactory } = await import('../src/speech/azure/index.js');
  const { silentLogger } = await import('../src/log.js');
  const fake = await FakeAzureSpeech.start({ script: () => [{ kind: 'phrase', text: 'you owe back taxes', offsetMs: 1000, durationMs: 1000 }] });
  const factory = new AzureRecognizerFactory({ key: 'bench', endpoint: fake.endpoint, language: 'en-US', phraseList: [], logger: silentLogger() });
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const n = calls * 2;
  const recs = await Promise.all(
    Array.from({ length: n }, (_, i) => factory.start({ role: i % 2 ? 'subscriber' : 'caller', streamIndex: i % 2, sampleRate: 8000, language: 'en-US' })),
  );
  const rssOpen = process.memoryUsage().rss;
  const latencies: number[] = [];
  const t0 = performance.now();
  for (const rec of recs) {
    rec.onUtterance((u) => {
      if (u.kind === 'final') latencies.push(performance.now() - (t0 + u.endMs));
    });
  }
  const samples = new Int16Array(160);
  const frames = 150; // 3 s
  for (let f = 0; f < frames; f++) {
    for (const rec of recs) rec.write({ samples, sampleRate: 8000, timestamp: f * 20, concealed: false });
    const wait = t0 + (f + 1) * 20 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const rss1 = process.memoryUsage().rss;
  const dropped = recs.reduce((a, r) => a + r.stats().droppedFrames, 0);
  await factory.close();
  await fake.close();
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    concurrent_calls: calls,
    recognizers: n,
    finals: latencies.length,
    added_latency_ms: { p50: Math.round(percentile(sorted, 50)), p99: Math.round(percentile(sorted, 99)), max: Math.round(sorted.at(-1) ?? NaN) },
    rss_kb_per_recognizer: Math.round((Math.max(rssOpen, rss1) - rss0) / 1024 / n),
    dropped_frames: dropped,
  };
}

export async function benchSpeech(argv: string[]): Promise<unknown> {
  const { values } = parseArgs({ args: argv, options: { calls: { type: 'string', default: '10' }, 'azure-calls': { type: 'string', default: '100' } } });
  return { bench: 'speech', offline: await benchSpeechOffline(Number(values.calls)), azure: await benchSpeechAzure(Number(values['azure-calls'])) };
}
