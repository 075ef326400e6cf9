/**
 * RFC 2046 §5.1 multipart parsing over the raw bytes of a SIP body. Byte-exact: part bodies are
 * sub-Buffers of the input (no copy, no charset round-trip), so a caller decodes each part once.
 *
 * Tolerances, each forced by an SRC seen in the wild (see ../../../shared/notes/siprec-interop.md):
 * - LF-only line ends as well as CRLF (SIPp scenarios, drachtio test captures);
 * - boundary parameter quoted, spaced or in any case (`; Boundary="x"`, Ribbon, Metaswitch);
 * - part headers in any order, with no space after the colon (BroadWorks `Content-Type:application/…`);
 * - a missing close delimiter (Ribbon/Sonus, SEMS) — the last part runs to the end of the body;
 * - preamble and epilogue (BroadWorks puts whitespace before the first delimiter) are ignored;
 * - transport padding after a delimiter (`--unique-boundary-1-- `, Oracle/Acme).
 * A line that merely looks like a delimiter but names another boundary (oracle-acme-2 carries a
 * stray `--metaswitch-boundary` inside its SDP part) stays inside the part: only our boundary splits.
 */
import { parseHeaderValue } from './content-type.js';
import { fail, guarded, ok } from './result.js';
import type { Result, SiprecError } from './types.js';

export interface Part {
  /** Lowercased media type; `text/plain` when the part has no Content-Type (RFC 2046 §5.1). */
  contentType: string;
  /** Lowercased Content-Disposition type (`session`, `recording-session`), when present. */
  disposition?: string;
  /** Part headers by lowercased name; the first occurrence wins. */
  headers: Readonly<Record<string, string>>;
  /** The part body, a view into the input buffer. */
  body: Buffer;
}

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

/** Upper bound on parts: a SIPREC body has 2–3; more is garbage or an attack, not worth scanning. */
const MAX_PARTS = 32;
/** RFC 2046 §5.1.1 allows 70 characters; leave room for SRCs that overshoot a little. */
const MAX_BOUNDARY = 200;

/** Parse a multipart body given the message's Content-Type header value. */
export function parseMultipart(contentType: string, raw: Buffer): Result<Part[], SiprecError> {
  return guarded('SIPREC_MULTIPART_MALFORMED', () => parseWithBoundary(contentType, raw));
}

function parseWithBoundary(contentType: string, raw: Buffer): Result<Part[], SiprecError> {
  const declared = parseHeaderValue(contentType).params.get('boundary');
  let boundary = declared !== undefined && validBoundary(declared) ? declared : undefined;
  // A declared boundary that never occurs, or none at all: fall back to the body's first delimiter
  // line. Proxies that rewrite Content-Type (and test tools that lose it) are the reason; a body
  // whose first line is `--x` is unambiguous about its boundary.
  if (boundary === undefined || findDelimiter(raw, Buffer.from(`--${boundary}`, 'latin1'), 0) < 0) {
    const sniffed = sniffBoundary(raw);
    if (sniffed !== undefined) boundary = sniffed;
  }
  if (boundary === undefined) {
    return fail('SIPREC_NO_BOUNDARY', 'multipart body without a usable boundary parameter');
  }
  return split(raw, boundary);
}

/** Split `raw` on `boundary` (without the leading `--`). */
export function splitMultipart(raw: Buffer, boundary: string): Result<Part[], SiprecError> {
  return guarded('SIPREC_MULTIPART_MALFORMED', () => split(raw, boundary));
}

function split(raw: Buffer, boundary: string): Result<Part[], SiprecError> {
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  let at = findDelimiter(raw, delim, 0);
  if (at < 0) return fail('SIPREC_MULTIPART_MALFORMED', 'multipart body has no delimiter line for its boundary');
  const parts: Part[] = [];
  while (at >= 0 && parts.length < MAX_PARTS) {
    const afterDelim = at + delim.length;
    if (raw[afterDelim] === DASH && raw[afterDelim + 1] === DASH) break; // close delimiter
    const lineEnd = raw.indexOf(LF, afterDelim);
    if (lineEnd < 0) break; // delimiter is the last line: nothing follows it
    const partStart = lineEnd + 1;
    const { headers, bodyStart } = readPartHeaders(raw, partStart);

    let bodyEnd = -1;
    let next = -1;
    // RFC 2046 has no per-part Content-Length, but BroadWorks sends one. Honour it only when it
    // lands exactly on our delimiter (that lets a part carry a line that looks like the delimiter);
    // a length that disagrees with the framing is ignored — broadworks-1 declares 2012 bytes for a
    // part of ~600 because its XML tags were stripped after the length was computed.
    const cl = headers['content-length'];
    if (cl !== undefined) {
      const n = parseDecimal(cl);
      if (n >= 0 && bodyStart + n <= raw.length) {
        const end = bodyStart + n;
        const d = skipLineBreak(raw, end);
        if ((d === 0 || raw[d - 1] === LF) && isDelimiterAt(raw, delim, d)) {
          bodyEnd = end;
          next = d;
        }
      }
    }
    if (bodyEnd < 0) {
      next = findDelimiter(raw, delim, bodyStart);
      if (next < 0) {
        bodyEnd = raw.length; // missing close delimiter (Ribbon/Sonus, SEMS): runs to the end
      } else {
        // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
        bodyEnd = next - 1;
        if (bodyEnd > bodyStart && raw[bodyEnd - 1] === CR) bodyEnd--;
        if (bodyEnd < bodyStart) bodyEnd = bodyStart;
      }
    }
    const ctHeader = headers['content-type'];
    const dispHeader = headers['content-disposition'];
    const part: Part = {
      contentType: ctHeader === undefined ? 'text/plain' : parseHeaderValue(ctHeader).type,
      headers,
      body: raw.subarray(bodyStart, bodyEnd),
    };
    if (dispHeader !== undefined) part.disposition = parseHeaderValue(dispHeader).type;
    parts.push(part);
    at = next;
  }
  if (parts.length === 0) return fail('SIPREC_MULTIPART_MALFORMED', 'multipart body has no parts');
  return ok(parts);
}

