/**
 * RTP fixed header (RFC 3550 §5.1). Parsing never copies the payload: `readRtpHeader` fills a
 * caller-owned header object with offsets (the receive path reuses one per stream), and `parseRtp`
 * returns a fresh object whose payload is a `subarray` of the datagram.
 */
import { RtpMalformedError, type RtpMalformedReason } from './errors.js';

export const RTP_HEADER_BYTES = 12;

export interface RtpHeader {
  version: number;
  padding: boolean;
  extension: boolean;
  csrcCount: number;
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** Offset of the payload in the packet: after CSRCs and the header extension. */
  payloadOffset: number;
  /** End of the payload (exclusive), before any padding. */
  payloadEnd: number;
}

export interface RtpPacket extends RtpHeader {
  /** View of the datagram (no copy): valid as long as the datagram buffer is not reused. */
  payload: Buffer;
}

export function emptyRtpHeader(): RtpHeader {
  return {
    version: 0,
    padding: false,
    extension: false,
    csrcCount: 0,
    marker: false,
    payloadType: 0,
    sequence: 0,
    timestamp: 0,
    ssrc: 0,
    payloadOffset: 0,
    payloadEnd: 0,
  };
}

/**
 * Reads the header of `buf[0, length)` into `into`. Returns undefined on success or why the packet
 * is not RTP; allocation-free so it can run for every datagram.
 */
export function readRtpHeader(buf: Uint8Array, length: number, into: RtpHeader): RtpMalformedReason | undefined {
  if (length < RTP_HEADER_BYTES) return 'too-short';
  const b0 = buf[0]!;
  const version = b0 >> 6;
  if (version !== 2) return 'bad-version';
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_BYTES + csrcCount * 4;
  if (offset > length) return 'bad-csrc';
  const extension = (b0 & 0x10) !== 0;
  if (extension) {
    // §5.3.1: 16-bit profile-defined id, 16-bit length in 32-bit words, not counting this word.
    if (offset + 4 > length) return 'bad-extension';
    offset += 4 + ((buf[offset + 2]! << 8) | buf[offset + 3]!) * 4;
    if (offset > length) return 'bad-extension';
  }
  let end = length;
  const padding = (b0 & 0x20) !== 0;
  if (padding) {
    // §5.1: the last octet counts the padding octets, itself included.
    const pad = buf[length - 1]!;
    if (pad === 0 || offset + pad > length) return 'bad-padding';
    end -= pad;
  }
  const b1 = buf[1]!;
  into.version = version;
  into.padding = padding;
  into.extension = extension;
  into.csrcCount = csrcCount;
  into.marker = (b1 & 0x80) !== 0;
  into.payloadType = b1 & 0x7f;
  into.sequence = (buf[2]! << 8) | buf[3]!;
  into.timestamp = ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0;
  into.ssrc = ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
  into.payloadOffset = offset;
  into.payloadEnd = end;
  return undefined;
}

/** Parses a whole datagram; the payload is a view, not a copy. */
export function parseRtp(buf: Buffer): RtpPacket | RtpMalformedError {
  const header = emptyRtpHeader();
  const reason = readRtpHeader(buf, buf.length, header);
  if (reason) return new RtpMalformedError(reason);
  return { ...header, payload: buf.subarray(header.payloadOffset, header.payloadEnd) };
}

/**
 * RFC 5761 §4: with rtcp-mux, a second octet of 192–223 (RTCP packet types 192–223, which RTP
 * payload types 64–95 with the marker bit would collide with, hence their exclusion) is RTCP.
 */
export function looksLikeRtcp(buf: Uint8Array): boolean {
  if (buf.length < 2) return false;
  const pt = buf[1]!;
  return pt >= 192 && pt <= 223;
}

export interface RtpWriteFields {
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  marker?: boolean;
  csrcs?: number[];
  /** Header extension (RFC 3550 §5.3.1): profile id and data, a multiple of 4 octets. */
  extension?: { profile: number; data: Uint8Array };
  /** Padding octets to append (1–255), for tests. */
  padding?: number;
}

/** Builds an RTP packet (tests and the simulator). */
export function writeRtp(fields: RtpWriteFields, payload: Uint8Array): Buffer {
  const csrcs = fields.csrcs ?? [];
  const extLen = fields.extension ? 4 + fields.extension.data.length : 0;
  const pad = fields.padding ?? 0;
  const headerLen = RTP_HEADER_BYTES + csrcs.length * 4 + extLen;
  const out = Buffer.alloc(headerLen + payload.length + pad);
  out[0] = 0x80 | (pad ? 0x20 : 0) | (fields.extension ? 0x10 : 0) | (csrcs.length & 0x0f);
  out[1] = (fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7f);
  out.writeUInt16BE(fields.sequence & 0xffff, 2);
  out.writeUInt32BE(fields.timestamp >>> 0, 4);
  out.writeUInt32BE(fields.ssrc >>> 0, 8);
  let o = RTP_HEADER_BYTES;
  for (const c of csrcs) {
    out.writeUInt32BE(c >>> 0, o);
    o += 4;
  }
  if (fields.extension) {
    out.writeUInt16BE(fields.extension.profile & 0xffff, o);
    out.writeUInt16BE(fields.extension.data.length / 4, o + 2);
    out.set(fields.extension.data, o + 4);
    o += extLen;
  }
  out.set(payload, o);
  if (pad) out[out.length - 1] = pad;
  return out;
}
