/**
 * The offline recognizer (continuous decoding) against real pocketsphinx: flite (kal16) speaks, sox makes it telephone
 * audio (8 kHz, 300–3400 Hz, μ-law round trip), frames are fed at full speed (the decoder's results
 * do not depend on pacing: ../shared/notes/offline-speech.md).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PcmFrame } from '../../../../src/media/types.js';
import { OfflineRecognizer, OfflineRecognizerFactory } from '../../../../src/speech/offline/index.js';
import type { Utterance } from '../../../../src/speech/types.js';
import { requireBinary } from '../../../support/binaries.js';

const ready =
  requireBinary('pocketsphinx_continuous', 'pocketsphinx') &&
  requireBinary('flite', 'flite') &&
  requireBinary('sox', 'sox') &&
  OfflineRecognizerFactory.available();

const SCAM = 'This is the tax office. You owe back taxes. Pay today with gift cards or you will be arrested.';
const BENIGN = "Hi, this is the dentist's office calling to confirm your appointment on Tuesday at three.";

function telephone(dir: string, name: string, text: string): Int16Array {
  const wav = join(dir, `${name}.wav`);
  const mu = join(dir, `${name}-mu.wav`);
  const raw = join(dir, `${name}.raw`);
  execFileSync('flite', ['-voice', 'kal16', '-t', text, '-o', wav]);
  execFileSync('sox', [wav, '-r', '8000', '-c', '1', '-e', 'mu-law', mu, 'sinc', '300-3400']);
  execFileSync('sox', [mu, '-e', 'signed', '-b', '16', '-r', '8000', '-t', 'raw', raw]);
  const b = readFileSync(raw);
  return new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + (b.length & ~1)));
}

/** The scam keyphrases SCAM contains. */
const SAID = ['tax office', 'back taxes', 'pay today', 'gift card', 'gift cards', 'you will be arrested'];

/** At least three of SCAM's phrases were heard, and nothing it does not say. */
function expectHeardFromLine(phrases: readonly string[]): void {
  expect(phrases.filter((p) => !SAID.includes(p)), phrases.join(', ')).toEqual([]);
  expect(new Set(phrases.map((p) => p.replace(/s$/, ''))).size, phrases.join(', ')).toBeGreaterThanOrEqual(3);
}

/**
 * Writes audio (plus 1 s of silence so the decoder ends its utterance) as 20 ms frames from t0,
 * four times faster than real time, so the pipe drains even when the decoder works in bursts on a
 * busy machine (a tight loop would only exercise the drop path).
 */
async function feed(rec: { write(f: PcmFrame): void }, audio: Int16Array, t0: number): Promise<number> {
  const padded = new Int16Array(audio.length + 8000 + 160);
  padded.set(audio);
  let t = t0;
  for (let i = 0; i + 160 <= padded.length; i += 160) {
    rec.write({ samples: padded.slice(i, i + 160), sampleRate: 8000, timestamp: t, concealed: false });
    t += 20;
    if ((i / 160) % 4 === 3) await new Promise((r) => setTimeout(r, 20));
  }
  return t;
}

/**
 * Whether no live process is left in the group (shell, cat, decoder). Zombies count as gone: in a
 * container PID 1 may never reap the orphaned cat, and a zombie holds no resources.
 */
