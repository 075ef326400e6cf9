/**
 * RTCP (RFC 3550 §6) receive side: we only read what the SRC tells us about its stream. A datagram
 * is a compound packet (§6.1): several RTCP packets back to back, each with its own length.
 * Validation follows Appendix A.2, except that the first packet need not be SR/RR (reduced-size
 * RTCP, RFC 5506, is legal under SRTP).
 */
import { RtcpMalformedError } from './errors.js';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;

/** §6.4.1 report block. */
export interface RtcpReportBlock {
  ssrc: number;
  /** Fraction lost since the previous report, 0–255 (/256). */
  fractionLost: number;
  /** Signed 24-bit cumulative number lost. */
  cumulativeLost: number;
  extendedHighestSequence: number;
  jitter: number;
  lastSr: number;
  delaySinceLastSr: number;
}

export interface RtcpSenderReport {
  type: 'sr';
  ssrc: number;
  /** NTP timestamp, seconds since 1900 and 32-bit fraction (§4). */
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: RtcpReportBlock[];
}

export interface RtcpReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: RtcpReportBlock[];
}

export interface RtcpBye {
  type: 'bye';
  ssrcs: number[];
}

/** SDES, APP and anything else: recognised, not interpreted. */
export interface RtcpOtherPacket {
  type: 'other';
  packetType: number;
}

export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpBye | RtcpOtherPacket;

function u32(buf: Uint8Array, o: number): number {
  return ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
}

function reportBlocks(buf: Uint8Array, offset: number, count: number, end: number): RtcpReportBlock[] {
  const out: RtcpReportBlock[] = [];
  for (let i = 0, o = offset; i < count && o + 24 <= end; i++, o += 24) {
    const lost = (buf[o + 5]! << 16) | (buf[o + 6]! << 8) | buf[o + 7]!;
    out.push({
      ssrc: u32(buf, o),
      fractionLost: buf[o + 4]!,
      cumulativeLost: (lost << 8) >> 8, // sign-extend 24 bits
      extendedHighestSequence: u32(buf, o + 8),
      jitter: u32(buf, o + 12),
      lastSr: u32(buf, o + 16),
      delaySinceLastSr: u32(buf, o + 20),
    });
  }
  return out;
}

/** Parses `buf[0, length)` as a compound RTCP packet. */
export function parseRtcpCompound(buf: Uint8Array, length = buf.length): RtcpPacket[] | RtcpMalformedError {
  if (length < 4) return new RtcpMalformedError('too-short');
  const packets: RtcpPacket[] = [];
  let o = 0;
  while (o < length) {
    if (o + 4 > length) return new RtcpMalformedError('too-short');
    const b0 = buf[o]!;
    if (b0 >> 6 !== 2) return new RtcpMalformedError('bad-version');
    const count = b0 & 0x1f;
    const pt = buf[o + 1]!;
    // §6.4.1: length in 32-bit words minus one, including header and any padding.
    const size = (((buf[o + 2]! << 8) | buf[o + 3]!) + 1) * 4;
    const end = o + size;
    if (end > length) return new RtcpMalformedError('bad-length');
    if (b0 & 0x20) {
      // A.2: only the last packet of a compound may be padded.
      if (end !== length) return new RtcpMalformedError('bad-padding');
      const pad = buf[end - 1]!;
      if (pad === 0 || pad > size - 4) return new RtcpMalformedError('bad-padding');
    }
    if (pt === RTCP_SR) {
      if (size < 28) return new RtcpMalformedError('bad-length');
      packets.push({
        type: 'sr',
        ssrc: u32(buf, o + 4),
        ntpSeconds: u32(buf, o + 8),
        ntpFraction: u32(buf, o + 12),
        rtpTimestamp: u32(buf, o + 16),
        packetCount: u32(buf, o + 20),
        octetCount: u32(buf, o + 24),
        reports: reportBlocks(buf, o + 28, count, end),
      });
    } else if (pt === RTCP_RR) {
      if (size < 8) return new RtcpMalformedError('bad-length');
      packets.push({ type: 'rr', ssrc: u32(buf, o + 4), reports: reportBlocks(buf, o + 8, count, end) });
    } else if (pt === RTCP_BYE) {
      const ssrcs: number[] = [];
      for (let i = 0, p = o + 4; i < count && p + 4 <= end; i++, p += 4) ssrcs.push(u32(buf, p));
      packets.push({ type: 'bye', ssrcs });
    } else {
      packets.push({ type: 'other', packetType: pt });
    }
    o = end;
  }
  return packets;
}

/** Counts sender reports without building objects (the receive path only needs the count). */
export function countSenderReports(buf: Uint8Array, length = buf.length): number | RtcpMalformedError {
  const parsed = parseRtcpCompound(buf, length);
  if (parsed instanceof RtcpMalformedError) return parsed;
  let n = 0;
  for (const p of parsed) if (p.type === 'sr') n++;
  return n;
}

export interface SenderReportFields {
  ssrc: number;
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

/** An SR with no report blocks (tests and the simulator). */
export function writeSenderReport(f: SenderReportFields): Buffer {
  const out = Buffer.alloc(28);
  out[0] = 0x80;
  out[1] = RTCP_SR;
  out.writeUInt16BE(6, 2);
  out.writeUInt32BE(f.ssrc >>> 0, 4);
  out.writeUInt32BE(f.ntpSeconds >>> 0, 8);
  out.writeUInt32BE(f.ntpFraction >>> 0, 12);
  out.writeUInt32BE(f.rtpTimestamp >>> 0, 16);
  out.writeUInt32BE(f.packetCount >>> 0, 20);
  out.writeUInt32BE(f.octetCount >>> 0, 24);
  return out;
}

/** An SDES packet with one CNAME chunk (§6.5), to build compound packets. */
export function writeSdesCname(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname, 'utf8').subarray(0, 255);
  // chunk: SSRC, CNAME item (type 1, length, text), at least one null octet, padded to 32 bits
  const chunkLen = 4 + 2 + text.length + 1;
  const padded = Math.ceil(chunkLen / 4) * 4;
  const out = Buffer.alloc(4 + padded);
  out[0] = 0x81;
  out[1] = RTCP_SDES;
  out.writeUInt16BE(out.length / 4 - 1, 2);
  out.writeUInt32BE(ssrc >>> 0, 4);
  out[8] = 1;
  out[9] = text.length;
  text.copy(out, 10);
  return out;
}
