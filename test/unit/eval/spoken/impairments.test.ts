/**
 * Background noise is seeded: the same seed gives the same audio, a different seed different audio,
 * and the noise sits at the SNR asked for relative to each party's speech.
 */
import { describe, expect, it } from 'vitest';
import { layoutCall } from '../../../../src/eval/spoken/layout.js';
import { addNoise, noiseOf, rmsOf } from '../../../../src/eval/spoken/noise.js';

const tone = (ms: number, amplitude: number): Int16Array =>
  Int16Array.from({ length: (ms * 8) | 0 }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * 300 * i) / 8000)));

/** Byte equality: toEqual on long typed arrays is slow to diff. */
const same = (a: Int16Array, b: Int16Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const layout = layoutCall(
  [
    { role: 'caller', samples: tone(1500, 8000) },
    { role: 'subscriber', samples: tone(1000, 2000) },
  ],
  { sampleRate: 8000, leadInMs: 1000, gapMs: 700, tailMs: 1000 },
);

describe('background noise', () => {
  it('is the same for the same seed and conversation, different otherwise', () => {
    const a = addNoise(layout, { snrDb: 10, color: 'pink', seed: 1 }, 'call-1');
    const b = addNoise(layout, { snrDb: 10, color: 'pink', seed: 1 }, 'call-1');
    expect(same(a.tracks.caller, b.tracks.caller)).toBe(true);
    expect(same(a.tracks.subscriber, b.tracks.subscriber)).toBe(true);
    expect(same(addNoise(layout, { snrDb: 10, color: 'pink', seed: 2 }, 'call-1').tracks.caller, a.tracks.caller)).toBe(false);
    expect(same(addNoise(layout, { snrDb: 10, color: 'pink', seed: 1 }, 'call-2').tracks.caller, a.tracks.caller)).toBe(false);
    // Each track its own noise.
    expect(same(a.tracks.caller.subarray(0, 8000), a.tracks.subscriber.subarray(0, 8000))).toBe(false);
    // The input layout is untouched.
    expect(layout.tracks.caller[10]).toBe(0);
  });

  it('sits at the SNR asked for, relative to each party\'s own speech, over the whole call', () => {
    for (const color of ['pink', 'white'] as const) {
      const noisy = addNoise(layout, { snrDb: 20, color, seed: 3 }, 'snr');
      for (const role of ['caller', 'subscriber'] as const) {
        const turn = layout.schedule.find((t) => t.role === role)!;
        const speechRms = rmsOf(layout.tracks[role], [[turn.startMs * 8, turn.endMs * 8]]);
        // In the lead-in the track is noise only.
        const noiseRms = rmsOf(noisy.tracks[role], [[0, 8000]]);
        const snr = 20 * Math.log10(speechRms / noiseRms);
        expect(snr, `${color} ${role}`).toBeGreaterThan(18.5);
        expect(snr, `${color} ${role}`).toBeLessThan(21.5);
      }
    }
  });

  it('pink noise has more energy low than high; both have unit RMS', () => {
    const pink = noiseOf(16000, 'pink', 9);
    const white = noiseOf(16000, 'white', 9);
    const rms = (x: Float64Array): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    expect(rms(pink)).toBeCloseTo(1, 6);
    expect(rms(white)).toBeCloseTo(1, 6);
    // First difference: a high-pass; pink noise loses far more of its energy through it than white.
    const diffRms = (x: Float64Array): number => rms(x.slice(1).map((v, i) => v - (x[i] as number)));
    expect(diffRms(pink)).toBeLessThan(0.7 * diffRms(white));
  });
});
