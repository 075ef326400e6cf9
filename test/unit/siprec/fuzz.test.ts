/**
 * Property tests: whatever bytes an SRC (or an attacker) sends, parseRecordingBody returns a typed
 * Result — ok, or a SiprecError with a known code — never throws anything else, and is quick.
 * Seeds are the real captures (when present) and our own fixtures, mutated.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SiprecError,
  buildAnswer,
  chooseCodec,
  parseRecordingBody,
  resolveParticipants,
  type SiprecErrorCode,
} from '../../../src/siprec/index.js';
import { INTERNAL_ERROR_PREFIX } from '../../../src/siprec/result.js';
import { indexKinds, listSharedFixtures, loadSharedFixture, ownFixturesDir, sharedFixturesAvailable } from './fixture-loader.js';

interface Seed {
  contentType: string;
  body: Buffer;
}

const CODES: ReadonlySet<SiprecErrorCode> = new Set<SiprecErrorCode>([
  'SIPREC_NO_BODY',
  'SIPREC_UNSUPPORTED_CONTENT_TYPE',
  'SIPREC_NO_BOUNDARY',
  'SIPREC_MULTIPART_MALFORMED',
  'SIPREC_NO_SDP',
  'SIPREC_SDP_MALFORMED',
  'SIPREC_METADATA_MALFORMED',
  'SIPREC_METADATA_DTD_FORBIDDEN',
  'SIPREC_METADATA_TOO_LARGE',
]);

/** Per call. Real bodies parse in well under a millisecond; this only catches runaway work. */
const MAX_MS = 2000;
const RUNS = 400;

const own = (name: string): Buffer => readFileSync(path.join(ownFixturesDir, name));

function seeds(): Seed[] {
  const out: Seed[] = [
    { contentType: 'multipart/mixed;boundary=callguard-7865', body: own('rfc7865-two-party.body') },
    { contentType: 'multipart/mixed;boundary=conf-bnd', body: own('conference-3party.body') },
    { contentType: 'multipart/mixed;boundary=savp', body: own('savp-crypto.body') },
    { contentType: 'application/rs-metadata+xml', body: own('partial-update.xml') },
    { contentType: 'application/rs-metadata+xml', body: own('xxe.xml') },
  ];
  if (sharedFixturesAvailable()) {
    const kinds = indexKinds();
    for (const n of listSharedFixtures()) {
      const kind = kinds.get(n);
      if (kind === undefined) continue;
      const fx = loadSharedFixture(n, kind);
      out.push({ contentType: fx.contentType, body: fx.body });
    }
  }
  return out;
}

const SEEDS = seeds();
const XML_SEEDS: string[] = SEEDS.filter((s) => s.contentType.includes('rs-metadata')).map((s) => s.body.toString('utf8'));

