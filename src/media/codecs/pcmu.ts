/**
 * G.711 μ-law (PCMU, RFC 3551 §4.5.14, static payload type 0). Decoding is one table lookup per
 * byte; encoding uses a 64 Ki-entry table built on first use so the simulator can encode at line rate.
 */
import type { AudioCodec, AudioDecoder, AudioEncoder } from './types.js';

const BIAS = 0x84;
const CLIP = 32635;

/** G.711 §2 (μ-law): the 8 segment expansion, sign in bit 7, all bits inverted on the wire. */
export function mulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + BIAS) << ((u & 0x70) >> 4);
  return u & 0x80 ? BIAS - t : t - BIAS;
}

export function linearToMulaw(sample: number): number {
  let s = sample | 0;
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  // Exponent = position of the highest set bit above bit 7 (segments 0..7).
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** 256 entries: the whole decoder. Shared, read-only. */
export const MULAW_TO_LINEAR: Int16Array = Int16Array.from({ length: 256 }, (_, i) => mulawToLinear(i));

let encodeTable: Uint8Array | undefined;
function mulawEncodeTable(): Uint8Array {
  if (!encodeTable) {
    encodeTable = new Uint8Array(65536);
    for (let i = 0; i < 65536; i++) encodeTable[i] = linearToMulaw((i << 16) >> 16);
  }
  return encodeTable;
}

/** Stateless G.711 decode through a 256-entry table into a caller-owned buffer. */
export function decodeG711Into(
  table: Int16Array,
  payload: Uint8Array,
  out: Int16Array,
  offset: number,
  start = 0,
  end = payload.length,
): number {
  let o = offset;
  for (let i = start; i < end; i++) out[o++] = table[payload[i]!]!;
  return end - start;
}

export function encodeG711(table: Uint8Array, pcm: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = table[pcm[i]! & 0xffff]!;
  return out;
}

const pcmuDecoder: AudioDecoder = {
  decode(payload) {
    const out = new Int16Array(payload.length);
    decodeG711Into(MULAW_TO_LINEAR, payload, out, 0);
    return out;
  },
  decodeInto(payload, out, offset, start, end) {
    return decodeG711Into(MULAW_TO_LINEAR, payload, out, offset, start, end);
  },
  samplesFor(payloadBytes) {
    return payloadBytes;
  },
};

const pcmuEncoder: AudioEncoder = {
  encode(pcm) {
    return encodeG711(mulawEncodeTable(), pcm);
  },
};

export const PCMU: AudioCodec = {
  name: 'PCMU',
  clockRate: 8000,
  sampleRate: 8000,
  payloadType: 0,
  // G.711 is stateless: every stream can share one decoder and one encoder.
  createDecoder: () => pcmuDecoder,
  createEncoder: () => pcmuEncoder,
};
