/**
 * Codecs against sox and against known vectors. Fixtures are generated at test time into a temp
 * dir (nothing committed): sox synthesises the tones and encodes G.711; this sox cannot write
 * G.722, so G.722 is checked against hashes of a reference implementation's output and by round
 * trip. Every check looks at the spectrum (Goertzel), not just at "some samples came out".
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  codecByName,
  codecByStaticPayloadType,
  comfortNoiseLevel,
  encodeTelephoneEvent,
  eventDigit,
  G722,
  PCMA,
  PCMU,
  parseTelephoneEvent,
} from '../../../src/media/codecs/index.js';
import { ALAW_TO_LINEAR } from '../../../src/media/codecs/pcma.js';
import { MULAW_TO_LINEAR } from '../../../src/media/codecs/pcmu.js';
import type { AudioCodec } from '../../../src/media/codecs/types.js';
import { requireBinary } from '../../support/binaries.js';
import { bestDelay, concat, goertzel, rms, snrDb, sox, tone } from './dsp.js';

const hasSox = requireBinary('sox', 'sox');

function asInt16(buf: Buffer): Int16Array {
  const copy = Buffer.from(buf);
  return new Int16Array(copy.buffer, copy.byteOffset, copy.length / 2);
}

/** Decodes a raw payload stream in 20 ms packets through one decoder, as the receive path does. */
function decodeStream(codec: AudioCodec, data: Buffer): Int16Array {
  const dec = codec.createDecoder();
  const bytesPer20ms = 160; // G.711: 160 samples; G.722: 320 samples (RFC 3551 §4.5.2)
  const out: Int16Array[] = [];
  for (let o = 0; o < data.length; o += bytesPer20ms) out.push(dec.decode(data.subarray(o, o + bytesPer20ms)));
  return concat(out);
}

function encodeStream(codec: AudioCodec, pcm: Int16Array): Buffer {
  const enc = codec.createEncoder();
  const perPacket = codec.sampleRate / 50;
  const parts: Buffer[] = [];
  for (let o = 0; o < pcm.length; o += perPacket) parts.push(enc.encode(pcm.subarray(o, o + perPacket)));
  return Buffer.concat(parts);
}

/** Energy at the wanted frequencies dominates every other probe frequency by `marginDb`. */
function expectPeaks(pcm: Int16Array, rate: number, wanted: number[], marginDb = 20): void {
  const probes = [300, 440, 700, 1000, 1500, 2000, 2500, 3000, 3400];
  if (rate === 16000) probes.push(4500, 5500, 6000, 7000);
  const power = (f: number): number => goertzel(pcm, f, rate);
  const weakestWanted = Math.min(...wanted.map(power));
  for (const f of probes.filter((p) => !wanted.some((w) => Math.abs(w - p) < 100))) {
    expect(10 * Math.log10(weakestWanted / power(f)), `${f} Hz vs ${wanted.join('+')} Hz`).toBeGreaterThan(marginDb);
  }
}

describe('codecByName', () => {
  it('finds PCMU, PCMA and G722 case-insensitively, nothing else', () => {
    expect(codecByName('pcmu')).toBe(PCMU);
    expect(codecByName('PCMA')).toBe(PCMA);
    expect(codecByName('g722')).toBe(G722);
    expect(codecByName('opus')).toBeUndefined();
    expect(codecByName('telephone-event')).toBeUndefined();
    expect([PCMU.payloadType, PCMA.payloadType, G722.payloadType]).toEqual([0, 8, 9]);
    expect(codecByStaticPayloadType(9)).toBe(G722);
    // RFC 3551 §4.5.2: G.722 is signalled at 8000 but samples at 16000.
    expect([G722.clockRate, G722.sampleRate]).toEqual([8000, 16000]);
  });
});

