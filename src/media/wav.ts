/**
 * RIFF/WAVE read and write, enough for test fixtures and the simulator: PCM 8/16/24/32-bit, 32-bit
 * float, G.711 μ-law and A-law (format tags 1, 3, 7, 6, and WAVE_FORMAT_EXTENSIBLE over those).
 * Multi-channel input yields its first channel. Writes 16-bit PCM mono (or μ-law/A-law on request).
 */
import { ALAW_TO_LINEAR, linearToAlaw } from './codecs/pcma.js';
import { MULAW_TO_LINEAR, linearToMulaw } from './codecs/pcmu.js';

export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
  readonly code = 'MEDIA_WAV_FORMAT';
}

export interface WavAudio {
  sampleRate: number;
  /** Mono 16-bit PCM (the first channel of multi-channel input). */
  samples: Int16Array;
  /** Channels in the file (only the first is returned). */
  channels: number;
  /** What the file stored: 'pcm', 'float', 'mulaw' or 'alaw'. */
  encoding: WavEncoding | 'float';
}

export type WavEncoding = 'pcm' | 'mulaw' | 'alaw';

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_ALAW = 6;
const WAVE_FORMAT_MULAW = 7;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Reads a WAV file; throws WavFormatError for anything it cannot use. */
export function readWav(buf: Buffer): WavAudio {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavFormatError('not a RIFF/WAVE file');
  }
  let fmt: { tag: number; channels: number; rate: number; bits: number; blockAlign: number } | undefined;
  let data: Buffer | undefined;
  let o = 12;
  while (o + 8 <= buf.length) {
    const id = buf.toString('ascii', o, o + 4);
    let size = buf.readUInt32LE(o + 4);
    const body = o + 8;
    // Streaming writers leave the size at 0 or 0xFFFFFFFF: take what the file has.
    if (body + size > buf.length || (id === 'data' && size === 0)) size = buf.length - body;
    if (id === 'fmt ') {
      if (size < 16) throw new WavFormatError('fmt chunk too short');
      let tag = buf.readUInt16LE(body);
      if (tag === WAVE_FORMAT_EXTENSIBLE) {
        if (size < 40) throw new WavFormatError('extensible fmt chunk too short');
        tag = buf.readUInt16LE(body + 24); // first two octets of the SubFormat GUID
      }
      fmt = {
        tag,
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        blockAlign: buf.readUInt16LE(body + 12),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      data = buf.subarray(body, body + size);
      if (fmt) break;
    }
    o = body + size + (size & 1); // chunks are padded to even length
  }
  if (!fmt) throw new WavFormatError('no fmt chunk');
  if (!data) throw new WavFormatError('no data chunk');
  const { tag, channels, rate, bits } = fmt;
  if (channels < 1) throw new WavFormatError('no channels');
  if (rate < 1000 || rate > 384000) throw new WavFormatError(`unsupported sample rate ${rate}`);
  const bytesPer = bits / 8;
  const blockAlign = fmt.blockAlign || channels * bytesPer;
  if (!Number.isInteger(bytesPer) || bytesPer < 1 || blockAlign < channels * bytesPer) {
    throw new WavFormatError(`unsupported sample size ${bits}`);
  }
  const n = Math.floor(data.length / blockAlign);
  const out = new Int16Array(n);
  let encoding: WavAudio['encoding'];
  if (tag === WAVE_FORMAT_PCM) {
    encoding = 'pcm';
    for (let i = 0, p = 0; i < n; i++, p += blockAlign) {
      if (bytesPer === 1) out[i] = (data[p]! - 128) << 8;
      else if (bytesPer === 2) out[i] = data.readInt16LE(p);
      else out[i] = data.readIntLE(p + bytesPer - 2, 2); // 24/32-bit: keep the top 16 bits
    }
  } else if (tag === WAVE_FORMAT_IEEE_FLOAT) {
    encoding = 'float';
    if (bytesPer !== 4 && bytesPer !== 8) throw new WavFormatError(`unsupported float size ${bits}`);
    for (let i = 0, p = 0; i < n; i++, p += blockAlign) {
      const v = bytesPer === 4 ? data.readFloatLE(p) : data.readDoubleLE(p);
      out[i] = Math.max(-32768, Math.min(32767, Math.round(v * 32768)));
    }
  } else if (tag === WAVE_FORMAT_MULAW || tag === WAVE_FORMAT_ALAW) {
    if (bytesPer !== 1) throw new WavFormatError('G.711 WAV must be 8-bit');
    encoding = tag === WAVE_FORMAT_MULAW ? 'mulaw' : 'alaw';
    const table = tag === WAVE_FORMAT_MULAW ? MULAW_TO_LINEAR : ALAW_TO_LINEAR;
    for (let i = 0, p = 0; i < n; i++, p += blockAlign) out[i] = table[data[p]!]!;
  } else {
    throw new WavFormatError(`unsupported WAV format tag ${tag}`);
  }
  return { sampleRate: rate, samples: out, channels, encoding };
}

/** Writes mono audio as a WAV file: 16-bit PCM by default, or 8-bit μ-law/A-law. */
export function writeWav(samples: Int16Array, sampleRate: number, encoding: WavEncoding = 'pcm'): Buffer {
  const g711 = encoding !== 'pcm';
  const bytesPer = g711 ? 1 : 2;
  const dataLen = samples.length * bytesPer;
  // Non-PCM formats carry a cbSize field (fmt chunk of 18) and a fact chunk.
  const fmtLen = g711 ? 18 : 16;
  const factLen = g711 ? 12 : 0;
  const out = Buffer.alloc(12 + 8 + fmtLen + factLen + 8 + dataLen + (dataLen & 1));
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(out.length - 8, 4);
  out.write('WAVE', 8, 'ascii');
  let o = 12;
  out.write('fmt ', o, 'ascii');
  out.writeUInt32LE(fmtLen, o + 4);
  out.writeUInt16LE(encoding === 'pcm' ? WAVE_FORMAT_PCM : encoding === 'mulaw' ? WAVE_FORMAT_MULAW : WAVE_FORMAT_ALAW, o + 8);
  out.writeUInt16LE(1, o + 10);
  out.writeUInt32LE(sampleRate, o + 12);
  out.writeUInt32LE(sampleRate * bytesPer, o + 16);
  out.writeUInt16LE(bytesPer, o + 20);
  out.writeUInt16LE(bytesPer * 8, o + 22);
  o += 8 + fmtLen; // cbSize (if any) stays 0
  if (g711) {
    out.write('fact', o, 'ascii');
    out.writeUInt32LE(4, o + 4);
    out.writeUInt32LE(samples.length, o + 8);
    o += 12;
  }
  out.write('data', o, 'ascii');
  out.writeUInt32LE(dataLen, o + 4);
  o += 8;
  if (encoding === 'pcm') {
    for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, o + i * 2);
  } else {
    const enc = encoding === 'mulaw' ? linearToMulaw : linearToAlaw;
    for (let i = 0; i < samples.length; i++) out[o + i] = enc(samples[i]!);
  }
  return out;
}
