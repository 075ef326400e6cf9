/**
 * A party's audio as mono 16-bit PCM at the codec's sample rate: from a WAV file, from text spoken
 * by flite, or as given. Speech uses flite's kal16 voice, one the offline recognizer hears well
 * (word error about 0.25 on realistic calls, docs/speech.md); the codec then does the telephone
 * part (8 kHz for G.711, mu-law/A-law companding), so no sox is needed at run time.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resample } from '../media/resample.js';
import { readWav } from '../media/wav.js';
import { SimulateError } from './errors.js';
import type { AudioInput } from './types.js';

export const FLITE_PACKAGE = 'flite';

export async function loadAudio(input: AudioInput, sampleRate: number): Promise<Int16Array> {
  switch (input.kind) {
    case 'pcm':
      return toRate(input.samples, input.sampleRate, sampleRate);
    case 'file':
      return toRate(...(await readWavFile(input.path)), sampleRate);
    case 'say':
      return toRate(...(await synthesise(input.text)), sampleRate);
  }
}

function toRate(samples: Int16Array, from: number, to: number): Int16Array {
  return from === to ? samples : resample(samples, from, to);
}

async function readWavFile(path: string): Promise<[Int16Array, number]> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new SimulateError('SIMULATE_AUDIO_FILE', `cannot read ${path}: ${(err as Error).message}`, 2, { cause: err });
  }
  return decodeWav(buf, path);
}

function decodeWav(buf: Buffer, name: string): [Int16Array, number] {
  try {
    const wav = readWav(buf);
    return [wav.samples, wav.sampleRate];
  } catch (err) {
    throw new SimulateError('SIMULATE_AUDIO_FILE', `${name} is not a usable WAV file: ${(err as Error).message}`, 2, { cause: err });
  }
}

/** `flite -voice kal16 -t TEXT -o file.wav` in a private temporary directory. */
async function synthesise(text: string): Promise<[Int16Array, number]> {
  const dir = await mkdtemp(join(tmpdir(), 'callguard-say-'));
  try {
    const out = join(dir, 'say.wav');
    await new Promise<void>((resolve, reject) => {
      // Arguments go to flite directly (no shell): the text cannot inject anything.
      execFile('flite', ['-voice', 'kal16', '-t', text, '-o', out], { timeout: 60_000 }, (err, _stdout, stderr) => {
        if (!err) return resolve();
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          return reject(
            new SimulateError(
              'SIMULATE_FLITE_MISSING',
              `flite is not installed; --say-caller/--say-subscriber need it (Debian package ${FLITE_PACKAGE}: apt-get install ${FLITE_PACKAGE})`,
              2,
            ),
          );
        }
        reject(new SimulateError('SIMULATE_FLITE_FAILED', `flite failed: ${String(stderr).trim() || err.message}`, 2, { cause: err }));
      });
    });
    return decodeWav(await readFile(out), 'flite output');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
