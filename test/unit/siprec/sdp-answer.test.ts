import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecordingBody } from '../../../src/siprec/body.js';
import { buildAnswer, chooseCodec, chooseTelephoneEvent } from '../../../src/siprec/sdp-answer.js';
import { parseSdpOffer } from '../../../src/siprec/sdp-offer.js';
import type { OfferedMedia, OfferedSdp } from '../../../src/siprec/types.js';
import { ownFixturesDir } from './fixture-loader.js';

const LOCAL = { address: '192.0.2.99', sessionId: '8000', version: 3 };

function offer(text: string): OfferedSdp {
  const r = parseSdpOffer(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** m-line sections of an answer: [m-line, ...attribute lines]. */
function sections(answer: string): string[][] {
  const lines = answer.split('\r\n');
  const out: string[][] = [];
  for (const l of lines) {
    if (l.startsWith('m=')) out.push([l]);
    else if (out.length > 0 && l !== '') out[out.length - 1]?.push(l);
  }
  return out;
}

function autoAnswer(o: OfferedSdp, basePort = 30000): string {
  return buildAnswer(
    o,
    o.media.map((m, i) => {
      const codec = chooseCodec(m);
      if (!codec) return { port: 0 };
      const te = chooseTelephoneEvent(m, codec);
      return { port: basePort + 2 * i, codec, ...(te ? { telephoneEvent: te } : {}) };
    }),
    LOCAL,
  );
}

const TWO = [
  'v=0',
  'o=SRC 1 1 IN IP4 198.51.100.1',
  's=-',
  'c=IN IP4 198.51.100.1',
  't=0 0',
  'm=audio 36000 RTP/AVP 0 8 101',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
  'a=label:96',
  'a=sendonly',
  'm=audio 36002 RTP/AVP 0 8 101',
  'a=rtpmap:101 telephone-event/8000',
  'a=label:97',
  'a=sendonly',
  '',
].join('\r\n');

describe('SDP answer', () => {
  it('is plain SDP with CRLF line ends, our origin and a session-level connection', () => {
    const a = autoAnswer(offer(TWO));
    expect(a.startsWith('v=0\r\no=callguard 8000 3 IN IP4 192.0.2.99\r\ns=callguard\r\nc=IN IP4 192.0.2.99\r\nt=0 0\r\n')).toBe(true);
    expect(a.endsWith('\r\n')).toBe(true);
    expect(a.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(a).not.toContain('Content-Type');
  });

  it('answers each offered m-line recvonly, in order, with its label echoed', () => {
    const secs = sections(autoAnswer(offer(TWO)));
    expect(secs.map((s) => s[0])).toEqual(['m=audio 30000 RTP/AVP 0 101', 'm=audio 30002 RTP/AVP 0 101']);
    expect(secs[0]).toEqual(['m=audio 30000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=ptime:20', 'a=label:96', 'a=recvonly']);
    expect(secs[1]).toContain('a=label:97');
    expect(secs[1]).toContain('a=recvonly');
  });

  it('answers a held/inactive m-line a=inactive (cisco-cube-2 shape, c=0.0.0.0, a=inactive)', () => {
    const o = offer(TWO.replace('a=label:96\r\na=sendonly', 'a=label:96\r\na=inactive').replace('m=audio 36002 RTP/AVP 0 8 101', 'm=audio 36002 RTP/AVP 0 8 101\r\nc=IN IP4 0.0.0.0'));
    const secs = sections(autoAnswer(o));
    expect(secs[0]).toContain('a=inactive');
    expect(secs[1]).toContain('a=inactive');
    expect(secs.flat()).not.toContain('a=recvonly');
  });

  it('answers an offer that wants to receive only (recvonly) inactive: we never send', () => {
    const o = offer(TWO.replace('a=label:96\r\na=sendonly', 'a=label:96\r\na=recvonly'));
    expect(sections(autoAnswer(o))[0]).toContain('a=inactive');
  });

  it('rejects a stream with port 0 and keeps the offered format list (RFC 3264 §6)', () => {
    const o = offer(TWO.replace('m=audio 36002 RTP/AVP 0 8 101', 'm=audio 36002 RTP/AVP 111 101\r\na=rtpmap:111 opus/48000/2'));
    expect(chooseCodec(o.media[1] as OfferedMedia)).toBeUndefined();
    const secs = sections(autoAnswer(o));
    expect(secs.length).toBe(2);
    expect(secs[1]).toEqual(['m=audio 0 RTP/AVP 111 101', 'a=label:97']);
    expect(secs[0]?.[0]).toBe('m=audio 30000 RTP/AVP 0 101');
  });

  it('rejects when the engine passes port 0, no codec, or too few entries', () => {
    const o = offer(TWO);
    const codec = chooseCodec(o.media[0] as OfferedMedia);
    if (!codec) throw new Error('no codec');
    expect(sections(buildAnswer(o, [{ port: 0, codec }, { port: 4000 }], LOCAL)).map((s) => s[0])).toEqual([
      'm=audio 0 RTP/AVP 0 8 101',
      'm=audio 0 RTP/AVP 0 8 101',
    ]);
    expect(sections(buildAnswer(o, [], LOCAL)).length).toBe(2);
  });

  it('keeps non-audio m-lines in place, rejected', () => {
    const o = offer(`${TWO}m=video 5000 RTP/AVP 31\r\na=label:v\r\n`);
    const secs = sections(autoAnswer(o));
    expect(secs.map((s) => s[0])).toEqual(['m=audio 30000 RTP/AVP 0 101', 'm=audio 30002 RTP/AVP 0 101', 'm=video 0 RTP/AVP 31']);
  });

  it('echoes a=rtcp-mux when offered and only then', () => {
    const o = offer(TWO.replace('a=label:96', 'a=label:96\r\na=rtcp-mux'));
    const secs = sections(autoAnswer(o));
    expect(secs[0]).toContain('a=rtcp-mux');
    expect(secs[1]).not.toContain('a=rtcp-mux');
  });

  it('keeps RTP/SAVP and carries the given crypto line; rejects SAVP when no key is given', () => {
    const r = parseRecordingBody('multipart/mixed;boundary=savp', readFileSync(path.join(ownFixturesDir, 'savp-crypto.body')), { defaultCountry: 'US' });
    if (!r.ok || !r.value.sdp) throw new Error('own SAVP fixture did not parse');
    const o = r.value.sdp;
    expect(o.media.map((m) => [m.proto, m.crypto.length, m.rtcpMux])).toEqual([
      ['RTP/SAVP', 2, true],
      ['RTP/SAVP', 1, true],
    ]);
    const codec = chooseCodec(o.media[0] as OfferedMedia);
    if (!codec) throw new Error('no codec');
    const ans = buildAnswer(
      o,
      [
        { port: 31000, codec, crypto: '1 AES_CM_128_HMAC_SHA1_80 inline:T1VSIEtFWSBGT1IgVEVTVFMgT05MWSAxMjM0NTY3|2^20|1:32' },
        { port: 31002, codec },
      ],
      LOCAL,
    );
    const secs = sections(ans);
    expect(secs[0]?.[0]).toBe('m=audio 31000 RTP/SAVP 0');
    expect(secs[0]).toContain('a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:T1VSIEtFWSBGT1IgVEVTVFMgT05MWSAxMjM0NTY3|2^20|1:32');
    expect(secs[0]).toContain('a=recvonly');
    expect(secs[1]?.[0]).toBe('m=audio 0 RTP/SAVP 0 101');
    // an "a=crypto:" prefix in the given line is not doubled
    const again = buildAnswer(o, [{ port: 31000, codec, crypto: 'a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:X' }], LOCAL);
    expect(sections(again)[0]).toContain('a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:X');
  });

  it('uses IP6 for an IPv6 local address and never lets CR/LF from inputs into the SDP', () => {
    const o = offer(TWO);
    const codec = chooseCodec(o.media[0] as OfferedMedia);
    if (!codec) throw new Error('no codec');
    const a = buildAnswer(o, [{ port: 5000, codec }], { address: '2001:db8::1', sessionId: '1\r\na=evil', version: 1, userAgent: 'cg\r\nm=audio 1 RTP/AVP 0' });
    expect(a).toContain('c=IN IP6 2001:db8::1');
    expect(a.split('\r\n').filter((l) => l.startsWith('m=')).length).toBe(2);
    expect(a).not.toMatch(/^a=evil/m);
  });

  it('answers one m-line per offered m-line for a 3-party conference, in order', () => {
    const r = parseRecordingBody('multipart/mixed;boundary=conf-bnd', readFileSync(path.join(ownFixturesDir, 'conference-3party.body')), { defaultCountry: 'US' });
    if (!r.ok || !r.value.sdp) throw new Error('own conference fixture did not parse');
    const secs = sections(autoAnswer(r.value.sdp));
    expect(secs.map((s) => s[0])).toEqual(['m=audio 30000 RTP/AVP 8 101', 'm=audio 30002 RTP/AVP 9', 'm=audio 30004 RTP/AVP 0']);
    expect(secs.map((s) => s.find((l) => l.startsWith('a=label:')))).toEqual(['a=label:leg_a', 'a=label:leg_b', 'a=label:leg_c']);
    expect(secs.map((s) => s[s.length - 1])).toEqual(['a=recvonly', 'a=recvonly', 'a=inactive']);
    expect(secs[1]).toContain('a=rtpmap:9 G722/8000');
  });
});

describe('codec choice', () => {
  const media = (fmt: string, extra: string[] = []): OfferedMedia => {
    const o = offer(['v=0', 'o=- 1 1 IN IP4 1.1.1.1', 's=-', 'c=IN IP4 1.1.1.1', 't=0 0', `m=audio 1 RTP/AVP ${fmt}`, ...extra, ''].join('\r\n'));
    return o.media[0] as OfferedMedia;
  };

  it.each([
    ['0 8', 'PCMU'],
    ['8 0', 'PCMA'],
    ['9 0 8', 'G722'],
    ['18 0', 'PCMU'], // G.729 is not decoded
    ['13 101 8', 'PCMA'], // CN and telephone-event skipped
  ])('offer order %s → %s', (fmt, name) => {
    expect(chooseCodec(media(fmt, ['a=rtpmap:101 telephone-event/8000']))?.name).toBe(name);
  });

  it('does not choose opus (not decodable yet) nor a stereo or odd-clock G.711', () => {
    expect(chooseCodec(media('111', ['a=rtpmap:111 opus/48000/2']))).toBeUndefined();
    expect(chooseCodec(media('96 0', ['a=rtpmap:96 PCMU/8000/2']))?.payloadType).toBe(0);
    expect(chooseCodec(media('96', ['a=rtpmap:96 PCMA/16000']))).toBeUndefined();
  });

  it('matches case-insensitively on the encoding name', () => {
    expect(chooseCodec(media('96', ['a=rtpmap:96 pcma/8000']))?.payloadType).toBe(96);
  });

  it('chooses the telephone-event whose clock matches the codec (Webex offers 8000 and 48000)', () => {
    const m = media('111 107 0 101', ['a=rtpmap:111 opus/48000/2', 'a=rtpmap:107 telephone-event/48000', 'a=rtpmap:101 telephone-event/8000']);
    const codec = chooseCodec(m);
    expect(codec?.name).toBe('PCMU');
    expect(codec && chooseTelephoneEvent(m, codec)?.payloadType).toBe(101);
    const only16k = media('0 100', ['a=rtpmap:100 telephone-event/16000']);
    const c2 = chooseCodec(only16k);
    expect(c2 && chooseTelephoneEvent(only16k, c2)).toBeUndefined();
  });
});
