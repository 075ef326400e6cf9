/**
 * SIP message model for the native stack: requests, responses and a case-insensitive header
 * store. Bodies are Buffers and stay byte-exact end to end (SIPREC bodies are multipart with
 * binary-safe parts; decoding them to a string would corrupt non-UTF-8 bytes).
 */

/**
 * Compact header forms, RFC 3261 §7.3.3 (i m e l c f s k t v), RFC 4028 (x), RFC 6665 (o u),
 * RFC 3515 (r), RFC 3892 (b), RFC 3841 (a j d), RFC 8224 (y), RFC 4474 (n).
 */
const COMPACT: Readonly<Record<string, string>> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  x: 'session-expires',
  o: 'event',
  u: 'allow-events',
  r: 'refer-to',
  b: 'referred-by',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
  y: 'identity',
  n: 'identity-info',
};

/** Display spellings for headers whose canonical case is not plain Title-Case. */
const DISPLAY: Readonly<Record<string, string>> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'min-se': 'Min-SE',
  'mime-version': 'MIME-Version',
  'p-asserted-identity': 'P-Asserted-Identity',
};

/**
 * Headers whose value is a comma-separated list (RFC 3261 §7.3.1 allows combining these into one
 * line). Others (From, To, Call-ID, CSeq, Session-Expires, Content-Type, Date, …) are single values
 * that may legitimately contain commas.
 */
const LIST_HEADERS: ReadonlySet<string> = new Set([
  'via',
  'route',
  'record-route',
  'contact',
  'allow',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'allow-events',
  'content-encoding',
  'content-language',
  'in-reply-to',
  'p-asserted-identity',
  'history-info',
  'diversion',
  'reason',
  'path',
  'service-route',
]);

/** Canonical (lower-case, compact form expanded) key for a header name. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1) return COMPACT[lower] ?? lower;
  return lower;
}

/** The spelling used when we serialize a header we hold under `key`. */
export function headerDisplayName(key: string): string {
  const special = DISPLAY[key];
  if (special) return special;
  let out = '';
  let upper = true;
  for (let i = 0; i < key.length; i++) {
    const ch = key.charAt(i);
    out += upper ? ch.toUpperCase() : ch;
    upper = ch === '-';
  }
  return out;
}

export function isListHeader(key: string): boolean {
  return LIST_HEADERS.has(key);
}

/**
 * Splits a header value on commas that are outside quoted strings and angle brackets
 * (RFC 3261 §7.3.1: a name-addr URI or a quoted display name may contain commas).
 */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (inQuote) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) inQuote = false;
    } else if (ch === 0x22) inQuote = true;
    else if (ch === 0x3c /* < */) inAngle = true;
    else if (ch === 0x3e /* > */) inAngle = false;
    else if (ch === 0x2c /* , */ && !inAngle) {
      const part = value.slice(start, i).trim();
      if (part) out.push(part);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last) out.push(last);
  return out;
}

/**
 * Case-insensitive multi-map of header lines. Each stored value is one header line's value (after
 * unfolding); `list()` further splits list-valued headers at commas.
 */
export class SipHeaders {
  private readonly map = new Map<string, string[]>();

  /** Appends one header line. */
  append(name: string, value: string): void {
    const key = headerKey(name);
    const existing = this.map.get(key);
    if (existing) existing.push(value);
    else this.map.set(key, [value]);
  }

  /** Replaces every value of the header. */
  set(name: string, value: string): void {
    this.map.set(headerKey(name), [value]);
  }

  delete(name: string): void {
    this.map.delete(headerKey(name));
  }

  has(name: string): boolean {
    return this.map.has(headerKey(name));
  }

  /** First line's value. */
  get(name: string): string | undefined {
    return this.map.get(headerKey(name))?.[0];
  }

  /** Every line's value, in order of appearance. */
  getAll(name: string): readonly string[] {
    return this.map.get(headerKey(name)) ?? [];
  }

  /** Every element of a list header across all its lines (Via, Route, Supported, …). */
  list(name: string): string[] {
    const lines = this.map.get(headerKey(name));
    if (!lines) return [];
    if (lines.length === 1 && lines[0] !== undefined && !lines[0].includes(',')) {
      return lines[0] ? [lines[0]] : [];
    }
    const out: string[] = [];
    for (const line of lines) for (const part of splitHeaderList(line)) out.push(part);
    return out;
  }

  /**
   * Values as the port's `SessionInfo.header()` promises: all values of a repeated header, list
   * headers split at commas.
   */
  values(name: string): string[] {
    const key = headerKey(name);
    return isListHeader(key) ? this.list(key) : [...this.getAll(key)];
  }

  /** Number of distinct header names. */
  get size(): number {
    return this.map.size;
  }

  *entries(): IterableIterator<[key: string, values: readonly string[]]> {
    yield* this.map.entries();
  }
}

export interface SipRequest {
  readonly kind: 'request';
  method: string;
  uri: string;
  headers: SipHeaders;
  /** Byte-exact body (a view into the received buffer; empty when there is none). */
  body: Buffer;
  /** The head was not UTF-8 and was read as Latin-1: a response echoes it with the same bytes. */
  latin1?: boolean;
}

export interface SipResponse {
  readonly kind: 'response';
  status: number;
  reason: string;
  headers: SipHeaders;
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

export const EMPTY_BODY: Buffer = Buffer.alloc(0);

/** Methods this UAS serves (RFC 3261 §20.5 Allow). */
export const ALLOWED_METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'UPDATE'] as const;

/** Methods we recognise but do not serve: 405 with Allow (RFC 3261 §8.2.1). Others get 501. */
export const KNOWN_UNSERVED_METHODS: ReadonlySet<string> = new Set([
  'REGISTER',
  'SUBSCRIBE',
  'NOTIFY',
  'REFER',
  'MESSAGE',
  'PUBLISH',
  'INFO',
  'PRACK',
]);

/** Option tags we can honour in a Require (RFC 3261 §8.2.2.3). */
export const SUPPORTED_OPTION_TAGS: ReadonlySet<string> = new Set(['siprec', 'timer']);

/** Body types we accept (RFC 7866: SDP alone, or multipart with SDP and rs-metadata). */
export const ACCEPTED_CONTENT_TYPES = 'application/sdp, multipart/mixed, application/rs-metadata+xml';

const PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  422: 'Session Interval Too Small',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  491: 'Request Pending',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'Version Not Supported',
  513: 'Message Too Large',
};

/** Default reason phrase for a status code (RFC 3261 §21). */
export function reasonPhrase(status: number): string {
  return PHRASES[status] ?? (status < 300 ? 'OK' : status < 400 ? 'Redirection' : status < 500 ? 'Client Error' : status < 600 ? 'Server Error' : 'Global Failure');
}