function gone(pgid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …; comm may contain spaces, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return false;
  }
  return true;
}

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!ready)('OfflineRecognizer (pocketsphinx)', () => {
  let dir: string;
  let scam: Int16Array;
  let benign: Int16Array;
  let factory: OfflineRecognizerFactory;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'callguard-offline-test-'));
    scam = telephone(dir, 'scam', SCAM);
    benign = telephone(dir, 'benign', BENIGN);
    factory = new OfflineRecognizerFactory();
  });

  afterAll(async () => {
    const model = await factory.model();
    await factory.close();
    expect(existsSync(model.dir)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () =>
    (await factory.start({ role: 'caller', streamIndex: 1, sampleRate: 8000, language: 'en-US' })) as OfflineRecognizer;

  it('hears the scam line word by word with posteriors and plausible media times, then close() leaves no process', async () => {
    const rec = await start();
    const got: Utterance[] = [];
    rec.onUtterance((u) => got.push(u));
    const t0 = 5000; // media time of the stream when this recognizer started
    await feed(rec, scam, t0);
    await rec.close();
    const pid = rec.pid!;
    expect(gone(pid)).toBe(true);

    const phrases = got.flatMap((u) => u.keyphrases ?? []);
    // kal16 through a 300–3400 Hz filter. How the decoder splits a piped stream varies from run to run
    // (and with machine load), and so do a few words; most of the line's phrases are heard, none it lacks.
    expectHeardFromLine(phrases);
    const audioMs = (scam.length / 8000) * 1000;
    for (const u of got) {
      expect(u.kind).toBe('final');
      expect(u.role).toBe('caller');
      expect(u.source).toBe('offline');
      // The text is the words, each with its posterior and times inside the utterance.
      expect(u.text).toBe(u.words!.map((w) => w.word).join(' '));
      for (const w of u.words!) {
        expect(w.confidence).toBeGreaterThanOrEqual(0);
        expect(w.confidence).toBeLessThanOrEqual(1);
        expect(w.startMs).toBeGreaterThanOrEqual(u.startMs);
        expect(w.endMs).toBeLessThanOrEqual(u.endMs);
      }
      expect(u.startMs).toBeGreaterThanOrEqual(t0);
      expect(u.endMs).toBeGreaterThan(u.startMs);
      expect(u.endMs).toBeLessThanOrEqual(t0 + audioMs + 100);
      expect(u.confidence).toBeGreaterThan(0);
      expect(u.confidence).toBeLessThanOrEqual(1);
    }
    const stats = rec.stats();
    expect(stats.audioSeconds).toBeGreaterThan(audioMs / 1000);
    expect(stats.droppedFrames).toBe(0);
    expect(stats.utterances).toBe(got.length);
    await rec.close(); // idempotent
  });

  it('hears none of the scam phrases in a benign call', async () => {
    const rec = await start();
    const got: Utterance[] = [];
    rec.onUtterance((u) => got.push(u));
    await feed(rec, benign, 0);
    await rec.close();
    expect(got.flatMap((u) => u.keyphrases ?? [])).toEqual([]);
  });

  it('takes 10 s of audio written at once (what is kept while it starts), loses none of it, and hears the scam line in it', { timeout: 40_000 }, async () => {
    const rec = await start();
    const got: Utterance[] = [];
    rec.onUtterance((u) => got.push(u));
    const burst = new Int16Array(10 * 8000);
    expect(scam.length).toBeLessThan(burst.length - 8000);
    burst.set(scam, burst.length - 8000 - scam.length);
    for (let i = 0; i + 160 <= burst.length; i += 160) rec.write({ samples: burst.slice(i, i + 160), sampleRate: 8000, timestamp: (i / 160) * 20, concealed: false });
    expect(rec.stats().droppedFrames).toBe(0);
    // close() gives the decoder 1 s to finish what it was given, and 10 s of audio at once takes it
    // longer than that on a loaded machine: wait until it has decoded to the line's end (at 9 s).
    await until(() => got.some((u) => u.endMs >= 8000), 20_000);
    await rec.close();
    expectHeardFromLine(got.flatMap((u) => u.keyphrases ?? []));
  });

  it('bounds what waits for a decoder that is far behind: frames past ~14 s are dropped and counted', async () => {
    const rec = await start();
    const silence = new Int16Array(160);
    for (let t = 0; t < 60_000; t += 20) rec.write({ samples: silence, sampleRate: 8000, timestamp: t, concealed: false });
    expect(rec.stats().droppedFrames).toBeGreaterThan(1500);
    await rec.close();
  });

  it('restarts a killed decoder and keeps recognising', async () => {
    const rec = await start();
    const got: Utterance[] = [];
    rec.onUtterance((u) => got.push(u));
    const first = rec.pid!;
    rec.kill();
    await until(() => rec.stats().restarts === 1 && rec.pid !== first);
    expect(gone(first)).toBe(true);
    await feed(rec, scam, 60_000);
    await rec.close();
    expect(gone(rec.pid!)).toBe(true);
    expectHeardFromLine(got.flatMap((u) => u.keyphrases ?? []));
    expect(got.every((u) => u.startMs >= 60_000)).toBe(true);
  });
});