describe.skipIf(!hasSox)('G.711 against sox', () => {
  const allCodes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

  it('decodes every μ-law and A-law code exactly as sox does', () => {
    const ul = asInt16(sox(['-t', 'ul', '-r', '8000', '{dir}/in.raw', '-t', 's16', '{dir}/out.s16'], 'out.s16', { 'in.raw': allCodes }));
    const al = asInt16(sox(['-t', 'al', '-r', '8000', '{dir}/in.raw', '-t', 's16', '{dir}/out.s16'], 'out.s16', { 'in.raw': allCodes }));
    expect(Array.from(MULAW_TO_LINEAR)).toEqual(Array.from(ul));
    expect(Array.from(ALAW_TO_LINEAR)).toEqual(Array.from(al));
  });

  for (const [codec, enc] of [
    [PCMU, 'mu-law'],
    [PCMA, 'a-law'],
  ] as const) {
    it(`${codec.name}: sox-encoded 1 kHz sine and 440+2000 Hz two-tone decode to the same tones`, () => {
      for (const [synth, wanted] of [
        [['sine', '1000'], [1000]],
        [['sine', '440', 'sine', '2000'], [440, 2000]],
      ] as const) {
        // -D: no dither, so the fixture is exactly the tone.
        const base = ['-D', '-n', '-r', '8000', '-c', '1'];
        const effect = ['synth', '1', ...synth, ...(synth.length > 2 ? ['remix', '-'] : []), 'gain', '-6'];
        const encoded = sox([...base, '-e', enc, '-t', 'raw', '{dir}/out.raw', ...effect], 'out.raw');
        const linear = asInt16(sox([...base, '-e', 'signed', '-b', '16', '-t', 'raw', '{dir}/out.raw', ...effect], 'out.raw'));
        expect(encoded.length).toBe(8000);
        const pcm = decodeStream(codec, encoded);
        expect(pcm.length).toBe(8000);
        expect(rms(pcm)).toBeGreaterThan(0.8 * rms(linear));
        expectPeaks(pcm, 8000, [...wanted]);
        // Companding noise is ~38 dB below a loud tone.
        expect(snrDb(linear, pcm)).toBeGreaterThan(30);

        // Our encoder against sox's: each code within one quantisation step, same overall quality.
        const ours = encodeStream(codec, linear);
        const table = codec === PCMU ? MULAW_TO_LINEAR : ALAW_TO_LINEAR;
        let worse = 0;
        for (let i = 0; i < linear.length; i++) {
          const mine = Math.abs(table[ours[i]!]! - linear[i]!);
          const theirs = Math.abs(table[encoded[i]!]! - linear[i]!);
          if (mine > theirs) worse++;
        }
        // sox rounds to 14/13 bits before companding where the G.711 reference truncates: a few
        // boundary samples differ by one step, never by more.
        expect(worse / linear.length).toBeLessThan(0.02);
        expect(snrDb(linear, decodeStream(codec, ours))).toBeGreaterThan(snrDb(linear, pcm) - 0.5);
      }
    });
  }
});

