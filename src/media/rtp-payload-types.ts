/**
 * What each RTP payload type means to one stream, rebuilt from every offer/answer: audio (with its
 * decoder), telephone-event (RFC 4733), comfort noise (RFC 3389), or nothing. Two flat tables
 * indexed by payload type, so the per-packet lookup is one typed-array read; the stream keeps
 * references to these same arrays.
 */
import { codecByName, codecByStaticPayloadType } from './codecs/index.js';
import type { AudioCodec, AudioDecoder } from './codecs/types.js';
import type { CodecBinding } from './types.js';

export const KIND_NONE = 0;
export const KIND_AUDIO = 1;
export const KIND_DTMF = 2;
export const KIND_CN = 3;

/** RFC 3551 Table 4: static payload type of comfort noise. */
const STATIC_CN = 13;

export interface AudioBinding {
  codec: AudioCodec;
  decoder: AudioDecoder;
  /** "PCMU/8000" for stats. */
  label: string;
  clockRate: number;
  /** PCM samples per RTP timestamp unit (2 for G.722, RFC 3551 §4.5.2). */
  ratio: number;
}

export class PayloadTypeTable {
  /** KIND_* per payload type. */
  readonly kinds = new Uint8Array(128);
  /** The audio binding of each KIND_AUDIO payload type. */
  readonly bindings: (AudioBinding | undefined)[] = new Array<AudioBinding | undefined>(128).fill(undefined);
  /** Clock of the mapped telephone-event (RFC 4733 §2.1: the audio stream's timestamp clock). */
  teClockRate = 8000;

  rebuild(codecs: readonly CodecBinding[]): void {
    const old = this.bindings.slice();
    this.kinds.fill(KIND_NONE);
    this.bindings.fill(undefined);
    for (const c of codecs) {
      if (c.payloadType < 0 || c.payloadType > 127) continue;
      const name = c.name.toUpperCase();
      if (name === 'TELEPHONE-EVENT') {
        this.kinds[c.payloadType] = KIND_DTMF;
        this.teClockRate = c.clockRate || 8000;
      } else if (name === 'CN') {
        this.kinds[c.payloadType] = KIND_CN;
      } else {
        const codec = codecByName(name);
        if (codec) this.bind(c.payloadType, codec, old[c.payloadType]);
      }
    }
    // Real SBCs send static types they did not map (RFC 3551 §6): accept them unless remapped.
    for (const pt of [0, 8, 9]) {
      if (this.kinds[pt] === KIND_NONE) this.bind(pt, codecByStaticPayloadType(pt)!, old[pt]);
    }
    if (this.kinds[STATIC_CN] === KIND_NONE) this.kinds[STATIC_CN] = KIND_CN;
  }

  private bind(pt: number, codec: AudioCodec, previous: AudioBinding | undefined): void {
    this.kinds[pt] = KIND_AUDIO;
    // Keep a stateful decoder (G.722) across a re-offer that keeps the codec.
    const decoder = previous?.codec === codec ? previous.decoder : codec.createDecoder();
    this.bindings[pt] = {
      codec,
      decoder,
      label: `${codec.name}/${codec.clockRate}`,
      clockRate: codec.clockRate,
      ratio: codec.sampleRate / codec.clockRate,
    };
  }
}
