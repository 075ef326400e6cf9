/** The fixtures written for this module (test/fixtures/siprec), end to end through the public API. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildAnswer,
  chooseCodec,
  chooseTelephoneEvent,
  mergeMetadata,
  parseRecordingBody,
  resolveParticipants,
  type SiprecBody,
} from '../../../src/siprec/index.js';
import { ownFixturesDir } from './fixture-loader.js';

const read = (name: string): Buffer => readFileSync(path.join(ownFixturesDir, name));
const noHeaders = (): string[] => [];

function body(ct: string, name: string): SiprecBody {
  const r = parseRecordingBody(ct, read(name), { defaultCountry: 'US' });
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
  return r.value;
}

describe('own fixture: RFC 7865-style two-party INVITE body (CRLF)', () => {
  const CT = 'multipart/mixed;boundary=callguard-7865';

  it('is stored with CRLF line ends (guards against line-ending normalisation in git)', () => {
    const raw = read('rfc7865-two-party.body').toString('latin1');
    expect(raw.includes('\r\n')).toBe(true);
    expect(/[^\r]\n/.test(raw)).toBe(false);
  });

  it('parses to two labelled streams and two numbered participants', () => {
    const b = body(CT, 'rfc7865-two-party.body');
    expect(b.sdp?.media.map((m) => [m.label, m.direction, m.held, m.ptime])).toEqual([
      ['96', 'sendonly', false, 20],
      ['97', 'sendonly', false, 20],
    ]);
    expect(b.metadata).toMatchObject({ groupId: '7+OTCyoxTmqmqyA/1weDAg==', sessionId: 'hVpd7YQgRW2nD22h7q60JQ==' });
    expect(b.metadata?.participants.map((p) => [p.name, p.e164])).toEqual([
      ['Unknown Caller', '+12125550150'],
      ['Alice Subscriber', '+12125550123'],
    ]);
  });

  it('protects the provisioned callee and maps her stream by label 96 (the first m-line is hers)', () => {
    const b = body(CT, 'rfc7865-two-party.body');
    const r = resolveParticipants({ metadata: b.metadata, headers: noHeaders, defaultCountry: 'US' }, (n) => n === '+12125550123');
    expect(r.subscriber).toBe('+12125550123');
    expect(r.participants.map((p) => [p.role, p.sendLabels])).toEqual([
      ['caller', ['97']],
      ['subscriber', ['96']],
    ]);
  });

  it('answers PCMU + telephone-event recvonly on both labels', () => {
    const b = body(CT, 'rfc7865-two-party.body');
    const sdp = b.sdp;
    if (!sdp) throw new Error('no sdp');
    const ans = buildAnswer(
      sdp,
      sdp.media.map((m, i) => {
        const codec = chooseCodec(m);
        const te = codec && chooseTelephoneEvent(m, codec);
        return { port: 20000 + 2 * i, ...(codec ? { codec } : {}), ...(te ? { telephoneEvent: te } : {}) };
      }),
      { address: '203.0.113.10', sessionId: '1', version: 1 },
    );
    expect(ans).toContain('m=audio 20000 RTP/AVP 0 101\r\n');
    expect(ans).toContain('a=label:96\r\na=recvonly\r\n');
    expect(ans).toContain('a=label:97\r\na=recvonly\r\n');
  });
});

describe('own fixture: 3-party conference (metadata first, prefixed namespace, 3 m-lines)', () => {
  const b = (): SiprecBody => body('multipart/mixed; boundary="conf-bnd"', 'conference-3party.body');

  it('parses three m-lines in offer order, the third held by c=0.0.0.0', () => {
    expect(b().sdp?.media.map((m) => [m.label, m.held, chooseCodec(m)?.name])).toEqual([
      ['leg_a', false, 'PCMA'],
      ['leg_b', false, 'G722'],
      ['leg_c', true, 'PCMU'],
    ]);
  });

  it('maps each participant to its label although streams are listed in another order', () => {
    const r = resolveParticipants({ metadata: b().metadata, headers: noHeaders, defaultCountry: 'US' }, (n) => n === '+14155550134');
    expect(r.participants.map((p) => [p.id, p.number, p.role, p.sendLabels])).toEqual([
      ['p-host', '+442079460123', 'caller', ['leg_c']],
      ['p-guest1', '+14155550134', 'subscriber', ['leg_b']],
      ['p-guest2', undefined, 'caller', ['leg_a']],
    ]);
  });
});

describe('own fixture: RTP/SAVP with SDES', () => {
  it('keeps both crypto suites, rtcp-mux and the SAVP proto', () => {
    const m = body('multipart/mixed;boundary=savp', 'savp-crypto.body').sdp?.media[0];
    expect(m?.proto).toBe('RTP/SAVP');
    expect(m?.rtcpMux).toBe(true);
    expect(m?.crypto.map((c) => [c.tag, c.suite, c.sessionParams])).toEqual([
      [1, 'AES_CM_128_HMAC_SHA1_80', undefined],
      [2, 'AES_CM_128_HMAC_SHA1_32', 'UNENCRYPTED_SRTCP'],
    ]);
    expect(m?.crypto[0]?.keyParams).toBe('inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32');
  });
});

describe('own fixture: partial metadata update', () => {
  it('applies to the two-party call: transfer of the caller and a third party', () => {
    const prev = body('multipart/mixed;boundary=callguard-7865', 'rfc7865-two-party.body').metadata;
    const update = body('application/rs-metadata+xml', 'partial-update.xml').metadata;
    if (!prev || !update) throw new Error('fixtures did not parse');
    const merged = mergeMetadata(prev, update);
    const r = resolveParticipants({ metadata: merged, headers: noHeaders, defaultCountry: 'US' }, (n) => n === '+12125550123');
    expect(r.participants.map((p) => [p.number, p.role, p.sendLabels])).toEqual([
      ['+12125550177', 'caller', ['97']],
      ['+12125550123', 'subscriber', ['96']],
      ['+12125550188', 'caller', ['98']],
    ]);
  });
});

describe('own fixtures: hostile metadata', () => {
  it.each(['xxe.xml', 'billion-laughs.xml'])('%s alone is refused with SIPREC_METADATA_DTD_FORBIDDEN', (name) => {
    const r = parseRecordingBody('application/rs-metadata+xml', read(name), { defaultCountry: 'US' });
    expect(r.ok ? undefined : r.error.code).toBe('SIPREC_METADATA_DTD_FORBIDDEN');
  });

  it.each(['xxe.xml', 'billion-laughs.xml'])('%s next to an SDP degrades the call instead of failing it', (name) => {
    const sdp = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=label:1\r\n';
    const raw = Buffer.concat([
      Buffer.from(`--h\r\nContent-Type: application/sdp\r\n\r\n${sdp}\r\n--h\r\nContent-Type: application/rs-metadata+xml\r\n\r\n`),
      read(name),
      Buffer.from('\r\n--h--\r\n'),
    ]);
    const r = parseRecordingBody('multipart/mixed;boundary=h', raw, { defaultCountry: 'US' });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.sdp?.media.length).toBe(1);
    expect(r.value.metadataError?.code).toBe('SIPREC_METADATA_DTD_FORBIDDEN');
    expect(JSON.stringify(r.value)).not.toContain('lollol');
  });
});
