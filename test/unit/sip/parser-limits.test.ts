/**
 * The parser's limits: header fields (400 Too Many Headers, with what is needed to answer still
 * read), body size (413, decided from Content-Length before a stream buffers the body), and their
 * order against the message size (513). Without limits (the simulator's UAC) nothing changes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamFramer } from '../../../src/sip/native/parser-stream.js';
import { isRespondable, parseDatagram, type ParseOptions, type ParseResult } from '../../../src/sip/native/parser.js';

const LIMITS: ParseOptions = { maxBytes: 65535, maxHeaders: 100, maxBodyBytes: 32768 };

const HEAD = [
  'OPTIONS sip:srs@srs.example.net SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-aaaa',
  'From: <sip:sbc@sbc.example.net>;tag=f1',
  'To: <sip:srs@srs.example.net>',
  'Call-ID: limits@sbc.example.net',
  'CSeq: 1 OPTIONS',
];

function filler(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `X-F${i}: ${i}`);
}

/** HEAD has 5 fields; Content-Length makes 6. */
function message(extra: string[], body = '', contentLength: number | null = Buffer.byteLength(body)): Buffer {
  const lines = [...HEAD, ...extra];
  if (contentLength !== null) lines.push(`Content-Length: ${contentLength}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

function failure(result: ParseResult) {
  if (result.ok) throw new Error('expected a failure');
  return result;
}

describe('maxHeaders', () => {
  it('accepts exactly the limit and refuses one more with 400 Too Many Headers', () => {
    expect(parseDatagram(message(filler(94)), LIMITS).ok).toBe(true);
    const { error, partial } = failure(parseDatagram(message(filler(95)), LIMITS));
    expect(error.code).toBe('SIP_TOO_MANY_HEADERS');
    expect(error.sipStatus).toBe(400);
    expect(error.reasonPhrase).toBe('Too Many Headers');
    expect(partial && isRespondable(partial)).toBe(true);
  });

  it('past the limit keeps only what answering and framing need', () => {
    const text = message(filler(10)).toString().split('\r\n');
    // Start line, then the filler, then Via … CSeq and Content-Length.
    const reordered = Buffer.from([text[0], ...text.slice(6, 16), ...text.slice(1, 6), ...text.slice(16)].join('\r\n'));
    const { error, partial } = failure(parseDatagram(reordered, { maxBytes: 65535, maxHeaders: 5 }));
    expect(error.code).toBe('SIP_TOO_MANY_HEADERS');
    expect(partial && isRespondable(partial)).toBe(true);
    expect(partial?.headers.has('x-f9')).toBe(false);
    expect(partial?.headers.has('x-f4')).toBe(true);
    expect(partial?.headers.get('content-length')).toBe('0');
  });

  it('counts folded continuation lines as part of their field', () => {
    const folded = filler(94).map((h) => `${h}\r\n  continued`);
    expect(parseDatagram(message(folded), LIMITS).ok).toBe(true);
  });

  it('applies no limit when none is given', () => {
    expect(parseDatagram(message(filler(500)), { maxBytes: 65535 }).ok).toBe(true);
  });

  it('on a stream the message fails but framing holds', () => {
    const framer = new StreamFramer(LIMITS);
    const frames = framer.push(Buffer.concat([message(filler(200), 'abc'), message([])]));
    expect(frames.map((f) => f.type)).toEqual(['message', 'message']);
    const [bad, good] = frames;
    expect(bad?.type === 'message' && !bad.result.ok && bad.result.error.code).toBe('SIP_TOO_MANY_HEADERS');
    expect(good?.type === 'message' && good.result.ok).toBe(true);
  });
});

describe('maxBodyBytes', () => {
  it('datagram: a declared or carried body over the limit is 413; at the limit it passes', () => {
    const small = { ...LIMITS, maxBodyBytes: 10 };
    expect(parseDatagram(message([], 'x'.repeat(10)), small).ok).toBe(true);
    const declared = failure(parseDatagram(message([], 'x', 40_000), small));
    expect(declared.error.code).toBe('SIP_BODY_TOO_LARGE');
    expect(declared.error.sipStatus).toBe(413);
    expect(declared.partial?.body.length).toBe(0);
    expect(failure(parseDatagram(message([], 'x'.repeat(11), null), small)).error.sipStatus).toBe(413);
  });

  it('datagram: 513 for the whole message comes before 413 for the body', () => {
    const result = failure(parseDatagram(message([], 'x'.repeat(300)), { maxBytes: 200, maxBodyBytes: 100 }));
    expect(result.error.sipStatus).toBe(513);
  });

  it('stream: decided from the header section alone, then nothing more is kept or parsed', () => {
    const framer = new StreamFramer(LIMITS);
    const head = message([], '', 40_000);
    const [frame, ...rest] = framer.push(head);
    expect(rest).toEqual([]);
    expect(frame?.type).toBe('fatal');
    if (frame?.type !== 'fatal') return;
    expect(frame.error.code).toBe('SIP_BODY_TOO_LARGE');
    expect(frame.partial && isRespondable(frame.partial)).toBe(true);
    expect(framer.buffered).toBe(0);
    expect(framer.push(Buffer.alloc(20_000, 0x61))).toEqual([]);
    expect(framer.buffered).toBe(0);
  });
});

describe('property: limits never make the stream framer throw or hoard', () => {
  it('any chunks: no throw, buffered stays within maxBytes plus one chunk', () => {
    const limits: ParseOptions = { maxBytes: 2000, maxHeaders: 8, maxBodyBytes: 500 };
    const seed = message(filler(4), 'v=0\r\n');
    const chunk = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc.constant(seed),
      fc.constant(message(filler(20), 'x'.repeat(100))),
      fc.constant(message([], '', 100_000)),
    );
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 20 }), (chunks) => {
        const framer = new StreamFramer(limits);
        for (const c of chunks) {
          framer.push(c);
          expect(framer.buffered).toBeLessThanOrEqual(limits.maxBytes + c.length);
        }
      }),
    );
  });
});
