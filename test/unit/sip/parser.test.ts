/**
 * The native SIP parser: compact and folded headers, multi-valued Via, byte-exact bodies, LF-only
 * messages, stream framing split at every byte, torture cases in the spirit of RFC 4475 (written
 * for this suite), and a property: no mutation of a valid INVITE makes the parser throw or stall.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SipParseError } from '../../../src/sip/native/errors.js';
import type { SipMessage, SipRequest } from '../../../src/sip/native/message.js';
import { StreamFramer, type StreamFrame } from '../../../src/sip/native/parser-stream.js';
import { isRespondable, parseDatagram, type ParseResult } from '../../../src/sip/native/parser.js';

const OPTS = { maxBytes: 65535 };

function crlf(lines: string[]): string {
  return lines.join('\r\n');
}

function msg(head: string[], body: Buffer | string = ''): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from(crlf([...head, `Content-Length: ${b.length}`, '', ''])), b]);
}

const BASE_HEADERS = [
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-aaaa',
  'Max-Forwards: 70',
  'From: "SBC" <sip:+12125550100@sbc.example.net>;tag=f1',
  'To: <sip:srs@srs.example.net>',
  'Call-ID: 8a1f@sbc.example.net',
  'CSeq: 1 INVITE',
  'Contact: <sip:sbc@192.0.2.10:5060>',
];

function invite(body: Buffer | string = 'v=0\r\n', extra: string[] = []): Buffer {
  return msg(['INVITE sip:srs@srs.example.net SIP/2.0', ...BASE_HEADERS, ...extra, 'Content-Type: application/sdp'], body);
}

function ok(result: ParseResult): SipMessage {
  if (!result.ok) throw new Error(`expected a message, got ${result.error.code}: ${result.error.reasonPhrase}`);
  return result.message;
}

function req(result: ParseResult): SipRequest {
  const m = ok(result);
  if (m.kind !== 'request') throw new Error('expected a request');
  return m;
}

function fail(result: ParseResult): { error: SipParseError; partial?: SipRequest } {
  if (result.ok) throw new Error('expected a parse error');
  expect(result.error).toBeInstanceOf(SipParseError);
  return result;
}

describe('parseDatagram', () => {
  it('parses a request line, headers and body', () => {
    const r = req(parseDatagram(invite('v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\n'), OPTS));
    expect(r.method).toBe('INVITE');
    expect(r.uri).toBe('sip:srs@srs.example.net');
    expect(r.headers.get('call-id')).toBe('8a1f@sbc.example.net');
    expect(r.headers.get('CSEQ')).toBe('1 INVITE');
    expect(r.body.toString()).toBe('v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\n');
  });

  it('resolves compact header forms (RFC 3261 §7.3.3, RFC 4028 x)', () => {
    const buf = msg(
      [
        'INVITE sip:srs@example.net SIP/2.0',
        'v: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-c',
        'f: <sip:a@example.net>;tag=1',
        't: <sip:srs@example.net>',
        'i: compact@example.net',
        'CSeq: 4 INVITE',
        'm: <sip:a@192.0.2.10>',
        'k: timer, siprec',
        'x: 1800;refresher=uac',
        'c: application/sdp',
        's: subject',
        'e: identity',
        'o: dialog',
        'u: talk',
        'r: <sip:x@example.net>',
        'a: *;+sip.src',
      ],
      'v=0\r\n',
    ).toString().replace('Content-Length:', 'l:');
    const r = req(parseDatagram(Buffer.from(buf), OPTS));
    const h = r.headers;
    expect(h.get('via')).toContain('branch=z9hG4bK-c');
    expect(h.get('from')).toBe('<sip:a@example.net>;tag=1');
    expect(h.get('To')).toBe('<sip:srs@example.net>');
    expect(h.get('Call-ID')).toBe('compact@example.net');
    expect(h.get('contact')).toBe('<sip:a@192.0.2.10>');
    expect(h.list('supported')).toEqual(['timer', 'siprec']);
    expect(h.get('session-expires')).toBe('1800;refresher=uac');
    expect(h.get('content-type')).toBe('application/sdp');
    expect(h.get('content-length')).toBe('5');
    expect(h.get('subject')).toBe('subject');
    expect(h.get('content-encoding')).toBe('identity');
    expect(h.get('event')).toBe('dialog');
    expect(h.get('allow-events')).toBe('talk');
    expect(h.get('refer-to')).toBe('<sip:x@example.net>');
    expect(h.get('accept-contact')).toBe('*;+sip.src');
    expect(r.body.toString()).toBe('v=0\r\n');
  });

  it('unfolds continuation lines (RFC 3261 §7.3.1)', () => {
    const buf = msg([
      'OPTIONS sip:srs@example.net SIP/2.0',
      ...BASE_HEADERS.map((h) => h.replace('1 INVITE', '1 OPTIONS')),
      'Subject: I know you are there,',
      '          pick up the phone',
      '\tand talk to me!',
      'Supported: timer,',
      ' siprec',
    ]);
    const r = req(parseDatagram(buf, OPTS));
    expect(r.headers.get('subject')).toBe('I know you are there, pick up the phone and talk to me!');
    expect(r.headers.list('supported')).toEqual(['timer', 'siprec']);
  });

  it('keeps every Via, whether comma-separated or on separate lines, in order', () => {
    const buf = msg([
      'BYE sip:srs@example.net SIP/2.0',
      'Via: SIP/2.0/UDP p1.example.net;branch=z9hG4bK-1, SIP/2.0/TCP p2.example.net:5070;branch=z9hG4bK-2',
      'v: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-3;received=192.0.2.99',
      'From: <sip:a@example.net>;tag=1',
      'To: <sip:srs@example.net>;tag=2',
      'Call-ID: vias',
      'CSeq: 2 BYE',
    ]);
    const r = req(parseDatagram(buf, OPTS));
    expect(r.headers.list('via')).toEqual([
      'SIP/2.0/UDP p1.example.net;branch=z9hG4bK-1',
      'SIP/2.0/TCP p2.example.net:5070;branch=z9hG4bK-2',
      'SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK-3;received=192.0.2.99',
    ]);
    expect(r.headers.getAll('via')).toHaveLength(2);
  });

  it('keeps a body with non-UTF-8 bytes byte-exact', () => {
    const body = Buffer.from([0x76, 0x3d, 0x30, 0x0d, 0x0a, 0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0d, 0x0a, 0x0d, 0x0a, 0xa0, 0xa1]);
    const r = req(parseDatagram(invite(body), OPTS));
    expect(r.body.equals(body)).toBe(true);
  });

  it('accepts LF-only line ends', () => {
    const text = ['INVITE sip:srs@example.net SIP/2.0', ...BASE_HEADERS, 'Content-Type: application/sdp', 'Content-Length: 4', '', 'v=0\n'].join('\n');
    const r = req(parseDatagram(Buffer.from(text), OPTS));
    expect(r.headers.get('cseq')).toBe('1 INVITE');
    expect(r.body.toString()).toBe('v=0\n');
  });

  it('trims the body to Content-Length and rejects a Content-Length beyond the datagram', () => {
    const extra = Buffer.concat([invite('v=0\r\n'), Buffer.from('trailing junk')]);
    expect(req(parseDatagram(extra, OPTS)).body.toString()).toBe('v=0\r\n');
    const short = Buffer.from(invite('v=0\r\n').toString().replace('Content-Length: 5', 'Content-Length: 50'));
    const { error, partial } = fail(parseDatagram(short, OPTS));
    expect(error.code).toBe('SIP_CONTENT_LENGTH_MISMATCH');
    expect(error.sipStatus).toBe(400);
    expect(partial && isRespondable(partial)).toBe(true);
  });

  it('takes the rest of the datagram as body when there is no Content-Length (UDP only)', () => {
    const text = crlf(['MESSAGE sip:srs@example.net SIP/2.0', ...BASE_HEADERS.map((h) => h.replace('1 INVITE', '1 MESSAGE')), '', 'hello']);
    expect(req(parseDatagram(Buffer.from(text), OPTS)).body.toString()).toBe('hello');
  });

  it('parses responses', () => {
    const text = msg([
      'SIP/2.0 200 OK',
      'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-r',
      'From: <sip:srs@example.net>;tag=9',
      'To: <sip:a@example.net>;tag=1',
      'Call-ID: r',
      'CSeq: 3 BYE',
    ]);
    const m = ok(parseDatagram(text, OPTS));
    expect(m.kind).toBe('response');
    if (m.kind === 'response') {
      expect(m.status).toBe(200);
      expect(m.reason).toBe('OK');
    }
  });

  it('flags oversize messages with 513', () => {
    const { error } = fail(parseDatagram(invite('x'.repeat(2000)), { maxBytes: 1000 }));
    expect(error.sipStatus).toBe(513);
  });
});

describe('torture cases (after RFC 4475)', () => {
  const valid: Array<[string, Buffer, (r: SipRequest) => void]> = [
    [
      'odd case, whitespace before colon, LWS around Via slashes, quoted display with escapes',
      msg([
        'INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0',
        'TO :',
        ' sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n',
        'from   : "J Rosenberg \\\\\\"" <sip:jdrosen@example.com>',
        '  ;',
        '  tag = 98asjd8',
        'MaX-fOrWaRdS: 0068',
        'Call-ID: wsinv.ndaksdj@192.0.2.1',
        'cseq: 0009',
        '  INVITE',
        'Via  : SIP  /   2.0',
        ' /UDP',
        '    192.0.2.2;branch=390skdjuw',
        's :',
        'NewFangledHeader:   newfangled value',
        ' continued newfangled value',
        'UnknownHeaderWithUnusualValue: ;;,,;;,;',
        'Content-Type: application/sdp',
      ], 'v=0\r\n'),
      (r) => {
        expect(r.headers.get('to')).toBe('sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n');
        expect(r.headers.get('subject')).toBe('');
        expect(r.headers.get('newfangledheader')).toBe('newfangled value continued newfangled value');
        expect(r.headers.get('unknownheaderwithunusualvalue')).toBe(';;,,;;,;');
      },
    ],
    [
      'leading CRLFs before the request line, leading zeros in Content-Length',
      Buffer.from('\r\n\r\n' + invite('v=0\r\n').toString().replace('Content-Length: 5', 'Content-Length: 0005')),
      (r) => expect(r.body.toString()).toBe('v=0\r\n'),
    ],
    [
      'tel: Request-URI and escaped characters in the URI',
      msg([
        'OPTIONS tel:+1-212-555-0100;phone-context=example.net SIP/2.0',
        ...BASE_HEADERS.map((h) => h.replace('1 INVITE', '1 OPTIONS')),
      ]),
      (r) => expect(r.uri).toBe('tel:+1-212-555-0100;phone-context=example.net'),
    ],
    [
      'a display name and URI with commas inside quotes and brackets',
      msg([
        'OPTIONS sip:srs@example.net SIP/2.0',
        ...BASE_HEADERS.filter((h) => !h.startsWith('From') && !h.startsWith('Contact')).map((h) => h.replace('1 INVITE', '1 OPTIONS')),
        'From: "Doe, John" <sip:john@example.net;x=a,b>;tag=77',
        'Contact: "A, B" <sip:a@192.0.2.1>, <sip:b@192.0.2.2>;expires=30',
      ]),
      (r) => expect(r.headers.list('contact')).toEqual(['"A, B" <sip:a@192.0.2.1>', '<sip:b@192.0.2.2>;expires=30']),
    ],
    [
      'a very long header value and many unknown headers',
      msg([
        'OPTIONS sip:srs@example.net SIP/2.0',
        ...BASE_HEADERS.map((h) => h.replace('1 INVITE', '1 OPTIONS')),
        `X-Long: ${'a'.repeat(8000)}`,
        ...Array.from({ length: 200 }, (_, i) => `X-H${i}: ${i}`),
      ]),
      (r) => {
        expect(r.headers.get('x-long')).toHaveLength(8000);
        expect(r.headers.get('x-h199')).toBe('199');
      },
    ],
    [
      'IPv6 sent-by and an rport flag in Via',
      msg([
        'OPTIONS sip:srs@[2001:db8::10] SIP/2.0',
        'Via: SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bK-v6;rport',
        ...BASE_HEADERS.slice(1).map((h) => h.replace('1 INVITE', '1 OPTIONS')),
      ]),
      (r) => expect(r.headers.get('via')).toContain('[2001:db8::9]:5070'),
    ],
  ];

  it.each(valid)('valid: %s', (_name, buf, check) => {
    check(req(parseDatagram(buf, OPTS)));
  });

  const text = (s: string): Buffer => Buffer.from(s);
  const base = invite('v=0\r\n').toString();
  const invalid: Array<[string, Buffer, string, boolean]> = [
    ['negative Content-Length', text(base.replace('Content-Length: 5', 'Content-Length: -5')), 'SIP_BAD_CONTENT_LENGTH', true],
    ['two different Content-Lengths', text(base.replace('Content-Length: 5', 'Content-Length: 5\r\nl: 4')), 'SIP_BAD_CONTENT_LENGTH', true],
    ['missing Call-ID', text(base.replace('Call-ID: 8a1f@sbc.example.net\r\n', '')), 'SIP_MISSING_HEADER', false],
    ['two To headers', text(base.replace('To: <sip:srs@srs.example.net>', 'To: <sip:srs@srs.example.net>\r\nt: <sip:x@example.net>')), 'SIP_DUPLICATE_HEADER', true],
    ['extra spaces in the request line', text(base.replace('INVITE sip:srs@srs.example.net SIP/2.0', 'INVITE  sip:srs@srs.example.net  SIP/2.0')), 'SIP_BAD_REQUEST_URI', true],
    ['unknown SIP version', text(base.replace('SIP/2.0\r\nVia', 'SIP/7.0\r\nVia')), 'SIP_BAD_VERSION', true],
    ['CSeq method mismatch', text(base.replace('CSeq: 1 INVITE', 'CSeq: 1 ACK')), 'SIP_CSEQ_METHOD_MISMATCH', true],
    ['CSeq beyond 2^31', text(base.replace('CSeq: 1 INVITE', 'CSeq: 4294967296 INVITE')), 'SIP_BAD_CSEQ', true],
    ['Via without sent-by', text(base.replace('SIP/2.0/UDP 192.0.2.10:5060;branch', 'SIP/2.0/UDP ;branch')), 'SIP_BAD_VIA', false],
    ['Via port out of range', text(base.replace('192.0.2.10:5060;branch', '192.0.2.10:70000;branch')), 'SIP_BAD_VIA', false],
    ['header line without a colon', text(base.replace('Max-Forwards: 70', 'Max-Forwards 70')), 'SIP_BAD_HEADER_LINE', true],
    ['unterminated quote in From', text(base.replace('From: "SBC"', 'From: "SBC')), 'SIP_BAD_FROM', true],
    ['non-numeric Max-Forwards', text(base.replace('Max-Forwards: 70', 'Max-Forwards: seventy')), 'SIP_BAD_MAX_FORWARDS', true],
    ['unknown URI scheme', text(base.replace('INVITE sip:srs@srs.example.net', 'INVITE foo:srs@srs.example.net')), 'SIP_UNSUPPORTED_URI_SCHEME', true],
    ['Request-URI without a scheme', text(base.replace('INVITE sip:srs@srs.example.net', 'INVITE srs.example.net')), 'SIP_BAD_REQUEST_URI', true],
    ['continuation line before any header', text(base.replace('\r\nVia:', '\r\n folded\r\nVia:')), 'SIP_BAD_HEADER_LINE', true],
    ['Session-Expires that is not a number', text(base.replace('Max-Forwards: 70', 'Max-Forwards: 70\r\nSession-Expires: soon')), 'SIP_BAD_SESSION_EXPIRES', true],
    ['a status code of two digits', text('SIP/2.0 20 OK\r\n\r\n'), 'SIP_BAD_STATUS', false],
    ['binary garbage', Buffer.from([0x00, 0x01, 0xff, 0x0d, 0x0a, 0x0d, 0x0a]), 'SIP_BAD_START_LINE', false],
    ['only whitespace', text('\r\n\r\n\r\n'), 'SIP_EMPTY', false],
  ];

  it.each(invalid)('invalid: %s', (_name, buf, code, respondable) => {
    const { error, partial } = fail(parseDatagram(buf, OPTS));
    expect(error.code).toBe(code);
    expect(Boolean(partial && isRespondable(partial))).toBe(respondable);
  });

  it('answers a bad version with 505 and an unknown scheme with 416', () => {
    expect(fail(parseDatagram(text(base.replace('SIP/2.0\r\nVia', 'SIP/7.0\r\nVia')), OPTS)).error.sipStatus).toBe(505);
    expect(fail(parseDatagram(text(base.replace('INVITE sip:', 'INVITE foo:')), OPTS)).error.sipStatus).toBe(416);
  });

  it('is linear on pathological header values', () => {
    const nasty = [
      `X-A: ${'"'.repeat(30000)}`,
      `From: ${'<'.repeat(10000)}${'\\"'.repeat(10000)};tag=1`,
      `Via: SIP/2.0/UDP ${'a'.repeat(20000)};${';'.repeat(5000)}`,
    ];
    const started = performance.now();
    const r = parseDatagram(msg(['INVITE sip:srs@example.net SIP/2.0', ...nasty, ...BASE_HEADERS.slice(1)]), OPTS);
    expect(performance.now() - started).toBeLessThan(2000); // a hang guard, not a speed test
    expect(r.ok).toBe(false);
  });
});

describe('StreamFramer', () => {
  const body = Buffer.from([0x76, 0x3d, 0x30, 0x0d, 0x0a, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0xfe]);
  const first = invite(body);
  const second = msg(['OPTIONS sip:srs@example.net SIP/2.0', ...BASE_HEADERS.map((h) => h.replace('1 INVITE', '2 OPTIONS'))]);
  const both = Buffer.concat([first, second]);

  function messages(frames: StreamFrame[]): SipRequest[] {
    return frames.map((f) => {
      if (f.type !== 'message') throw new Error(`unexpected ${f.type}`);
      return req(f.result);
    });
  }

  function check(out: SipRequest[]): void {
    expect(out.map((m) => m.method)).toEqual(['INVITE', 'OPTIONS']);
    expect(out[0]?.body.equals(body)).toBe(true);
    expect(out[1]?.body.length).toBe(0);
    expect(out[1]?.headers.get('cseq')).toBe('2 OPTIONS');
  }

  it('reassembles two messages split at every byte offset', () => {
    for (let i = 0; i <= both.length; i++) {
      const framer = new StreamFramer(OPTS);
      const frames = [...framer.push(both.subarray(0, i)), ...framer.push(both.subarray(i))];
      check(messages(frames));
      expect(framer.buffered).toBe(0);
    }
  });

  it('reassembles messages fed one byte at a time', () => {
    const framer = new StreamFramer(OPTS);
    const frames: StreamFrame[] = [];
    for (let i = 0; i < both.length; i++) frames.push(...framer.push(both.subarray(i, i + 1)));
    check(messages(frames));
  });

  it('reports CRLFCRLF pings between messages, even split across chunks', () => {
    const framer = new StreamFramer(OPTS);
    const frames = [...framer.push(Buffer.from('\r\n\r')), ...framer.push(Buffer.concat([Buffer.from('\n'), first, Buffer.from('\r\n\r\n')]))];
    expect(frames.map((f) => f.type)).toEqual(['keepalive', 'message', 'keepalive']);
  });

  it('fails the stream when Content-Length is missing', () => {
    const framer = new StreamFramer(OPTS);
    const noLength = Buffer.from(crlf(['OPTIONS sip:srs@example.net SIP/2.0', ...BASE_HEADERS.map((h) => h.replace('1 INVITE', '1 OPTIONS')), '', '']));
    const [frame] = framer.push(noLength);
    expect(frame?.type).toBe('fatal');
    if (frame?.type === 'fatal') {
      expect(frame.error.code).toBe('SIP_MISSING_CONTENT_LENGTH');
      expect(frame.partial && isRespondable(frame.partial)).toBe(true);
    }
    expect(framer.push(second)).toEqual([]);
  });

  it('fails the stream on an oversize header section or body', () => {
    expect(new StreamFramer({ maxBytes: 100 }).push(Buffer.from('INVITE ' + 'a'.repeat(200)))[0]?.type).toBe('fatal');
    const [frame] = new StreamFramer({ maxBytes: 400 }).push(invite('x'.repeat(500)));
    expect(frame?.type === 'fatal' && frame.error.sipStatus).toBe(513);
  });

  it('inMessage: true from a message\'s first byte until it is complete (body included); CRLF at a boundary does not count', () => {
    const framer = new StreamFramer(OPTS);
    expect(framer.inMessage).toBe(false);
    framer.push(Buffer.from('\r\n'));
    expect(framer.inMessage).toBe(false);
    const headEnd = first.indexOf('\r\n\r\n') + 4;
    framer.push(Buffer.concat([Buffer.from('\r\n'), first.subarray(0, 10)]));
    expect(framer.inMessage).toBe(true);
    framer.push(first.subarray(10, headEnd));
    expect(framer.inMessage).toBe(true);
    expect(messages(framer.push(first.subarray(headEnd)))).toHaveLength(1);
    expect(framer.inMessage).toBe(false);
  });

  it('keeps framing after a message that fails validation', () => {
    const bad = Buffer.from(first.toString('latin1').replace('CSeq: 1 INVITE', 'CSeq: x INVITE'), 'latin1');
    const frames = new StreamFramer(OPTS).push(Buffer.concat([bad, second]));
    expect(frames).toHaveLength(2);
    const [a, b] = frames;
    expect(a?.type === 'message' && !a.result.ok && a.result.error.code).toBe('SIP_BAD_CSEQ');
    expect(b?.type === 'message' && b.result.ok).toBe(true);
  });
});

describe('property: mutations of a valid INVITE', () => {
  const seed = invite(Buffer.from('v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n'), [
    'Supported: timer',
    'Session-Expires: 1800;refresher=uac',
    'Record-Route: <sip:p1.example.net;lr>, <sip:p2.example.net;lr>',
  ]);
  const interesting = [0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x3b, 0x2c, 0x22, 0x3c, 0x3e, 0x5c, 0x00, 0xff, 0x3d];
  const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...interesting));
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: byte }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(byte, { minLength: 1, maxLength: 40 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 60 }) }),
    fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  );

  function apply(buf: Buffer, muts: Array<typeof mutation extends fc.Arbitrary<infer T> ? T : never>): Buffer {
    let out = buf;
    for (const m of muts) {
      const at = out.length === 0 ? 0 : m.at % (out.length + 1);
      switch (m.kind) {
        case 'flip':
          if (at < out.length) {
            out = Buffer.from(out);
            out[at] = m.value;
          }
          break;
        case 'insert':
          out = Buffer.concat([out.subarray(0, at), Buffer.from(m.bytes), out.subarray(at)]);
          break;
        case 'delete':
          out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.length)]);
          break;
        case 'duplicate':
          out = Buffer.concat([out.subarray(0, at + m.length), out.subarray(at)]);
          break;
        case 'truncate':
          out = out.subarray(0, at);
          break;
      }
    }
    return out;
  }

  it('never throws, returns a message or a typed error, and stays fast', () => {
    let slowest = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 6 }), (muts, cuts) => {
        const input = apply(seed, muts);
        const started = performance.now();
        const result = parseDatagram(input, OPTS);
        if (!result.ok) expect(result.error).toBeInstanceOf(SipParseError);
        const framer = new StreamFramer(OPTS);
        let pos = 0;
        for (const cut of [...cuts, input.length]) {
          for (const frame of framer.push(input.subarray(pos, pos + cut))) {
            if (frame.type === 'fatal') expect(frame.error).toBeInstanceOf(SipParseError);
            if (frame.type === 'message' && !frame.result.ok) expect(frame.result.error).toBeInstanceOf(SipParseError);
          }
          pos += cut;
        }
        slowest = Math.max(slowest, performance.now() - started);
      }),
      { numRuns: 1500 },
    );
    expect(slowest).toBeLessThan(2000); // a hang guard, not a speed test
  });
});
