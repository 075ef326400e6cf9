import { describe, expect, it } from 'vitest';
import { parseMultipart, splitMultipart } from '../../../src/siprec/multipart.js';

const crlf = (s: string): Buffer => Buffer.from(s.replace(/\n/g, '\r\n'), 'latin1');
const lf = (s: string): Buffer => Buffer.from(s, 'latin1');

const TWO_PARTS = `--b1
Content-Type: application/sdp

v=0
m=audio 1 RTP/AVP 0

--b1
Content-Type: application/rs-metadata+xml
Content-Disposition: recording-session

<recording/>
--b1--
`;

function bodies(r: ReturnType<typeof parseMultipart>): string[] {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value.map((p) => p.body.toString('latin1'));
}

describe('multipart (RFC 2046 §5.1)', () => {
  it('splits CRLF bodies; the CRLF before a delimiter belongs to the delimiter', () => {
    const r = parseMultipart('multipart/mixed;boundary=b1', crlf(TWO_PARTS));
    expect(bodies(r)).toEqual(['v=0\r\nm=audio 1 RTP/AVP 0\r\n', '<recording/>']);
    if (!r.ok) return;
    expect(r.value.map((p) => p.contentType)).toEqual(['application/sdp', 'application/rs-metadata+xml']);
    expect(r.value[1]?.disposition).toBe('recording-session');
  });

  it('splits LF-only bodies the same way', () => {
    expect(bodies(parseMultipart('multipart/mixed;boundary=b1', lf(TWO_PARTS)))).toEqual(['v=0\nm=audio 1 RTP/AVP 0\n', '<recording/>']);
  });

  it.each([
    ['quoted', 'multipart/mixed;boundary="b1"'],
    ['spaced (Metaswitch)', 'multipart/mixed; boundary=b1'],
    ['spaces around =', 'multipart/mixed ;  boundary = b1 '],
    ['upper-case parameter name', 'Multipart/Mixed; BOUNDARY=b1'],
    ['other parameters first', 'multipart/mixed; charset=utf-8; boundary="b1"; x=y'],
  ])('reads the boundary when %s', (_what, ct) => {
    expect(bodies(parseMultipart(ct, lf(TWO_PARTS))).length).toBe(2);
  });

  it('is case-sensitive on the boundary value itself (B1 is not b1)', () => {
    const r = splitMultipart(lf(TWO_PARTS), 'B1');
    expect(r.ok).toBe(false);
  });

  it('reads part headers in any order, with no space after the colon, and folded lines', () => {
    const body = lf('--x\nContent-Disposition:recording-session\nX-Long: a\n  b\nContent-Type:Application/RS-Metadata\n\n<r/>\n--x--\n');
    const r = parseMultipart('multipart/mixed;boundary=x', body);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value[0]?.contentType).toBe('application/rs-metadata');
    expect(r.value[0]?.headers['x-long']).toBe('a b');
    expect(r.value[0]?.disposition).toBe('recording-session');
  });

  it('tolerates a missing close delimiter: the last part runs to the end (Ribbon, SEMS)', () => {
    const r = parseMultipart('multipart/mixed;boundary=x', lf('--x\nContent-Type: application/sdp\n\nv=0\n--x\nContent-Type: text/plain\n\ntail'));
    expect(bodies(r)).toEqual(['v=0', 'tail']);
  });

  it('ignores preamble and epilogue, and transport padding after a delimiter', () => {
    const r = parseMultipart(
      'multipart/mixed;boundary=x',
      lf('This is a preamble\n--x \t\nContent-Type: a/b\n\none\n--x-- \nepilogue --x\n'),
    );
    expect(bodies(r)).toEqual(['one']);
  });

  it('keeps a delimiter-looking line for ANOTHER boundary inside the part (oracle-acme-2)', () => {
    const r = parseMultipart(
      'multipart/mixed; boundary=unique-boundary-1',
      lf('--unique-boundary-1\nContent-Type: application/sdp\n\nv=0\n\n--metaswitch-boundary \nContent-Type: application/sdp\n\nv=0\n\n--unique-boundary-1\nContent-Type: a/b\n\nx\n--unique-boundary-1--'),
    );
    const b = bodies(r);
    expect(b.length).toBe(2);
    expect(b[0]).toContain('--metaswitch-boundary');
    expect(b[1]).toBe('x');
  });

  it('does not split on our boundary when it is only a prefix of a longer token or mid-line', () => {
    const r = parseMultipart('multipart/mixed;boundary=x', lf('--x\nContent-Type: a/b\n\n--xyz\nfoo --x\n--x--'));
    expect(bodies(r)).toEqual(['--xyz\nfoo --x']);
  });

  it('honours a per-part Content-Length that lands on a delimiter (a part may then contain our delimiter)', () => {
    const inner = 'AB\n--x\nCD';
    const r = parseMultipart('multipart/mixed;boundary=x', lf(`--x\nContent-Length: ${inner.length}\nContent-Type: a/b\n\n${inner}\n--x\nContent-Type: c/d\n\nlast\n--x--\n`));
    expect(bodies(r)).toEqual([inner, 'last']);
  });

  it('ignores a per-part Content-Length that disagrees with the framing (broadworks-1 declares 2012 for ~600 bytes)', () => {
    const r = parseMultipart('multipart/mixed;boundary=x', lf('--x\nContent-Length: 2012\n\nshort\n--x\nContent-Length: 2\n\nlonger than two\n--x--'));
    expect(bodies(r)).toEqual(['short', 'longer than two']);
  });

  it('is byte-exact: binary and non-UTF-8 bytes survive untouched', () => {
    const payload = Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x80, 0x41]);
    const raw = Buffer.concat([lf('--x\nContent-Type: application/octet-stream\n\n'), payload, lf('\n--x--\n')]);
    const r = parseMultipart('multipart/mixed;boundary=x', raw);
    if (!r.ok) throw new Error(r.error.message);
    expect(Buffer.compare(r.value[0]?.body ?? Buffer.alloc(0), payload)).toBe(0);
  });

  it('defaults a part without Content-Type to text/plain and treats a header-less part as all body', () => {
    const r = parseMultipart('multipart/mixed;boundary=x', lf('--x\n\nno headers\n--x\nv=0\nm=audio 1 RTP/AVP 0\n--x--'));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.map((p) => p.contentType)).toEqual(['text/plain', 'text/plain']);
    expect(bodies(r)).toEqual(['no headers', 'v=0\nm=audio 1 RTP/AVP 0']);
  });

  it('falls back to the first delimiter line when the boundary parameter is missing or wrong', () => {
    expect(bodies(parseMultipart('multipart/mixed', lf(TWO_PARTS))).length).toBe(2);
    expect(bodies(parseMultipart('multipart/mixed;boundary=rewritten-by-proxy', lf(`\n\n${TWO_PARTS}`))).length).toBe(2);
  });

  it('fails with SIPREC_NO_BOUNDARY when there is no boundary anywhere', () => {
    const r = parseMultipart('multipart/mixed', lf('just text'));
    expect(r.ok ? undefined : r.error.code).toBe('SIPREC_NO_BOUNDARY');
  });

  it('fails with SIPREC_MULTIPART_MALFORMED when the body has only a close delimiter', () => {
    const r = parseMultipart('multipart/mixed;boundary=x', lf('--x--\n'));
    expect(r.ok ? undefined : r.error.code).toBe('SIPREC_MULTIPART_MALFORMED');
  });

  it('stays linear on a body full of near-miss delimiters', () => {
    const raw = lf(`--x\nContent-Type: a/b\n\n${'--x_'.repeat(200_000)}\n--x--`);
    const t0 = performance.now();
    const r = parseMultipart('multipart/mixed;boundary=x', raw);
    // A hang guard, not a speed test: quadratic scanning of 800 KB would take minutes.
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(r.ok && r.value.length).toBe(1);
  });
});
