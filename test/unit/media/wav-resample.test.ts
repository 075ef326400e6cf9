import { describe, expect, it } from 'vitest';
import { downsample16to8, resample, upsample8to16 } from '../../../src/media/resample.js';
import { readWav, WavFormatError, writeWav } from '../../../src/media/wav.js';
import { requireBinary } from '../../support/binaries.js';
import { goertzel, rms, snrDb, sox, tone } from './dsp.js';

const hasSox = requireBinary('sox', 'sox');

describe('WAV', () => {
  it('round-trips 16-bit PCM and G.711 WAV files', () => {
    const pcm = tone([440, 2000], 8000, 0.25);
    const back = readWav(writeWav(pcm, 8000));
    expect(back).toMatchObject({ sampleRate: 8000, channels: 1, encoding: 'pcm' });
    expect(Array.from(back.samples)).toEqual(Array.from(pcm));
    for (const enc of ['mulaw', 'alaw'] as const) {
      const g = readWav(writeWav(pcm, 8000, enc));
      expect(g.encoding).toBe(enc);
      expect(g.samples.length).toBe(pcm.length);
      expect(snrDb(pcm, g.samples)).toBeGreaterThan(30);
    }
  });

  it('rejects what it cannot read with a typed error', () => {
    expect(() => readWav(Buffer.from('RIFF\0\0\0\0WAVEjunk'))).toThrow(WavFormatError);
    expect(() => readWav(Buffer.from('OggS....'))).toThrow(/RIFF/);
    const noData = writeWav(new Int16Array(10), 8000).subarray(0, 36);
    expect(() => readWav(noData)).toThrow(/data/);
  });

  it.skipIf(!hasSox)('reads what sox writes: μ-law, A-law, 16-bit, stereo, float at 44.1 kHz', () => {
    const cases: Array<[string[], number, string]> = [
      [['-r', '8000', '-e', 'mu-law'], 8000, 'mulaw'],
      [['-r', '8000', '-e', 'a-law'], 8000, 'alaw'],
      [['-r', '16000', '-b', '16', '-e', 'signed'], 16000, 'pcm'],
      [['-r', '8000', '-b', '16', '-c', '2'], 8000, 'pcm'],
      [['-r', '44100', '-e', 'floating-point', '-b', '32'], 44100, 'float'],
    ];
    for (const [fmt, rate, encoding] of cases) {
      const wav = sox(['-D', '-n', ...fmt, '{dir}/o.wav', 'synth', '0.5', 'sine', '1000', 'gain', '-6'], 'o.wav');
      const r = readWav(wav);
      expect(r.sampleRate).toBe(rate);
      expect(r.encoding).toBe(encoding);
      expect(r.samples.length).toBe(rate / 2);
      expect(rms(r.samples)).toBeGreaterThan(10000);
      expect(goertzel(r.samples, 1000, rate)).toBeGreaterThan(1000 * goertzel(r.samples, 3000, rate));
    }
  });

  it.skipIf(!hasSox)('writes what sox reads', () => {
    const pcm = tone([1000], 8000, 0.5, 10000);
    const raw = sox(['{dir}/in.wav', '-t', 's16', '{dir}/o.raw'], 'o.raw', { 'in.wav': writeWav(pcm, 8000) });
    expect(raw.equals(Buffer.from(pcm.buffer))).toBe(true);
    const fromMulaw = sox(['{dir}/in.wav', '-t', 's16', '{dir}/o.raw'], 'o.raw', { 'in.wav': writeWav(pcm, 8000, 'mulaw') });
    expect(fromMulaw.length).toBe(pcm.length * 2);
  });
});

describe('resample', () => {
  it('8 k → 16 k keeps the tone and doubles the length', () => {
    const up = upsample8to16(tone([1000], 8000, 0.5));
    expect(up.length).toBe(8000);
    expect(goertzel(up, 1000, 16000)).toBeGreaterThan(1000 * goertzel(up, 7000, 16000)); // no image at 8k−1k
    expect(rms(up.subarray(400, 7600))).toBeCloseTo(8000 / Math.SQRT2, -2);
  });

  it('16 k → 8 k removes what 8 kHz cannot carry instead of aliasing it', () => {
    const mixed = tone([1000, 6000], 16000, 0.5);
    const down = downsample16to8(mixed);
    expect(down.length).toBe(4000);
    // 6 kHz would alias to 2 kHz at 8 kHz sampling.
    expect(goertzel(down, 1000, 8000)).toBeGreaterThan(1000 * goertzel(down, 2000, 8000));
  });

  it('converts other rates (44.1 k → 8 k) and is the identity for equal rates', () => {
    const down = resample(tone([700], 44100, 0.5), 44100, 8000);
    expect(down.length).toBe(4000);
    expect(goertzel(down, 700, 8000)).toBeGreaterThan(1000 * goertzel(down, 2500, 8000));
    const same = tone([700], 8000, 0.1);
    expect(Array.from(resample(same, 8000, 8000))).toEqual(Array.from(same));
  });
});
