import { describe, expect, it } from 'vitest';
import { RtcpMalformedError, RtpMalformedError } from '../../../src/media/errors.js';
import { parseRtcpCompound, writeSdesCname, writeSenderReport } from '../../../src/media/rtcp.js';
import { emptyRtpHeader, looksLikeRtcp, parseRtp, readRtpHeader, writeRtp } from '../../../src/media/rtp-packet.js';

describe('RTP header (RFC 3550 §5.1)', () => {
  it('reads every fixed-header field and returns the payload as a view, not a copy', () => {
    const payload = Buffer.from([1, 2, 3, 4, 5]);
    const pkt = writeRtp({ payloadType: 8, sequence: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, marker: true }, payload);
    const p = parseRtp(pkt);
    if (p instanceof Error) throw p;
    expect(p).toMatchObject({
      version: 2,
      padding: false,
      extension: false,
      csrcCount: 0,
      marker: true,
      payloadType: 8,
      sequence: 65535,
      timestamp: 0xfffffff0,
      ssrc: 0xdeadbeef,
      payloadOffset: 12,
      payloadEnd: 17,
    });
    expect(Array.from(p.payload)).toEqual([1, 2, 3, 4, 5]);
    pkt[12] = 99; // same memory
    expect(p.payload[0]).toBe(99);
  });

  it('skips CSRCs and the header extension, and strips padding', () => {
    const pkt = writeRtp(
      {
        payloadType: 0,
        sequence: 1,
        timestamp: 2,
        ssrc: 3,
        csrcs: [10, 11],
        extension: { profile: 0xbede, data: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) },
        padding: 3,
      },
      Buffer.from([0xaa, 0xbb]),
    );
    const p = parseRtp(pkt);
    if (p instanceof Error) throw p;
    expect(p.csrcCount).toBe(2);
    expect(p.extension).toBe(true);
    expect(p.padding).toBe(true);
    expect(p.payloadOffset).toBe(12 + 8 + 4 + 8);
    expect(Array.from(p.payload)).toEqual([0xaa, 0xbb]);
  });

  it('rejects malformed packets with a typed reason', () => {
    const good = writeRtp({ payloadType: 0, sequence: 1, timestamp: 2, ssrc: 3 }, Buffer.alloc(4));
    const reason = (b: Buffer): string | undefined => {
      const r = parseRtp(b);
      return r instanceof RtpMalformedError ? r.reason : undefined;
    };
    expect(reason(good.subarray(0, 11))).toBe('too-short');
    const v1 = Buffer.from(good);
    v1[0] = 0x40;
    expect(reason(v1)).toBe('bad-version');
    const csrc = Buffer.from(good);
    csrc[0] = 0x8f; // 15 CSRCs announced, none present
    expect(reason(csrc)).toBe('bad-csrc');
    const ext = Buffer.from(good);
    ext[0] = 0x90; // extension flag: the payload's first word becomes an extension header...
    ext[14] = 0xff; // ...announcing 0xff00 words, far past the end
    expect(reason(ext)).toBe('bad-extension');
    const pad = Buffer.from(good);
    pad[0] = 0xa0;
    pad[pad.length - 1] = 200;
    expect(reason(pad)).toBe('bad-padding');
    const err = parseRtp(pad);
    expect(err).toBeInstanceOf(RtpMalformedError);
    expect((err as RtpMalformedError).code).toBe('MEDIA_RTP_MALFORMED');
  });

  it('readRtpHeader honours the given length (SRTP tag excluded)', () => {
    const pkt = Buffer.concat([writeRtp({ payloadType: 0, sequence: 1, timestamp: 2, ssrc: 3 }, Buffer.alloc(160)), Buffer.alloc(10, 7)]);
    const h = emptyRtpHeader();
    expect(readRtpHeader(pkt, pkt.length - 10, h)).toBeUndefined();
    expect(h.payloadEnd).toBe(172);
  });

  it('tells RTCP from RTP on a muxed port (RFC 5761 §4)', () => {
    expect(looksLikeRtcp(writeSenderReport({ ssrc: 1, ntpSeconds: 0, ntpFraction: 0, rtpTimestamp: 0, packetCount: 0, octetCount: 0 }))).toBe(true);
    expect(looksLikeRtcp(writeRtp({ payloadType: 0, sequence: 1, timestamp: 2, ssrc: 3, marker: true }, Buffer.alloc(1)))).toBe(false);
    expect(looksLikeRtcp(writeRtp({ payloadType: 101, sequence: 1, timestamp: 2, ssrc: 3, marker: true }, Buffer.alloc(1)))).toBe(false);
  });
});

describe('RTCP compound packets (RFC 3550 §6.1, A.2)', () => {
  const sr = writeSenderReport({ ssrc: 0x1234, ntpSeconds: 3900000000, ntpFraction: 0x80000000, rtpTimestamp: 160, packetCount: 50, octetCount: 8000 });

  it('parses SR + SDES', () => {
    const compound = Buffer.concat([sr, writeSdesCname(0x1234, 'src@sbc')]);
    const parsed = parseRtcpCompound(compound);
    if (parsed instanceof Error) throw parsed;
    expect(parsed).toEqual([
      { type: 'sr', ssrc: 0x1234, ntpSeconds: 3900000000, ntpFraction: 0x80000000, rtpTimestamp: 160, packetCount: 50, octetCount: 8000, reports: [] },
      { type: 'other', packetType: 202 },
    ]);
  });

  it('parses RR report blocks and BYE', () => {
    const rr = Buffer.alloc(8 + 24);
    rr[0] = 0x81;
    rr[1] = 201;
    rr.writeUInt16BE(7, 2);
    rr.writeUInt32BE(7, 4);
    rr.writeUInt32BE(0x1234, 8);
    rr[12] = 64;
    rr.writeUIntBE(0xfffffe, 13, 3); // -2
    rr.writeUInt32BE(70000, 16);
    rr.writeUInt32BE(12, 20);
    const bye = Buffer.from([0x81, 203, 0, 1, 0, 0, 0x12, 0x34]);
    const parsed = parseRtcpCompound(Buffer.concat([rr, bye]));
    if (parsed instanceof Error) throw parsed;
    expect(parsed[0]).toMatchObject({ type: 'rr', ssrc: 7, reports: [{ ssrc: 0x1234, fractionLost: 64, cumulativeLost: -2, extendedHighestSequence: 70000, jitter: 12 }] });
    expect(parsed[1]).toEqual({ type: 'bye', ssrcs: [0x1234] });
  });

  it('rejects bad versions, lengths past the datagram and padding before the last packet', () => {
    const reason = (b: Buffer): string | undefined => {
      const r = parseRtcpCompound(b);
      return r instanceof RtcpMalformedError ? r.reason : undefined;
    };
    const badVersion = Buffer.from(sr);
    badVersion[0] = 0x40;
    expect(reason(badVersion)).toBe('bad-version');
    expect(reason(sr.subarray(0, 20))).toBe('bad-length');
    const padded = Buffer.from(sr);
    padded[0]! |= 0x20;
    expect(reason(Buffer.concat([padded, writeSdesCname(1, 'x')]))).toBe('bad-padding');
    expect(reason(Buffer.concat([sr, Buffer.from([0x80, 200])]))).toBe('too-short');
  });
});
