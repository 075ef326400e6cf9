import { describe, expect, it } from 'vitest';
import { parseSdpOffer } from '../../../src/siprec/sdp-offer.js';
import type { OfferedSdp } from '../../../src/siprec/types.js';

function offer(lines: string[], eol = '\r\n'): OfferedSdp {
  const r = parseSdpOffer(lines.join(eol) + eol);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

const HEAD = ['v=0', 'o=- 123 7 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.2', 't=0 0'];

describe('offer SDP', () => {
  it('reads origin, N m-lines in order with labels of any token', () => {
    const labels = ['0', '16777227', 'a_leg', 'x.y-z'];
    const o = offer([...HEAD, ...labels.flatMap((l, i) => [`m=audio ${20000 + i * 2} RTP/AVP 0`, `a=label:${l}`, 'a=sendonly'])]);
    expect(o).toMatchObject({ originSessionId: '123', originVersion: '7', originAddress: '192.0.2.1' });
    expect(o.media.map((m) => [m.index, m.port, m.label])).toEqual(labels.map((l, i) => [i, 20000 + i * 2, l]));
  });

  it('defaults direction to sendrecv; session-level direction applies to m-lines without their own', () => {
    expect(offer([...HEAD, 'm=audio 1 RTP/AVP 0']).media[0]?.direction).toBe('sendrecv');
    const o = offer([...HEAD, 'a=sendonly', 'm=audio 1 RTP/AVP 0', 'm=audio 3 RTP/AVP 0', 'a=recvonly']);
    expect(o.media.map((m) => m.direction)).toEqual(['sendonly', 'recvonly']);
  });

  it('ignores a=direction:both (RFC 4145, SEMS) as a direction', () => {
    expect(offer([...HEAD, 'm=audio 1 RTP/AVP 8', 'a=direction:both', 'a=sendonly']).media[0]?.direction).toBe('sendonly');
    expect(offer([...HEAD, 'm=audio 1 RTP/AVP 8', 'a=direction:both']).media[0]?.direction).toBe('sendrecv');
  });

  it.each([
    ['a=inactive', [...HEAD, 'm=audio 1 RTP/AVP 0', 'a=inactive'], true],
    ['session-level a=inactive', [...HEAD, 'a=inactive', 'm=audio 1 RTP/AVP 0'], true],
    ['media-level c=0.0.0.0, no direction (BroadWorks pause)', ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=audio 1 RTP/AVP 0', 'c=IN IP4 0.0.0.0'], true],
    ['session-level c=0.0.0.0', ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 1 RTP/AVP 0', 'a=sendonly'], true],
    ['o= and c= 0.0.0.0 (Metaswitch)', ['v=0', 'o=- 1 2 IN IP4 0.0.0.0', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 1 RTP/AVP 0'], true],
    ['o= 0.0.0.0 with no c= and no direction', ['v=0', 'o=- 1 2 IN IP4 0.0.0.0', 's=-', 'm=audio 1 RTP/AVP 0'], true],
    ['o= 0.0.0.0 with no c= but a=sendonly (Connectel initial offer: live)', ['v=0', 'o=- 1 0 IN IP4 0.0.0.0', 's=-', 'm=audio 1 RTP/AVP 0', 'a=sendonly'], false],
    ['o= 0.0.0.0 but a real c= (only o= is zero)', ['v=0', 'o=- 1 0 IN IP4 0.0.0.0', 's=-', 'c=IN IP4 192.0.2.9', 'm=audio 1 RTP/AVP 0'], false],
    ['a=sendonly (the SRC norm)', [...HEAD, 'm=audio 1 RTP/AVP 0', 'a=sendonly'], false],
    ['media c= real overriding session c=0.0.0.0', ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 1 RTP/AVP 0', 'c=IN IP4 192.0.2.7'], false],
  ])('hold: %s → held=%s', (_what, lines, held) => {
    expect(offer(lines).media[0]?.held).toBe(held);
  });

  it('resolves the connection address media → session → origin, dropping TTL/count', () => {
    const o = offer([
      'v=0',
      'o=- 1 1 IN IP4 198.51.100.1',
      's=-',
      'm=audio 1 RTP/AVP 0',
      'c=IN IP4 233.252.0.1/127/2',
      'm=audio 3 RTP/AVP 0',
    ]);
    expect(o.media.map((m) => m.address)).toEqual(['233.252.0.1', '198.51.100.1']);
    expect(offer([...HEAD, 'm=audio 1 RTP/AVP 0']).media[0]?.address).toBe('192.0.2.2');
  });

  it('accepts a missing t= and session c= (Ribbon, Connectel)', () => {
    const o = offer(['v=0', 'o=Sonus_UAC 1 2 IN IP4 172.16.169.181', 's=x', 'm=audio 48932 RTP/AVP 0', 'c=IN IP4 172.16.169.132']);
    expect(o.media[0]?.address).toBe('172.16.169.132');
  });

  it('builds codecs in m-line order from rtpmap, else the RFC 3551 static table (G722 at 8000)', () => {
    const o = offer([...HEAD, 'm=audio 1 RTP/AVP 18 0 8 9 13 3 96 101 111', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 useinbandfec=1']);
    expect(o.media[0]?.codecs).toEqual([
      { payloadType: 18, name: 'G729', clockRate: 8000 },
      { payloadType: 0, name: 'PCMU', clockRate: 8000 },
      { payloadType: 8, name: 'PCMA', clockRate: 8000 },
      { payloadType: 9, name: 'G722', clockRate: 8000 },
      { payloadType: 13, name: 'CN', clockRate: 8000 },
      { payloadType: 3, name: 'GSM', clockRate: 8000 },
      // 96 has no rtpmap: unusable, skipped
      { payloadType: 101, name: 'telephone-event', clockRate: 8000, fmtp: '0-15' },
      { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' },
    ]);
    expect(o.media[0]?.formats).toEqual(['18', '0', '8', '9', '13', '3', '96', '101', '111']);
  });

  it('lets an rtpmap override a static payload type and keeps the first of duplicate rtpmaps', () => {
    const o = offer([...HEAD, 'm=audio 1 RTP/AVP 0', 'a=rtpmap:0 pcmu/8000', 'a=rtpmap:0 PCMA/8000']);
    expect(o.media[0]?.codecs).toEqual([{ payloadType: 0, name: 'pcmu', clockRate: 8000 }]);
  });

  it('reads SDES a=crypto lines (RFC 4568), rtcp-mux and ptime per m-line', () => {
    const o = offer([
      ...HEAD,
      'm=audio 1 RTP/SAVP 0',
      'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:KEY1|2^20|1:32',
      'a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:KEY2 UNENCRYPTED_SRTCP KDR=1',
      'a=crypto:x broken',
      'a=rtcp-mux',
      'a=ptime:30',
      'm=audio 3 RTP/AVP 0',
    ]);
    expect(o.media[0]).toMatchObject({ proto: 'RTP/SAVP', rtcpMux: true, ptime: 30 });
    expect(o.media[0]?.crypto).toEqual([
      { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', keyParams: 'inline:KEY1|2^20|1:32' },
      { tag: 2, suite: 'AES_CM_128_HMAC_SHA1_32', keyParams: 'inline:KEY2', sessionParams: 'UNENCRYPTED_SRTCP KDR=1' },
    ]);
    expect(o.media[1]).toMatchObject({ rtcpMux: false, crypto: [] });
    expect(o.media[1]?.ptime).toBeUndefined();
  });

  it('works with LF-only line ends and skips lines that are not <letter>=', () => {
    const o = offer(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 'garbage line', 'X=upper-case type', '', 'm=audio 5 RTP/AVP 0'], '\n');
    expect(o.media.length).toBe(1);
  });

  it('stops at a second v= (a second SDP pasted into the part, oracle-acme-2)', () => {
    const o = offer([...HEAD, 'm=audio 10 RTP/AVP 8 0', 'a=label:16777227', '', '--metaswitch-boundary ', 'Content-Type: application/sdp', '', 'v=0', 'o=- 9 9 IN IP4 192.0.2.9', 'm=audio 20 RTP/AVP 8', 'a=label:1']);
    expect(o.media.map((m) => m.label)).toEqual(['16777227']);
    expect(o.originSessionId).toBe('123');
  });

  it('accepts port/count and non-audio m-lines (parsed; the engine decides)', () => {
    const o = offer([...HEAD, 'm=audio 49170/2 RTP/AVP 0', 'm=video 0 RTP/AVP 31', 'm=application 9 UDP/BFCP *']);
    expect(o.media.map((m) => [m.type, m.port, m.codecs.length])).toEqual([
      ['audio', 49170, 1],
      ['video', 0, 0],
      ['application', 9, 0],
    ]);
  });

  it('accepts a Buffer', () => {
    const r = parseSdpOffer(Buffer.from([...HEAD, 'm=audio 1 RTP/AVP 0'].join('\r\n')));
    expect(r.ok).toBe(true);
  });

  it.each([
    ['an empty body', '', 'SIPREC_NO_SDP'],
    ['whitespace', ' \r\n\r\n', 'SIPREC_NO_SDP'],
    ['garbage', 'hello world\nthis is not sdp', 'SIPREC_SDP_MALFORMED'],
    ['no m-line', 'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n', 'SIPREC_SDP_MALFORMED'],
    ['a non-numeric port', 'v=0\r\nm=audio [auto_media_port] RTP/AVP 0\r\n', 'SIPREC_SDP_MALFORMED'],
    ['a port out of range', 'v=0\r\nm=audio 70000 RTP/AVP 0\r\n', 'SIPREC_SDP_MALFORMED'],
    ['an m-line with no proto', 'v=0\r\nm=audio 1\r\n', 'SIPREC_SDP_MALFORMED'],
  ])('rejects %s with %s (400)', (_what, text, code) => {
    const r = parseSdpOffer(text);
    expect(r.ok ? undefined : [r.error.code, r.error.sipStatus]).toEqual([code, 400]);
  });

  it('stays linear on a huge offer', () => {
    const lines = [...HEAD];
    for (let i = 0; i < 2000; i++) lines.push(`m=audio ${i * 2} RTP/AVP 0 8`, 'a=rtpmap:0 PCMU/8000', `a=label:${i}`, 'a=sendonly');
    const t0 = performance.now();
    expect(offer(lines).media.length).toBe(2000);
    // A hang guard, not a speed test (speed: npm run bench -- siprec).
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
