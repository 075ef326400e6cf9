import { isUtf8 } from 'node:buffer';
/**
 * SIP message parser (RFC 3261 §7, §18.3, §25). Works on Buffers: the header section is decoded
 * once, the body stays a byte-exact view into the received bytes. Parsing never throws: every
 * failure is a typed SipParseError, with the part of the request that was readable (`partial`)
 * so the caller can still answer 400 when Via, From, To, Call-ID and CSeq are present.
 */
import { SipParseError } from './errors.js';
import {
  isToken,
  parseCSeq,
  parseDecimal,
  parseMinSE,
  parseNameAddr,
  parseSessionExpires,
  parseVia,
  uriScheme,
} from './header-values.js';
import { EMPTY_BODY, headerKey, SipHeaders, type SipMessage, type SipRequest, type SipResponse } from './message.js';

export type ParseResult =
  | { ok: true; message: SipMessage }
  | { ok: false; error: SipParseError; partial?: SipRequest };

export interface ParseOptions {
  /** Largest message accepted, header section and body (RFC 3261 §18.1.1, default 65535). */
  maxBytes: number;
  /** Most header fields (lines after unfolding) in one message; more is a 400 (default: no limit). */
  maxHeaders?: number;
  /** Largest body, by Content-Length or what a datagram carries; more is a 413 (default: no limit). */
  maxBodyBytes?: number;
}

/**
 * Headers still read past `maxHeaders`: enough to answer the 400 (RFC 3261 §8.2.6.2) and to find
 * the end of the body on a stream, so the connection stays in sync.
 */
const KEPT_PAST_HEADER_LIMIT: ReadonlySet<string> = new Set(['via', 'from', 'to', 'call-id', 'cseq', 'content-length']);

const CR = 0x0d;
const LF = 0x0a;

/** The header section parsed: start line and headers, plus the first structural problem seen. */
export interface ParsedHead {
  request?: { method: string; uri: string };
  response?: { status: number; reason: string };
  headers: SipHeaders;
  /** First problem found; parsing continued past it so the request may still be answerable. */
  error?: SipParseError;
  /** The header section was not UTF-8: it was read byte for byte as Latin-1 (see parseHead). */
  latin1?: boolean;
}

/**
 * Finds the blank line that ends the header section, accepting CRLF or bare LF line ends.
 * Returns the end of the header text and the start of the body, or null if not (yet) present.
 */
export function findHeaderEnd(buf: Buffer, from: number): { headEnd: number; bodyStart: number } | null {
  let i = buf.indexOf(LF, from);
  while (i >= 0) {
    const next = buf[i + 1];
    if (next === LF) return { headEnd: i, bodyStart: i + 2 };
    if (next === CR && buf[i + 2] === LF) return { headEnd: i, bodyStart: i + 3 };
    i = buf.indexOf(LF, i + 1);
  }
  return null;
}

/** Skips CR/LF before a start line (RFC 3261 §7.5: ignore CRLF preceding the start-line). */
export function skipLeadingNewlines(buf: Buffer, from: number): number {
  let i = from;
  while (i < buf.length && (buf[i] === CR || buf[i] === LF)) i++;
  return i;
}

function parseStartLine(line: string, head: ParsedHead): boolean {
  if (line.length === 0) {
    head.error = new SipParseError('SIP_BAD_START_LINE', 'Empty Start Line');
    return false;
  }
  if (line.startsWith('SIP/') || line.startsWith('sip/')) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 §7.2)
    const sp1 = line.indexOf(' ');
    if (sp1 < 0) {
      head.error = new SipParseError('SIP_BAD_START_LINE', 'Malformed Status Line');
      return false;
    }
    const version = line.slice(0, sp1);
    const rest = line.slice(sp1 + 1);
    const sp2 = rest.indexOf(' ');
    const codeText = sp2 < 0 ? rest : rest.slice(0, sp2);
    const status = parseDecimal(codeText, 3);
    if (status === null || codeText.length !== 3 || status < 100 || status > 699) {
      head.error = new SipParseError('SIP_BAD_STATUS', 'Bad Status Code');
      return false;
    }
    if (version.toUpperCase() !== 'SIP/2.0') {
      head.error = new SipParseError('SIP_BAD_VERSION', 'Version Not Supported', 505);
      return false;
    }
    head.response = { status, reason: sp2 < 0 ? '' : rest.slice(sp2 + 1) };
    return true;
  }
  // Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 §7.1): exactly two single spaces.
  const sp1 = line.indexOf(' ');
  const sp2 = line.lastIndexOf(' ');
  if (sp1 <= 0 || sp2 === sp1) {
    head.error = new SipParseError('SIP_BAD_START_LINE', 'Malformed Request Line');
    return false;
  }
  const method = line.slice(0, sp1);
  if (!isToken(method)) {
    head.error = new SipParseError('SIP_BAD_METHOD', 'Malformed Method');
    return false;
  }
  const uri = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  head.request = { method, uri };
  if (uri.length === 0 || /[\s]/.test(uri)) {
    head.error = new SipParseError('SIP_BAD_REQUEST_URI', 'Malformed Request-URI');
    return true;
  }
  if (version.toUpperCase() !== 'SIP/2.0') {
    // RFC 3261 §21.5.6: 505 for a SIP version we do not speak.
    head.error = new SipParseError('SIP_BAD_VERSION', 'Version Not Supported', 505);
    return true;
  }
  return true;
}