describe('G.722 (64 kbit/s)', () => {
  /**
   * Deterministic integer-only input (no Math.sin, so identical on every platform): a triangle
   * wave plus LCG noise under a rising then falling envelope, 200 ms at 16 kHz.
   */
  function vectorInput(): Int16Array {
    const n = 3200;
    const out = new Int16Array(n);
    let seed = 12345;
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const noise = ((seed >>> 16) % 6001) - 3000;
      const ph = i % 37;
      const tri = (ph < 19 ? ph * 1000 : (37 - ph) * 1000) - 9000;
      const env = i < 1600 ? i * 10 : (3200 - i) * 10;
      out[i] = Math.max(-32768, Math.min(32767, Math.trunc(((tri + noise) * env) / 16000)));
    }
    return out;
  }
  const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

  it('matches the reference implementation bit for bit (encoder and decoder)', () => {
    // Expected values were produced by spandsp 0.0.6 g722_encode/g722_decode (64000, no options),
    // an independent implementation that passes the ITU-T G.722 test sequences.
    const input = vectorInput();
    expect(sha256(new Uint8Array(input.buffer))).toBe('cc1cdcaca02de5d818d85d0812ab4401fde414f4e14c7c880bc2156844394469');
    const encoded = encodeStream(G722, input);
    expect(encoded.subarray(0, 48).toString('hex')).toBe(
      '5e7af770f77ad894f5deaf27a666e4a82df6b819d6188f51d19c989b36b0eff16cf1edb2bff65bd99491d7d3d97b9cf1',
    );
    expect(sha256(encoded)).toBe('aff886edecff91d7d619c305beda6b1af869df53f33e5d2137cc218f01051690');
    const decoded = decodeStream(G722, encoded);
    expect(decoded.length).toBe(3200);
    expect(sha256(new Uint8Array(decoded.buffer))).toBe('e0749ab8bea5462db53730d7e2f35f29037f1c56d1f8df7240e32e5db9387398');
  });

  it('decodeInto writes the same samples as decode, into a caller buffer at an offset', () => {
    const encoded = encodeStream(G722, vectorInput());
    const a = G722.createDecoder();
    const b = G722.createDecoder();
    const out = new Int16Array(7000).fill(123);
    let o = 100;
    const whole: Int16Array[] = [];
    for (let i = 0; i < encoded.length; i += 160) {
      const pkt = encoded.subarray(i, i + 160);
      whole.push(a.decode(pkt));
      expect(b.samplesFor(pkt.length)).toBe(320);
      o += b.decodeInto(pkt, out, o);
    }
    expect(out[99]).toBe(123);
    expect(Array.from(out.subarray(100, o))).toEqual(Array.from(concat(whole)));
  });

  it('round-trips low-band and high-band tones with the right spectrum', () => {
    for (const freqs of [[1000], [440, 2000], [6000]]) {
      const input = tone(freqs, 16000, 1, 10000);
      const out = decodeStream(G722, encodeStream(G722, input));
      expect(out.length).toBe(16000);
      // The QMF pair delays by 22 samples; skip the first 100 ms of adaptation.
      const delay = bestDelay(input, out, 40);
      expect(delay).toBe(22);
      expect(snrDb(input, out, delay, 1600)).toBeGreaterThan(freqs[0] === 6000 ? 10 : 25);
      expectPeaks(out.subarray(1600), 16000, freqs);
    }
  });

  it.skipIf(!hasSox)('encodes a sox-made 16 kHz two-tone that decodes to the same two tones', () => {
    const linear = asInt16(
      sox(['-D', '-n', '-r', '16000', '-c', '1', '-e', 'signed', '-b', '16', '-t', 'raw', '{dir}/o.raw', 'synth', '1', 'sine', '440', 'sine', '2000', 'remix', '-', 'gain', '-6'], 'o.raw'),
    );
    const out = decodeStream(G722, encodeStream(G722, linear));
    expectPeaks(out.subarray(1600), 16000, [440, 2000]);
    expect(snrDb(linear, out, 22, 1600)).toBeGreaterThan(25);
  });

  it('keeps per-stream state: two decoders do not interfere', () => {
    const enc = encodeStream(G722, tone([1000], 16000, 0.2));
    const d1 = G722.createDecoder();
    const d2 = G722.createDecoder();
    const a = d1.decode(enc.subarray(0, 160));
    d2.decode(enc.subarray(1000, 1160)); // unrelated traffic on another stream
    const b = d1.decode(enc.subarray(160, 320));
    const ref = G722.createDecoder();
    expect(Array.from(ref.decode(enc.subarray(0, 160)))).toEqual(Array.from(a));
    expect(Array.from(ref.decode(enc.subarray(160, 320)))).toEqual(Array.from(b));
  });
});

describe('telephone-event and CN payloads', () => {
  it('parses RFC 4733 §2.3 fields and maps §3.2 event codes', () => {
    const p = encodeTelephoneEvent({ event: 11, end: true, volume: 10, duration: 1600 });
    expect(p.toString('hex')).toBe('0b8a0640');
    expect(parseTelephoneEvent(p)).toEqual({ event: 11, end: true, volume: 10, duration: 1600 });
    expect(parseTelephoneEvent(Buffer.from([5, 0x4a, 0, 160]))).toEqual({ event: 5, end: false, volume: 10, duration: 160 });
    expect(parseTelephoneEvent(Buffer.from([1, 2, 3]))).toBeUndefined();
    expect(['0', '9', '*', '#', 'A', 'D', 'event-16'].map((d, i) => eventDigit([0, 9, 10, 11, 12, 15, 16][i]!) === d)).not.toContain(false);
  });

  it('reads the RFC 3389 noise level', () => {
    expect(comfortNoiseLevel(Buffer.from([0x40]))).toBe(64);
    expect(comfortNoiseLevel(Buffer.alloc(0))).toBeUndefined();
  });
});