/** Parse, check the Result contract, and exercise what the engine does next with an ok result. */
function check(contentType: string, raw: Buffer): void {
  const t0 = performance.now();
  let r: ReturnType<typeof parseRecordingBody>;
  try {
    r = parseRecordingBody(contentType, raw, { defaultCountry: 'US' });
  } catch (e) {
    throw new Error(`parseRecordingBody threw: ${String(e)}`);
  }
  expect(performance.now() - t0).toBeLessThan(MAX_MS);
  if (!r.ok) {
    expect(r.error).toBeInstanceOf(SiprecError);
    expect(CODES.has(r.error.code)).toBe(true);
    expect([400, 413, 415]).toContain(r.error.sipStatus);
    // the parsers turn an unexpected exception into an error as a last resort; reaching it is a bug
    expect(r.error.message).not.toContain(INTERNAL_ERROR_PREFIX);
    return;
  }
  expect(Array.isArray(r.value.ignoredParts)).toBe(true);
  const sdp = r.value.sdp;
  if (sdp !== undefined) {
    expect(sdp.media.length).toBeGreaterThan(0);
    const answer = buildAnswer(
      sdp,
      sdp.media.map((m, i) => {
        const codec = chooseCodec(m);
        return codec ? { port: 20000 + 2 * i, codec } : { port: 0 };
      }),
      { address: '192.0.2.1', sessionId: '1', version: 1 },
    );
    expect(answer.split('\r\n').filter((l) => l.startsWith('m=')).length).toBe(sdp.media.length);
    expect(answer.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  }
  if (r.value.metadataError !== undefined) {
    expect(CODES.has(r.value.metadataError.code)).toBe(true);
    expect(r.value.metadataError.message).not.toContain(INTERNAL_ERROR_PREFIX);
  }
  resolveParticipants(
    { ...(r.value.metadata ? { metadata: r.value.metadata } : {}), headers: () => [], defaultCountry: 'US' },
    () => false,
  );
}

const seedArb = fc.constantFrom(...SEEDS);

describe('parseRecordingBody under mutation (fast-check)', () => {
  it('seeds parse (sanity: the mutations start from valid input)', () => {
    for (const s of SEEDS) check(s.contentType, s.body);
    expect(SEEDS.length).toBeGreaterThanOrEqual(5);
  });

  it('byte flips', () => {
    fc.assert(
      fc.property(seedArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 24 }), (seed, flips) => {
        const b = Buffer.from(seed.body);
        for (const [at, byte] of flips) if (b.length > 0) b[at % b.length] = byte;
        check(seed.contentType, b);
      }),
      { numRuns: RUNS },
    );
  });

  it('truncation at any byte', () => {
    fc.assert(
      fc.property(seedArb, fc.nat(), (seed, at) => {
        check(seed.contentType, seed.body.subarray(0, seed.body.length === 0 ? 0 : at % (seed.body.length + 1)));
      }),
      { numRuns: RUNS },
    );
  });

  it('duplicated, removed, swapped and inserted lines, with LF or CRLF', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('dup' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('del' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), to: fc.nat() }),
      fc.record({
        kind: fc.constant('ins' as const),
        at: fc.nat(),
        line: fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.constantFrom('v=0', 'm=audio 0 RTP/AVP', 'c=IN IP4 0.0.0.0', 'a=inactive', '--', '--foobar--', 'Content-Length: 99999', '<recording>', '&xxe;', ''),
        ),
      }),
    );
    fc.assert(
      fc.property(seedArb, fc.array(op, { minLength: 1, maxLength: 8 }), fc.boolean(), (seed, ops, crlf) => {
        const lines = seed.body.toString('latin1').split(/\r?\n/);
        for (const o of ops) {
          const n = lines.length;
          if (n === 0) break;
          const i = o.at % n;
          if (o.kind === 'dup') lines.splice(i, 0, lines[i] ?? '');
          else if (o.kind === 'del') lines.splice(i, 1);
          else if (o.kind === 'swap') {
            const j = o.to % n;
            const t = lines[i] ?? '';
            lines[i] = lines[j] ?? '';
            lines[j] = t;
          } else lines.splice(i, 0, o.line);
        }
        check(seed.contentType, Buffer.from(lines.join(crlf ? '\r\n' : '\n'), 'latin1'));
      }),
      { numRuns: RUNS },
    );
  });

  it('random boundaries in the Content-Type and in the body', () => {
    const boundary = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('', '"', '""', '--', 'a b', 'x;y'));
    fc.assert(
      fc.property(
        boundary,
        boundary,
        fc.array(fc.tuple(fc.constantFrom('application/sdp', 'application/rs-metadata+xml', 'application/gtd', ''), fc.nat()), { maxLength: 4 }),
        fc.boolean(),
        fc.constantFrom('multipart/mixed;boundary=', 'multipart/mixed; boundary="', 'MULTIPART/RELATED;BOUNDARY=', 'multipart/mixed;'),
        (declared, used, parts, close, prefix) => {
          const content = parts.map(([ct, pick]) => {
            const s = SEEDS[pick % SEEDS.length] as Seed;
            return `--${used}\r\n${ct ? `Content-Type: ${ct}\r\n` : ''}\r\n${s.body.toString('latin1').slice(0, 3000)}\r\n`;
          });
          const raw = Buffer.from(content.join('') + (close ? `--${used}--\r\n` : ''), 'latin1');
          check(`${prefix}${declared}`, raw);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('random XML fragments inserted around and inside real metadata', () => {
    const fragment = fc.oneof(
      fc.constantFrom(
        '<!DOCTYPE r>',
        '<!ENTITY a "b">',
        '&',
        '&amp;',
        '&#0;',
        '&#x10FFFF;',
        '&#99999999;',
        '&lt',
        '&constructor;',
        '<',
        '>',
        '</recording>',
        '<recording>',
        '<participant participant_id="z">',
        '</participant>',
        '<send>',
        '<![CDATA[',
        ']]>',
        '<!--',
        '-->',
        '<?xml version="1.0"?>',
        '<?pi',
        '"',
        "'",
        'xmlns:a="b"',
        '<a:b xmlns:a="">',
        '\u0000',
        '\uFFFE',
        '\uD800',
      ),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...XML_SEEDS),
        fc.array(fc.tuple(fc.nat(), fragment), { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        (xml, inserts, asMultipart) => {
          let doc = xml;
          for (const [at, frag] of inserts) {
            const i = at % (doc.length + 1);
            doc = doc.slice(0, i) + frag + doc.slice(i);
          }
          if (!asMultipart) {
            check('application/rs-metadata+xml', Buffer.from(doc, 'utf8'));
            return;
          }
          const sdp = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=label:1\r\n';
          const raw = `--z\r\nContent-Type: application/sdp\r\n\r\n${sdp}\r\n--z\r\nContent-Type: application/rs-metadata+xml\r\n\r\n${doc}\r\n--z--\r\n`;
          const r = parseRecordingBody('multipart/mixed;boundary=z', Buffer.from(raw, 'utf8'), { defaultCountry: 'US' });
          // the SDP part is intact, so the body must be usable whatever the XML became
          expect(r.ok && r.value.sdp?.media.length).toBe(1);
          check('multipart/mixed;boundary=z', Buffer.from(raw, 'utf8'));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('random content types with random bodies', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('application/sdp', 'application/rs-metadata', 'multipart/mixed', 'text/plain', '')),
        fc.uint8Array({ maxLength: 2000 }),
        (ct, bytes) => {
          check(ct, Buffer.from(bytes));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