/**
 * Parses the header section (start line and header lines, without the blank line). Handles
 * folded lines (RFC 3261 §7.3.1: a line starting with SP/HTAB continues the previous header)
 * and both CRLF and LF line ends. Past `maxHeaders` fields the head is marked Too Many Headers
 * and only the fields needed to answer and to frame are kept.
 */
export function parseHead(buf: Buffer, start: number, end: number, maxHeaders = Number.POSITIVE_INFINITY): ParsedHead {
  // Header bytes that are not UTF-8 (Latin-1 in a Via branch or a Call-ID) would come back as U+FFFD
  // and the SRC could never match our response (RFC 3261 §8.2.6.2, §17.1.3). Read them byte for byte
  // instead, refuse the request (400, no state) and answer with the same bytes.
  const utf8 = isUtf8(buf.subarray(start, end));
  const text = buf.toString(utf8 ? 'utf8' : 'latin1', start, end);
  const head: ParsedHead = { headers: new SipHeaders() };
  if (!utf8) head.latin1 = true;
  let pos = 0;
  let lineNo = 0;
  let fields = 0;
  let pendingName: string | null = null;
  let pendingValue = '';
  const flush = (): void => {
    if (pendingName === null) return;
    const name = pendingName;
    pendingName = null;
    if (++fields > maxHeaders) {
      // A limit outranks a syntax problem found earlier: it is what the counters should show.
      if (head.error?.code !== 'SIP_TOO_MANY_HEADERS') head.error = new SipParseError('SIP_TOO_MANY_HEADERS', 'Too Many Headers');
      if (!KEPT_PAST_HEADER_LIMIT.has(headerKey(name))) return;
    }
    head.headers.append(name, pendingValue);
  };
  while (pos <= text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    let line = text.slice(pos, nl);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    pos = nl + 1;
    if (lineNo++ === 0) {
      if (!parseStartLine(line, head)) return head;
      continue;
    }
    if (line.length === 0) continue;
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      if (pendingName === null) {
        head.error ??= new SipParseError('SIP_BAD_HEADER_LINE', 'Continuation Line Without Header');
        continue;
      }
      pendingValue = pendingValue.length > 0 ? `${pendingValue} ${line.trim()}` : line.trim();
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).trimEnd();
    if (!isToken(name)) {
      head.error ??= new SipParseError('SIP_BAD_HEADER_LINE', 'Malformed Header Line');
      continue;
    }
    pendingName = name;
    pendingValue = line.slice(colon + 1).trim();
  }
  flush();
  if (head.latin1) head.error ??= new SipParseError('SIP_BAD_ENCODING', 'Header Not UTF-8');
  return head;
}

/** Content-Length of a parsed head: undefined when absent, null when invalid or conflicting. */
export function contentLengthOf(headers: SipHeaders): number | undefined | null {
  const values = headers.getAll('content-length');
  if (values.length === 0) return undefined;
  let result: number | null = null;
  for (const v of values) {
    const n = parseDecimal(v, 9);
    if (n === null) return null;
    if (result !== null && result !== n) return null; // two different lengths: the framing is unknowable
    result = n;
  }
  return result;
}