function validBoundary(b: string): boolean {
  if (b.length === 0 || b.length > MAX_BOUNDARY) return false;
  for (let i = 0; i < b.length; i++) {
    const c = b.charCodeAt(i);
    if (c === CR || c === LF || c > 0x7e) return false;
  }
  return true;
}

/** The boundary named by the first `--x` line of the body (after blank preamble lines). */
function sniffBoundary(raw: Buffer): string | undefined {
  let i = 0;
  while (i < raw.length && (raw[i] === SP || raw[i] === HT || raw[i] === CR || raw[i] === LF)) i++;
  if (raw[i] !== DASH || raw[i + 1] !== DASH) return undefined;
  // Must start a line: preamble whitespace ended with a line break, or nothing precedes it.
  if (i > 0 && raw[i - 1] !== LF) return undefined;
  let e = raw.indexOf(LF, i);
  if (e < 0) e = raw.length;
  let end = e;
  while (end > i + 2 && (raw[end - 1] === CR || raw[end - 1] === SP || raw[end - 1] === HT)) end--;
  const b = raw.toString('latin1', i + 2, end);
  return validBoundary(b) ? b : undefined;
}

/**
 * Index of the next delimiter line (`--boundary` at the start of a line followed by `--`,
 * whitespace padding and a line end, or the end of the body), or -1.
 */
function findDelimiter(raw: Buffer, delim: Buffer, from: number): number {
  let i = from;
  for (;;) {
    const at = raw.indexOf(delim, i);
    if (at < 0) return -1;
    if ((at === 0 || raw[at - 1] === LF) && isDelimiterAt(raw, delim, at)) return at;
    i = at + 1;
  }
}

function isDelimiterAt(raw: Buffer, delim: Buffer, at: number): boolean {
  if (at + delim.length > raw.length) return false;
  if (raw.compare(delim, 0, delim.length, at, at + delim.length) !== 0) return false;
  let p = at + delim.length;
  if (raw[p] === DASH && raw[p + 1] === DASH) return true;
  while (p < raw.length && (raw[p] === SP || raw[p] === HT)) p++; // transport padding
  return p === raw.length || raw[p] === LF || (raw[p] === CR && (p + 1 === raw.length || raw[p + 1] === LF));
}

function skipLineBreak(raw: Buffer, at: number): number {
  if (raw[at] === CR && raw[at + 1] === LF) return at + 2;
  if (raw[at] === LF) return at + 1;
  return at;
}

function parseDecimal(s: string): number {
  const t = s.trim();
  if (t.length === 0 || t.length > 9) return -1;
  let n = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Reads part headers from `start` up to the blank line. Continuation lines (leading whitespace)
 * are folded (RFC 5322 §2.2.3). A first line that is not a header means the part has no header
 * block and no blank line: its body starts right there.
 */
function readPartHeaders(raw: Buffer, start: number): { headers: Record<string, string>; bodyStart: number } {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  let i = start;
  let last: string | undefined;
  while (i < raw.length) {
    let e = raw.indexOf(LF, i);
    const next = e < 0 ? raw.length : e + 1;
    if (e < 0) e = raw.length;
    const lineEnd = e > i && raw[e - 1] === CR ? e - 1 : e;
    if (lineEnd === i) return { headers, bodyStart: next }; // blank line
    const first = raw[i];
    if ((first === SP || first === HT) && last !== undefined) {
      headers[last] = `${headers[last] ?? ''} ${raw.toString('latin1', i, lineEnd).trim()}`;
      i = next;
      continue;
    }
    const colon = raw.indexOf(COLON, i);
    if (colon < 0 || colon >= lineEnd || !isHeaderName(raw, i, colon)) return { headers, bodyStart: i };
    const name = raw.toString('latin1', i, colon).trim().toLowerCase();
    if (headers[name] === undefined) headers[name] = raw.toString('latin1', colon + 1, lineEnd).trim();
    last = name;
    i = next;
  }
  return { headers, bodyStart: raw.length };
}

/** RFC 5322 field-name: printable ASCII except colon; trailing whitespace before the colon tolerated. */
function isHeaderName(raw: Buffer, from: number, to: number): boolean {
  let end = to;
  while (end > from && (raw[end - 1] === SP || raw[end - 1] === HT)) end--;
  if (end === from) return false;
  for (let i = from; i < end; i++) {
    const c = raw[i] ?? 0;
    if (c <= 0x20 || c > 0x7e) return false;
  }
  return true;
}
