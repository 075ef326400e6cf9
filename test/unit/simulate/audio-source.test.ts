/**
 * Where a simulated party's audio comes from: WAV files at any rate, flite speech, and the errors
 * the command turns into exit status 2 (unreadable file, flite not installed).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { writeWav } from '../../../src/media/wav.js';
import { loadAudio } from '../../../src/simulate/audio-source.js';
import { simulateCommand } from '../../../src/simulate/index.js';
import { requireBinary } from '../../support/binaries.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-sim-audio-'));
const savedPath = process.env.PATH;

afterEach(() => {
  process.env.PATH = savedPath;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadAudio', () => {
  it('reads a 16 kHz WAV and resamples it to the codec rate', async () => {
    const path = join(dir, 'tone16k.wav');
    const tone = Int16Array.from({ length: 16000 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16000)));
    writeFileSync(path, writeWav(tone, 16000));
    const at8k = await loadAudio({ kind: 'file', path }, 8000);
    expect(at8k.length).toBe(8000);
    expect(Math.max(...at8k)).toBeGreaterThan(6000); // 440 Hz passes the 8 kHz low-pass
    const at16k = await loadAudio({ kind: 'file', path }, 16000);
    expect(at16k.length).toBe(16000);
  });

  it('passes in-memory PCM through, resampled when needed', async () => {
    const pcm = new Int16Array(800).fill(100);
    expect((await loadAudio({ kind: 'pcm', samples: pcm, sampleRate: 8000 }, 8000)).length).toBe(800);
    expect((await loadAudio({ kind: 'pcm', samples: pcm, sampleRate: 8000 }, 16000)).length).toBe(1600);
  });

  it('reports an unreadable or non-WAV file as SIMULATE_AUDIO_FILE, exit 2', async () => {
    await expect(loadAudio({ kind: 'file', path: join(dir, 'missing.wav') }, 8000)).rejects.toMatchObject({
      code: 'SIMULATE_AUDIO_FILE',
      exitCode: 2,
    });
    const junk = join(dir, 'junk.wav');
    writeFileSync(junk, 'not audio at all');
    await expect(loadAudio({ kind: 'file', path: junk }, 8000)).rejects.toMatchObject({ code: 'SIMULATE_AUDIO_FILE', message: /not a usable WAV/ });
  });

  it.skipIf(!requireBinary('flite', 'flite'))('speaks text with flite kal16, at the codec rate', async () => {
    const pcm = await loadAudio({ kind: 'say', text: 'Please read me the code we just sent you.' }, 8000);
    // A sentence of speech: between one and ten seconds at 8 kHz, and not silent.
    expect(pcm.length).toBeGreaterThan(8000);
    expect(pcm.length).toBeLessThan(80000);
    expect(pcm.some((s) => Math.abs(s) > 1000)).toBe(true);
  });

  it('without flite: a clear error naming the Debian package, exit 2', async () => {
    process.env.PATH = dir; // nothing executable here
    await expect(loadAudio({ kind: 'say', text: 'hello' }, 8000)).rejects.toMatchObject({
      code: 'SIMULATE_FLITE_MISSING',
      exitCode: 2,
      message: /apt-get install flite/,
    });
  });

  it('the command exits 2 with that message before sending anything', async () => {
    process.env.PATH = dir;
    let err = '';
    const code = await simulateCommand(['--say-caller', 'hello', '--target', '127.0.0.1:9', '--subscriber', '+12125550123'], {
      stdout: { write: () => true } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
      env: {},
    });
    expect(code).toBe(2);
    expect(err).toMatch(/flite is not installed.*Debian package flite/);
  });
});