function oneValue(headers: SipHeaders, name: string, label: string): string | SipParseError {
  const values = headers.getAll(name);
  if (values.length === 0) return new SipParseError('SIP_MISSING_HEADER', `Missing ${label} Header`);
  if (values.length > 1) return new SipParseError('SIP_DUPLICATE_HEADER', `Multiple ${label} Headers`);
  return values[0] ?? '';
}

/**
 * RFC 3261 §8.2.1–§8.2.2 and §20: the checks a UAS needs before it can act on a request. Returns
 * the first problem, with a reason phrase that names it.
 */
export function validateRequest(req: SipRequest): SipParseError | null {
  const h = req.headers;
  const vias = h.list('via');
  if (vias.length === 0) return new SipParseError('SIP_MISSING_HEADER', 'Missing Via Header');
  const from = oneValue(h, 'from', 'From');
  if (from instanceof SipParseError) return from;
  const to = oneValue(h, 'to', 'To');
  if (to instanceof SipParseError) return to;
  const callId = oneValue(h, 'call-id', 'Call-ID');
  if (callId instanceof SipParseError) return callId;
  const cseq = oneValue(h, 'cseq', 'CSeq');
  if (cseq instanceof SipParseError) return cseq;
  if (!parseVia(vias[0] ?? '')) return new SipParseError('SIP_BAD_VIA', 'Malformed Via Header');
  if (!parseNameAddr(from)) return new SipParseError('SIP_BAD_FROM', 'Malformed From Header');
  if (!parseNameAddr(to)) return new SipParseError('SIP_BAD_TO', 'Malformed To Header');
  if (callId.length === 0 || /\s/.test(callId)) return new SipParseError('SIP_BAD_CALL_ID', 'Malformed Call-ID Header');
  const cs = parseCSeq(cseq);
  if (!cs) return new SipParseError('SIP_BAD_CSEQ', 'Malformed CSeq Header');
  if (cs.method !== req.method) return new SipParseError('SIP_CSEQ_METHOD_MISMATCH', 'CSeq Method Does Not Match Request');
  const mf = h.getAll('max-forwards');
  if (mf.length > 1) return new SipParseError('SIP_DUPLICATE_HEADER', 'Multiple Max-Forwards Headers');
  if (mf.length === 1) {
    const n = parseDecimal(mf[0] ?? '', 10);
    if (n === null || n > 255) return new SipParseError('SIP_BAD_MAX_FORWARDS', 'Malformed Max-Forwards Header');
  }
  const se = h.getAll('session-expires');
  if (se.length > 1) return new SipParseError('SIP_DUPLICATE_HEADER', 'Multiple Session-Expires Headers');
  if (se.length === 1 && !parseSessionExpires(se[0] ?? '')) {
    return new SipParseError('SIP_BAD_SESSION_EXPIRES', 'Malformed Session-Expires Header');
  }
  const minSe = h.getAll('min-se');
  if (minSe.length > 1) return new SipParseError('SIP_DUPLICATE_HEADER', 'Multiple Min-SE Headers');
  if (minSe.length === 1 && parseMinSE(minSe[0] ?? '') === null) {
    return new SipParseError('SIP_BAD_MIN_SE', 'Malformed Min-SE Header');
  }
  const scheme = uriScheme(req.uri);
  if (scheme === null) return new SipParseError('SIP_BAD_REQUEST_URI', 'Malformed Request-URI');
  if (scheme !== 'sip' && scheme !== 'sips' && scheme !== 'tel') {
    // RFC 3261 §8.2.2.1: a scheme we do not understand gets 416.
    return new SipParseError('SIP_UNSUPPORTED_URI_SCHEME', 'Unsupported URI Scheme', 416);
  }
  return null;
}

function validateResponse(res: SipResponse): SipParseError | null {
  const h = res.headers;
  if (h.list('via').length === 0) return new SipParseError('SIP_MISSING_HEADER', 'Missing Via Header');
  for (const [name, label] of [
    ['from', 'From'],
    ['to', 'To'],
    ['call-id', 'Call-ID'],
    ['cseq', 'CSeq'],
  ] as const) {
    const v = oneValue(h, name, label);
    if (v instanceof SipParseError) return v;
  }
  if (!parseCSeq(h.get('cseq') ?? '')) return new SipParseError('SIP_BAD_CSEQ', 'Malformed CSeq Header');
  return null;
}

