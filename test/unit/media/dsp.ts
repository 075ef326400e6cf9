/** Signal helpers for the media tests: tones, Goertzel power, SNR, and RTP packetisation. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tone(freqs: number[], sampleRate: number, seconds: number, amplitude = 8000): Int16Array {
  const n = Math.round(sampleRate * seconds);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const f of freqs) v += Math.sin((2 * Math.PI * f * i) / sampleRate);
    out[i] = Math.round((v * amplitude) / freqs.length);
  }
  return out;
}

/** Goertzel: power of `freq` in `x`, normalised so a full-scale-ish sine gives ~amplitude²/4 per sample². */
export function goertzel(x: Int16Array, freq: number, sampleRate: number): number {
  const k = (2 * Math.PI * freq) / sampleRate;
  const coeff = 2 * Math.cos(k);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (x.length * x.length);
}

export function rms(x: Int16Array): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) e += x[i]! * x[i]!;
  return Math.sqrt(e / Math.max(1, x.length));
}

/** SNR in dB of `y` against `x`, with `y` delayed by `delay` samples. */
export function snrDb(x: Int16Array, y: Int16Array, delay = 0, from = 0): number {
  let sig = 0;
  let noise = 0;
  for (let i = from; i + delay < y.length && i < x.length; i++) {
    const d = y[i + delay]! - x[i]!;
    sig += x[i]! * x[i]!;
    noise += d * d;
  }
  return 10 * Math.log10(sig / Math.max(1, noise));
}

/** Delay (in samples, 0..maxLag) that best aligns `y` with `x`. */
export function bestDelay(x: Int16Array, y: Int16Array, maxLag: number): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let lag = 0; lag <= maxLag; lag++) {
    let s = 0;
    for (let i = 0; i + lag < y.length && i < x.length; i++) s += x[i]! * y[i + lag]!;
    if (s > bestScore) {
      bestScore = s;
      best = lag;
    }
  }
  return best;
}

export function concat(frames: Int16Array[]): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let o = 0;
  for (const f of frames) {
    out.set(f, o);
    o += f.length;
  }
  return out;
}

/** Runs sox in a private temp dir: `args` may use {dir}; returns the bytes of `outName`. */
export function sox(args: string[], outName: string, inputs: Record<string, Buffer> = {}): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'callguard-media-'));
  try {
    for (const [name, data] of Object.entries(inputs)) {
      execFileSync('sh', ['-c', 'cat > "$1"', 'sh', join(dir, name)], { input: data });
    }
    execFileSync('sox', args.map((a) => a.replaceAll('{dir}', dir)), { stdio: ['ignore', 'ignore', 'pipe'] });
    return readFileSync(join(dir, outName));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
