/** Audio codecs: RTP payload ⇄ 16-bit PCM. Stateful codecs (G.722) get one coder per stream. */

export interface AudioDecoder {
  /** Decodes one RTP payload to mono PCM at the codec's sampleRate. */
  decode(payload: Buffer): Int16Array;
  /**
   * Decodes `payload[start, end)` (default: all of it) into a caller-owned buffer at `offset` and
   * returns the number of samples written, so the receive path allocates nothing per packet — not
   * even a view of the datagram. `out` must have room for `samplesFor(end - start)`.
   */
  decodeInto(payload: Uint8Array, out: Int16Array, offset: number, start?: number, end?: number): number;
  /** PCM samples one payload of this many bytes decodes to (G.711: 1 per byte, G.722: 2 per byte). */
  samplesFor(payloadBytes: number): number;
}

export interface AudioEncoder {
  /** Encodes mono PCM at the codec's sampleRate to one RTP payload. */
  encode(pcm: Int16Array): Buffer;
}

export interface AudioCodec {
  /** rtpmap encoding name. */
  readonly name: 'PCMU' | 'PCMA' | 'G722';
  /** RTP clock rate as signalled (G.722 signals 8000 though it samples at 16000, RFC 3551 §4.5.2). */
  readonly clockRate: number;
  /** PCM sample rate. */
  readonly sampleRate: 8000 | 16000;
  /** Static payload type (RFC 3551). */
  readonly payloadType: number;
  createDecoder(): AudioDecoder;
  createEncoder(): AudioEncoder;
}
