/**
 * Telephone audio for a 16 kHz acoustic model: 8 kHz → 16 kHz upsampling plus low-level noise in
 * the empty 4–8 kHz band. The Debian en-us model was trained on wideband speech; a band that is
 * silent above 4 kHz makes its upper mel filters see log(0)-like energies and decoding collapses
 * (../shared/notes/offline-speech.md: WER 0.95 → 0.4–0.8 with this and a telephone cmninit).
 *
 * The noise follows the short-term energy of the 2.5–4 kHz band of the input (what speech would
 * continue into above 4 kHz), at `gain` of its amplitude, and is shaped like that band mirrored
 * about 4 kHz. Streaming: state carries across frames, so frame edges leave no clicks; output lags
 * the input by DELAY_SAMPLES_16K (1 ms). A seeded xorshift PRNG makes it deterministic.
 */

/** Half-band interpolator taps per side (input samples). */
const HALF_TAPS = 8;
/** Output lag, in 16 kHz samples, caused by the interpolator's look-ahead. */
export const DELAY_SAMPLES_16K = 2 * HALF_TAPS;

/** Blackman-windowed sinc taps for the odd (in-between) output samples of a 2× interpolator. */
const ODD_TAPS: Float64Array = (() => {
  const taps = new Float64Array(2 * HALF_TAPS);
  let sum = 0;
  for (let i = 0; i < 2 * HALF_TAPS; i++) {
    const x = i - HALF_TAPS + 0.5; // distance from the output instant, input samples
    const sinc = Math.sin(Math.PI * x) / (Math.PI * x);
    const p = (x + HALF_TAPS) / (2 * HALF_TAPS);
    const w = 0.42 - 0.5 * Math.cos(2 * Math.PI * p) + 0.08 * Math.cos(4 * Math.PI * p);
    taps[i] = sinc * w;
    sum += taps[i]!;
  }
  for (let i = 0; i < taps.length; i++) taps[i]! /= sum; // unity gain at DC
  return taps;
})();

/** Streaming 2× interpolator: even outputs are the inputs, odd ones windowed-sinc interpolated. */
class HalfbandInterpolator {
  private readonly hist = new Float64Array(2 * HALF_TAPS);

  /** Writes 2·input.length samples to out (delayed by HALF_TAPS input samples). */
  push(input: ArrayLike<number>, out: Float64Array): void {
    const h = this.hist;
    const n2 = h.length;
    for (let i = 0; i < input.length; i++) {
      h.copyWithin(0, 1);
      h[n2 - 1] = input[i]!;
      // The centre sits between h[HALF_TAPS-1] and h[HALF_TAPS].
      let acc = 0;
      for (let k = 0; k < n2; k++) acc += h[k]! * ODD_TAPS[k]!;
      out[2 * i] = h[HALF_TAPS - 1]!;
      out[2 * i + 1] = acc;
    }
  }
}

/** 2nd-order high-pass (RBJ cookbook), direct form I. */
class Biquad {
  private x1 = 0;
  private x2 = 0;
  private y1 = 0;
  private y2 = 0;
  private readonly b0: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly a1: number;
  private readonly a2: number;

  constructor(cutoffHz: number, sampleRate: number, q = Math.SQRT1_2) {
    const w0 = (2 * Math.PI * cutoffHz) / sampleRate;
    const alpha = Math.sin(w0) / (2 * q);
    const cos = Math.cos(w0);
    const a0 = 1 + alpha;
    this.b0 = (1 + cos) / 2 / a0;
    this.b1 = -(1 + cos) / a0;
    this.b2 = (1 + cos) / 2 / a0;
    this.a1 = (-2 * cos) / a0;
    this.a2 = (1 - alpha) / a0;
  }

  step(x: number): number {
    const y = this.b0 * x + this.b1 * this.x1 + this.b2 * this.x2 - this.a1 * this.y1 - this.a2 * this.y2;
    this.x2 = this.x1;
    this.x1 = x;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

export interface BandFillOptions {
  /** Noise amplitude relative to the 2.5–4 kHz band's amplitude. Default 0.3 (about −10 dB). */
  gain?: number;
  /** PRNG seed (non-zero 32-bit). */
  seed?: number;
}

/** One per stream: 8 kHz frames in, 16 kHz frames (twice as long) out. */
export class BandFiller {
  private readonly signal = new HalfbandInterpolator();
  private readonly noise = new HalfbandInterpolator();
  private readonly hp1 = new Biquad(2500, 8000);
  private readonly hp2 = new Biquad(2500, 8000);
  private readonly gain: number;
  private rng: number;
  private env = 0;
  /** Parity of the next 16 kHz output sample, for the (−1)^m spectral mirror. */
  private parity = 0;
  private sig16 = new Float64Array(0);
  private noise16 = new Float64Array(0);
  private envBuf = new Float64Array(0);
  private white = new Float64Array(0);

  constructor(opts: BandFillOptions = {}) {
    this.gain = opts.gain ?? 0.3;
    this.rng = (opts.seed ?? 0x9e3779b9) >>> 0 || 1;
  }

  process(input: Int16Array): Int16Array {
    const n = input.length;
    if (this.sig16.length !== 2 * n) {
      this.sig16 = new Float64Array(2 * n);
      this.noise16 = new Float64Array(2 * n);
      this.envBuf = new Float64Array(n);
      this.white = new Float64Array(n);
    }
    // Envelope of the 2.5–4 kHz band: 4th-order high-pass, rectified, ~5 ms attack / 20 ms release.
    const attack = 1 - Math.exp(-1 / 40);
    const release = 1 - Math.exp(-1 / 160);
    let env = this.env;
    let x = this.rng;
    for (let i = 0; i < n; i++) {
      const hb = Math.abs(this.hp2.step(this.hp1.step(input[i]!)));
      // |x| of a sine averages 2/π of its amplitude; √2·π/4 ≈ 1.11 turns the mean into RMS.
      const target = hb * 1.11;
      env += (target - env) * (target > env ? attack : release);
      this.envBuf[i] = env;
      // xorshift32, uniform in [-1, 1): variance 1/3, so ×√3 gives unit RMS.
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      this.white[i] = (x / 2147483648 - 1) * Math.sqrt(3);
    }
    this.env = env;
    this.rng = x;
    this.signal.push(input, this.sig16);
    // White noise interpolated to 16 kHz is confined to 0–4 kHz; (−1)^m mirrors it into 4–8 kHz.
    this.noise.push(this.white, this.noise16);
    const out = new Int16Array(2 * n);
    for (let m = 0; m < 2 * n; m++) {
      const sign = ((m + this.parity) & 1) === 0 ? 1 : -1;
      const v = this.sig16[m]! + sign * this.noise16[m]! * this.envBuf[m >> 1]! * this.gain;
      out[m] = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
    }
    this.parity = (this.parity + 2 * n) & 1;
    return out;
  }
}
