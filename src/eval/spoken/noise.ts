/**
 * Background noise at a given signal-to-noise ratio, seeded: each track gets its own noise at a level
 * set by that party's speech RMS (measured over its turns only, not the silence between them), for
 * the whole length of the call, as a phone's microphone picks up a room. Pink (Paul Kellet's
 * economy filter: -3 dB/octave, closer to real rooms and traffic) or white.
 */
import { deriveSeed, seededRandom } from '../../simulate/seeded-random.js';
import type { CallLayout, NoiseColor, NoiseOptions, Role } from './types.js';

/** RMS of the given sample ranges (start inclusive, end exclusive). */
export function rmsOf(samples: Int16Array, ranges: ReadonlyArray<readonly [number, number]>): number {
  let sum = 0;
  let n = 0;
  for (const [from, to] of ranges) {
    for (let i = Math.max(0, from); i < Math.min(samples.length, to); i++) {
      const s = samples[i] as number;
      sum += s * s;
      n++;
    }
  }
  return n ? Math.sqrt(sum / n) : 0;
}

/** `length` samples of unit-RMS noise. */
export function noiseOf(length: number, color: NoiseColor, seed: number): Float64Array {
  const random = seededRandom(seed);
  // Box-Muller: Gaussian white noise from the uniform PRNG.
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const out = new Float64Array(length);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let i = 0; i < length; i++) {
    const w = gauss();
    if (color === 'white') out[i] = w;
    else {
      b0 = 0.99765 * b0 + w * 0.099046;
      b1 = 0.963 * b1 + w * 0.2965164;
      b2 = 0.57 * b2 + w * 1.0526913;
      out[i] = b0 + b1 + b2 + w * 0.1848;
    }
  }
  let sum = 0;
  for (const x of out) sum += x * x;
  const rms = length ? Math.sqrt(sum / length) : 0;
  if (rms > 0) for (let i = 0; i < length; i++) out[i] = (out[i] as number) / rms;
  return out;
}

/**
 * The layout with noise added to both tracks (new arrays; the input is not changed). A party that
 * never speaks gets the other party's level. `key` names the conversation, so its noise does not
 * depend on which other conversations run or in what order.
 */
export function addNoise(layout: CallLayout, opts: NoiseOptions, key: string): CallLayout {
  const ranges = (role: Role): Array<[number, number]> =>
    layout.schedule
      .filter((t) => t.role === role)
      .map((t) => [Math.round((t.startMs * layout.sampleRate) / 1000), Math.round((t.endMs * layout.sampleRate) / 1000)]);
  const speech: Record<Role, number> = {
    caller: rmsOf(layout.tracks.caller, ranges('caller')),
    subscriber: rmsOf(layout.tracks.subscriber, ranges('subscriber')),
  };
  const tracks = { ...layout.tracks };
  for (const role of ['caller', 'subscriber'] as const) {
    const level = (speech[role] || speech[role === 'caller' ? 'subscriber' : 'caller']) / 10 ** (opts.snrDb / 20);
    if (!(level > 0)) continue;
    const noise = noiseOf(layout.tracks[role].length, opts.color, deriveSeed(opts.seed, 'noise', key, role));
    const src = layout.tracks[role];
    const out = new Int16Array(src.length);
    for (let i = 0; i < src.length; i++) {
      out[i] = Math.max(-32768, Math.min(32767, Math.round((src[i] as number) + level * (noise[i] as number))));
    }
    tracks[role] = out;
  }
  return { ...layout, tracks };
}
