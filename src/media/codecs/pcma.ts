/**
 * G.711 A-law (PCMA, RFC 3551 §4.5.14, static payload type 8). Same shape as pcmu.ts: a 256-entry
 * decode table and a lazily built 64 Ki-entry encode table.
 */
import { decodeG711Into, encodeG711 } from './pcmu.js';
import type { AudioCodec, AudioDecoder, AudioEncoder } from './types.js';

/** Segment end points of the 13-bit magnitude (G.711 Table 1a). */
const SEG_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

export function alawToLinear(code: number): number {
  // Even bits are inverted on the wire (G.711 §2: XOR 0x55).
  const a = (code ^ 0x55) & 0xff;
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  if (seg === 0) t += 8;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

export function linearToAlaw(sample: number): number {
  let pcm = (sample | 0) >> 3; // A-law quantises 13 bits.
  let mask: number;
  if (pcm >= 0) {
    mask = 0xd5; // sign bit set for positive, even bits inverted
  } else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  let seg = 0;
  while (seg < 8 && pcm > SEG_END[seg]!) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  const aval = (seg << 4) | (seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f);
  return (aval ^ mask) & 0xff;
}

export const ALAW_TO_LINEAR: Int16Array = Int16Array.from({ length: 256 }, (_, i) => alawToLinear(i));

let encodeTable: Uint8Array | undefined;
function alawEncodeTable(): Uint8Array {
  if (!encodeTable) {
    encodeTable = new Uint8Array(65536);
    for (let i = 0; i < 65536; i++) encodeTable[i] = linearToAlaw((i << 16) >> 16);
  }
  return encodeTable;
}

const pcmaDecoder: AudioDecoder = {
  decode(payload) {
    const out = new Int16Array(payload.length);
    decodeG711Into(ALAW_TO_LINEAR, payload, out, 0);
    return out;
  },
  decodeInto(payload, out, offset, start, end) {
    return decodeG711Into(ALAW_TO_LINEAR, payload, out, offset, start, end);
  },
  samplesFor(payloadBytes) {
    return payloadBytes;
  },
};

const pcmaEncoder: AudioEncoder = {
  encode(pcm) {
    return encodeG711(alawEncodeTable(), pcm);
  },
};

export const PCMA: AudioCodec = {
  name: 'PCMA',
  clockRate: 8000,
  sampleRate: 8000,
  payloadType: 8,
  createDecoder: () => pcmaDecoder,
  createEncoder: () => pcmaEncoder,
};
