/**
 * Header value parsers (Via, name-addr, CSeq, SIP URI, Session-Expires) and the serializer's
 * guards against header injection.
 */
import { describe, expect, it } from 'vitest';
import {
  parseCSeq,
  parseNameAddr,
  parseSessionExpires,
  parseSipUri,
  parseVia,
} from '../../../src/sip/native/header-values.js';
import { headerDisplayName, splitHeaderList } from '../../../src/sip/native/message.js';
import { buildRequest, buildResponse } from '../../../src/sip/native/serializer.js';
import { parseDatagram } from '../../../src/sip/native/parser.js';

describe('parseVia', () => {
  it('reads transport, sent-by, branch and flag parameters', () => {
    const v = parseVia('SIP / 2.0 / udp 192.0.2.1:5070 ;branch=z9hG4bKabc;rport;received=10.0.0.1');
    expect(v).toMatchObject({ transport: 'UDP', host: '192.0.2.1', port: 5070, branch: 'z9hG4bKabc' });
    expect(v?.params.get('rport')).toBeNull();
    expect(v?.params.get('received')).toBe('10.0.0.1');
    expect(parseVia('SIP/2.0/TLS [2001:db8::1];branch=z9hG4bK1')).toMatchObject({ host: '[2001:db8::1]', transport: 'TLS' });
  });

  it.each(['SIP/2.0/UDP', 'SIP/3.0/UDP a.example', 'HTTP/2.0/UDP a.example', 'SIP/2.0/UDP a.example:99999', 'SIP/2.0/UDP a.example junk', 'SIP/2.0/UDP a b.example'])(
    'rejects %s',
    (v) => expect(parseVia(v)).toBeNull(),
  );
});

describe('parseNameAddr', () => {
  it('reads display names, URIs and tags in every form', () => {
    expect(parseNameAddr('"Doe, \\"J\\"" <sip:j@example.net;transport=tcp>;tag=abc')).toEqual({
      display: 'Doe, "J"',
      uri: 'sip:j@example.net;transport=tcp',
      params: new Map([['tag', 'abc']]),
      tag: 'abc',
    });
    expect(parseNameAddr('Bob <sip:bob@example.net>')).toMatchObject({ display: 'Bob', uri: 'sip:bob@example.net' });
    // addr-spec: parameters after the URI are header parameters (RFC 3261 §20.10).
    expect(parseNameAddr('sip:+12125550100@example.net;tag=9')).toMatchObject({ uri: 'sip:+12125550100@example.net', tag: '9' });
    expect(parseNameAddr('<tel:+12125550100>')).toMatchObject({ uri: 'tel:+12125550100' });
  });

  it.each(['', '"unterminated <sip:a@b>', '<sip:a@b', 'no-scheme@example.net', '<sip:a@b>;tag="x'])('rejects %j', (v) =>
    expect(parseNameAddr(v)).toBeNull(),
  );
});

describe('parseCSeq / parseSessionExpires / parseSipUri', () => {
  it('parses CSeq within 2^31', () => {
    expect(parseCSeq('  42   INVITE ')).toEqual({ seq: 42, method: 'INVITE' });
    expect(parseCSeq('2147483647 BYE')).toEqual({ seq: 2147483647, method: 'BYE' });
    expect(parseCSeq('2147483648 BYE')).toBeNull();
    expect(parseCSeq('42INVITE')).toBeNull();
    expect(parseCSeq('-1 INVITE')).toBeNull();
  });

  it('parses Session-Expires and ignores unknown refresher values', () => {
    expect(parseSessionExpires('1800;refresher=uac')).toEqual({ interval: 1800, refresher: 'uac' });
    expect(parseSessionExpires('90 ; Refresher = UAS ; x=1')).toEqual({ interval: 90, refresher: 'uas' });
    expect(parseSessionExpires('90;refresher=proxy')).toEqual({ interval: 90 });
    expect(parseSessionExpires('soon')).toBeNull();
  });

  it('parses SIP URIs far enough to route', () => {
    expect(parseSipUri('sip:user;npdi@192.0.2.1:5080;transport=tcp;lr?Subject=x')).toMatchObject({
      scheme: 'sip',
      user: 'user;npdi',
      host: '192.0.2.1',
      port: 5080,
    });
    expect(parseSipUri('sips:[2001:db8::1]')).toMatchObject({ host: '[2001:db8::1]' });
    expect(parseSipUri('sip:a@host:notaport')).toBeNull();
  });

  it('splits lists outside quotes and angle brackets', () => {
    expect(splitHeaderList('"a,b" <sip:x@y;p=1,2>, <sip:z@w> ,, timer')).toEqual(['"a,b" <sip:x@y;p=1,2>', '<sip:z@w>', 'timer']);
    expect(headerDisplayName('call-id')).toBe('Call-ID');
    expect(headerDisplayName('session-expires')).toBe('Session-Expires');
  });
});

describe('serializer', () => {
  const base = { vias: ['SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1'], from: '<sip:a@b>;tag=1', to: '<sip:c@d>', toHasTag: false, callId: 'x', cseq: '1 INVITE' };

  it('writes Content-Length in bytes and copies the body byte for byte', () => {
    const body = Buffer.from([0xe2, 0x82, 0xac, 0xff, 0x00]);
    const out = buildResponse(base, 200, 'OK', { toTag: 'tt', body, headers: [['Content-Type', 'application/sdp']] });
    const parsed = parseDatagram(out, { maxBytes: 65535 });
    expect(parsed.ok && parsed.message.body.equals(body)).toBe(true);
    expect(out.toString('latin1')).toContain('To: <sip:c@d>;tag=tt\r\n');
  });

  it('cannot be made to inject header lines through the reason or extra headers', () => {
    const out = buildResponse(base, 403, 'No\r\nX-Evil: 1', { headers: [['X-Ok', 'a\r\nX-Evil: 2'], ['Bad Name', 'v'], ['Content-Length', '99']] }).toString();
    expect(out).not.toMatch(/\r\nX-Evil/);
    expect(out).not.toContain('Bad Name');
    expect(out.match(/Content-Length/g)).toHaveLength(1);
    const req = buildRequest('BYE', 'sip:a@b', [['Via', 'v']]).toString();
    expect(req.startsWith('BYE sip:a@b SIP/2.0\r\nVia: v\r\nContent-Length: 0\r\n\r\n')).toBe(true);
  });
});
