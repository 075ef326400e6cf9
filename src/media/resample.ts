/**
 * Sample-rate conversion for speech: a linear-phase windowed-sinc FIR (Blackman window, 8 zero
 * crossings each side) evaluated at each output instant, with the cut-off below the lower Nyquist
 * frequency so downsampling does not alias (16 k → 8 k keeps 0–3.7 kHz, the telephone band).
 * Any integer rates work (WAV files at 44.1 or 48 kHz). The kernel is tabulated once per distinct
 * fractional phase (2 for 8 k → 16 k, 1 for 16 k → 8 k, 80 for 44.1 k → 8 k), so a minute of audio
 * converts in well under a second. Meant for the simulator and tests, not the receive path.
 */

const ZERO_CROSSINGS = 8;
/** Fraction of the lower Nyquist frequency kept: leaves a transition band for the window. */
const PASSBAND = 0.92;
/** Above this many phases (awkward rate pairs) the kernel is evaluated per output sample instead. */
const MAX_PHASES = 4096;

export function resample(input: Int16Array, from: number, to: number): Int16Array {
  if (!(Number.isInteger(from) && Number.isInteger(to) && from > 0 && to > 0)) {
    throw new RangeError('sample rates must be positive integers');
  }
  if (from === to) return input.slice();
  const g = gcd(from, to);
  const phases = to / g; // distinct values of the output instant's fractional part
  const outLength = Math.floor((input.length * to) / from);
  const out = new Int16Array(outLength);
  const fc = 0.5 * Math.min(1, to / from) * PASSBAND; // cut-off, cycles per input sample
  const half = ZERO_CROSSINGS / (2 * fc); // kernel half-width in input samples
  const mMin = -Math.ceil(half);
  const taps = Math.ceil(half) - mMin + 1;
  const table = phases <= MAX_PHASES ? new Float64Array(phases * taps) : undefined;
  if (table) {
    for (let p = 0; p < phases; p++) {
      const frac = (p * g) / to;
      for (let m = 0; m < taps; m++) table[p * taps + m] = kernel(mMin + m - frac, fc, half);
    }
  }
  const n = input.length;
  for (let i = 0; i < outLength; i++) {
    // Output instant t = i·from/to input samples = base + frac, computed exactly in integers.
    const num = i * from;
    const base = Math.floor(num / to);
    const rem = num - base * to;
    const phase = rem / g;
    let acc = 0;
    let norm = 0;
    for (let m = 0; m < taps; m++) {
      const k = base + mMin + m;
      if (k < 0 || k >= n) continue;
      const w = table ? table[phase * taps + m]! : kernel(mMin + m - rem / to, fc, half);
      acc += input[k]! * w;
      norm += w;
    }
    // Normalising by the taps' sum keeps unity gain at DC, including at the edges.
    const v = norm !== 0 ? acc / norm : 0;
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
  }
  return out;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Blackman-windowed sinc with cut-off fc, zero beyond ±half. */
function kernel(x: number, fc: number, half: number): number {
  if (x <= -half || x >= half) return 0;
  const a = 2 * Math.PI * fc * x;
  const sinc = x === 0 ? 1 : Math.sin(a) / a;
  const p = (x + half) / (2 * half);
  const w = 0.42 - 0.5 * Math.cos(2 * Math.PI * p) + 0.08 * Math.cos(4 * Math.PI * p);
  return sinc * w;
}

/** 8 kHz → 16 kHz (G.711 sources into G.722). */
export function upsample8to16(input: Int16Array): Int16Array {
  return resample(input, 8000, 16000);
}

/** 16 kHz → 8 kHz (G.722 or wideband sources into G.711). */
export function downsample16to8(input: Int16Array): Int16Array {
  return resample(input, 16000, 8000);
}