function partialOf(head: ParsedHead, body: Buffer): SipRequest | undefined {
  if (!head.request) return undefined;
  const req: SipRequest = { kind: 'request', method: head.request.method, uri: head.request.uri, headers: head.headers, body };
  if (head.latin1) req.latin1 = true;
  return req;
}

/** Turns a parsed head plus its framed body into a message, validating requests. */
export function assembleMessage(head: ParsedHead, body: Buffer): ParseResult {
  if (head.error) {
    const partial = partialOf(head, body);
    return partial ? { ok: false, error: head.error, partial } : { ok: false, error: head.error };
  }
  if (head.request) {
    const req: SipRequest = { kind: 'request', method: head.request.method, uri: head.request.uri, headers: head.headers, body };
    const err = validateRequest(req);
    return err ? { ok: false, error: err, partial: req } : { ok: true, message: req };
  }
  if (head.response) {
    const res: SipResponse = { kind: 'response', status: head.response.status, reason: head.response.reason, headers: head.headers, body };
    const err = validateResponse(res);
    return err ? { ok: false, error: err } : { ok: true, message: res };
  }
  return { ok: false, error: new SipParseError('SIP_BAD_START_LINE', 'Malformed Start Line') };
}

/**
 * Parses one UDP datagram (RFC 3261 §18.3): the body is the rest of the datagram, trimmed to
 * Content-Length when present; a Content-Length larger than what arrived is an error.
 */
export function parseDatagram(buf: Buffer, opts: ParseOptions): ParseResult {
  const start = skipLeadingNewlines(buf, 0);
  if (start >= buf.length) return { ok: false, error: new SipParseError('SIP_EMPTY', 'Empty Message') };
  const end = findHeaderEnd(buf, start);
  // Lenient: a datagram without the blank line is all header section and no body.
  const headEnd = end ? end.headEnd : buf.length;
  const bodyStart = end ? end.bodyStart : buf.length;
  const head = parseHead(buf, start, headEnd, opts.maxHeaders);
  if (buf.length > opts.maxBytes) return limitFailure(new SipParseError('SIP_TOO_LARGE', 'Message Too Large', 513), head);
  const cl = contentLengthOf(head.headers);
  const available = buf.length - bodyStart;
  // RFC 3261 §21.4.11: a body larger than we accept is a 413, whether declared or carried.
  if (opts.maxBodyBytes !== undefined && (typeof cl === 'number' ? cl : available) > opts.maxBodyBytes) {
    return limitFailure(bodyTooLarge(), head);
  }
  let body: Buffer;
  if (cl === null) {
    head.error ??= new SipParseError('SIP_BAD_CONTENT_LENGTH', 'Malformed Content-Length');
    body = EMPTY_BODY;
  } else if (cl === undefined) {
    body = available > 0 ? buf.subarray(bodyStart) : EMPTY_BODY;
  } else if (cl > available) {
    // RFC 3261 §18.3: a Content-Length larger than the datagram's body is a 400.
    head.error ??= new SipParseError('SIP_CONTENT_LENGTH_MISMATCH', 'Content-Length Exceeds Body');
    body = buf.subarray(bodyStart);
  } else {
    body = cl === 0 ? EMPTY_BODY : buf.subarray(bodyStart, bodyStart + cl);
  }
  return assembleMessage(head, body);
}

export function bodyTooLarge(): SipParseError {
  return new SipParseError('SIP_BODY_TOO_LARGE', 'Request Entity Too Large', 413);
}

/** A size limit was hit: the readable head (without its body) so the request can still be answered. */
function limitFailure(error: SipParseError, head: ParsedHead): ParseResult {
  const partial = partialOf(head, EMPTY_BODY);
  return partial ? { ok: false, error, partial } : { ok: false, error };
}

/**
 * True when enough of a (possibly invalid) request was read to answer it: RFC 3261 §8.2.6.2 copies
 * Via, From, To, Call-ID and CSeq into the response. ACK is never answered (§17.2.3).
 */
export function isRespondable(req: SipRequest): boolean {
  if (req.method === 'ACK') return false;
  const h = req.headers;
  return h.has('via') && h.has('from') && h.has('to') && h.has('call-id') && h.has('cseq') && parseVia(h.list('via')[0] ?? '') !== null;
}
