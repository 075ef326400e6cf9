/**
 * Parsers for the header values the UAS acts on: Via, name-addr (From/To/Contact/Route), CSeq,
 * generic parameters, SIP URIs, Session-Expires and Min-SE. Each returns null on malformed input;
 * none uses a backtracking regular expression over untrusted text of unbounded length.
 */

export type Params = Map<string, string | null>;

export interface Via {
  /** Upper-case transport token: UDP, TCP, TLS, SCTP, WS, … */
  transport: string;
  /** sent-by host as written (IPv6 keeps its brackets). */
  host: string;
  port?: number;
  params: Params;
  branch?: string;
  /** The Via value as received. */
  raw: string;
}

export interface ParsedNameAddr {
  display?: string;
  uri: string;
  params: Params;
  tag?: string;
}

export interface CSeq {
  seq: number;
  method: string;
}

export interface SipUriParts {
  scheme: string;
  user?: string;
  host: string;
  port?: number;
  params: Params;
}

export interface SessionExpiresValue {
  interval: number;
  refresher?: 'uac' | 'uas';
}

/** RFC 3261 §8.1.1.7: branches of RFC 3261 clients start with this cookie. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

function isWs(ch: number): boolean {
  return ch === 0x20 || ch === 0x09 || ch === 0x0d || ch === 0x0a;
}

/** RFC 3261 §25.1 token characters. */
export function isTokenChar(ch: number): boolean {
  return (
    (ch >= 0x61 && ch <= 0x7a) ||
    (ch >= 0x41 && ch <= 0x5a) ||
    (ch >= 0x30 && ch <= 0x39) ||
    ch === 0x2d /* - */ ||
    ch === 0x2e /* . */ ||
    ch === 0x21 /* ! */ ||
    ch === 0x25 /* % */ ||
    ch === 0x2a /* * */ ||
    ch === 0x5f /* _ */ ||
    ch === 0x2b /* + */ ||
    ch === 0x60 /* ` */ ||
    ch === 0x27 /* ' */ ||
    ch === 0x7e /* ~ */
  );
}

export function isToken(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) if (!isTokenChar(value.charCodeAt(i))) return false;
  return true;
}

function isDigits(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (ch < 0x30 || ch > 0x39) return false;
  }
  return true;
}

/** Parses a non-negative decimal of at most `maxDigits` digits, or returns null. */
export function parseDecimal(value: string, maxDigits = 10): number | null {
  const v = value.trim();
  if (!isDigits(v) || v.length > maxDigits) return null;
  return Number(v);
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    let out = '';
    for (let i = 1; i < value.length - 1; i++) {
      const ch = value.charAt(i);
      if (ch === '\\' && i + 1 < value.length - 1) {
        out += value.charAt(i + 1);
        i++;
      } else out += ch;
    }
    return out;
  }
  return value;
}

/**
 * Parses `;name[=value]` parameters (RFC 3261 §25.1 generic-param). Names are case-insensitive and
 * lower-cased; quoted values are unquoted. Returns null if the text does not start with ';'.
 */
export function parseParams(text: string): Params | null {
  const params: Params = new Map();
  const s = text.trim();
  if (s.length === 0) return params;
  if (s.charCodeAt(0) !== 0x3b /* ; */) return null;
  let i = 1;
  while (i <= s.length) {
    let inQuote = false;
    let j = i;
    for (; j < s.length; j++) {
      const ch = s.charCodeAt(j);
      if (inQuote) {
        if (ch === 0x5c) j++;
        else if (ch === 0x22) inQuote = false;
      } else if (ch === 0x22) inQuote = true;
      else if (ch === 0x3b) break;
    }
    if (inQuote) return null;
    const part = s.slice(i, j).trim();
    if (part.length > 0) {
      const eq = part.indexOf('=');
      if (eq < 0) {
        if (!isToken(part)) return null;
        params.set(part.toLowerCase(), null);
      } else {
        const name = part.slice(0, eq).trim();
        if (!isToken(name)) return null;
        params.set(name.toLowerCase(), unquote(part.slice(eq + 1).trim()));
      }
    }
    i = j + 1;
  }
  return params;
}

function validHost(host: string): boolean {
  if (host.length === 0) return false;
  if (host.charCodeAt(0) === 0x5b /* [ */) {
    if (!host.endsWith(']')) return false;
    for (let i = 1; i < host.length - 1; i++) {
      const ch = host.charCodeAt(i);
      const ok =
        (ch >= 0x30 && ch <= 0x39) || (ch >= 0x61 && ch <= 0x66) || (ch >= 0x41 && ch <= 0x46) || ch === 0x3a || ch === 0x2e;
      if (!ok) return false;
    }
    return host.length > 2;
  }
  for (let i = 0; i < host.length; i++) {
    const ch = host.charCodeAt(i);
    const ok =
      (ch >= 0x61 && ch <= 0x7a) || (ch >= 0x41 && ch <= 0x5a) || (ch >= 0x30 && ch <= 0x39) || ch === 0x2d || ch === 0x2e || ch === 0x5f;
    if (!ok) return false;
  }
  return true;
}

/** Parses one Via value (RFC 3261 §20.42): `SIP / 2.0 / UDP host[:port] *(;param)`. */
export function parseVia(value: string): Via | null {
  const s1 = value.indexOf('/');
  if (s1 < 0) return null;
  if (value.slice(0, s1).trim().toUpperCase() !== 'SIP') return null;
  const s2 = value.indexOf('/', s1 + 1);
  if (s2 < 0) return null;
  if (value.slice(s1 + 1, s2).trim() !== '2.0') return null;
  const len = value.length;
  let i = s2 + 1;
  while (i < len && isWs(value.charCodeAt(i))) i++;
  let start = i;
  while (i < len && isTokenChar(value.charCodeAt(i))) i++;
  const transport = value.slice(start, i).toUpperCase();
  if (!transport) return null;
  const afterTransport = i;
  while (i < len && isWs(value.charCodeAt(i))) i++;
  if (i === afterTransport) return null; // sent-protocol LWS sent-by
  start = i;
  let host: string;
  if (value.charCodeAt(i) === 0x5b) {
    const close = value.indexOf(']', i);
    if (close < 0) return null;
    host = value.slice(i, close + 1);
    i = close + 1;
  } else {
    while (i < len) {
      const ch = value.charCodeAt(i);
      if (ch === 0x3a || ch === 0x3b || isWs(ch)) break;
      i++;
    }
    host = value.slice(start, i);
  }
  if (!validHost(host)) return null;
  while (i < len && isWs(value.charCodeAt(i))) i++;
  let port: number | undefined;
  if (value.charCodeAt(i) === 0x3a) {
    i++;
    while (i < len && isWs(value.charCodeAt(i))) i++;
    start = i;
    while (i < len && value.charCodeAt(i) >= 0x30 && value.charCodeAt(i) <= 0x39) i++;
    const p = parseDecimal(value.slice(start, i), 5);
    if (p === null || p > 65535) return null;
    port = p;
  }
  const params = parseParams(value.slice(i));
  if (!params) return null;
  const branch = params.get('branch') ?? undefined;
  const via: Via = { transport, host, params, raw: value };
  if (port !== undefined) via.port = port;
  if (branch) via.branch = branch;
  return via;
}

function validScheme(uri: string): boolean {
  const colon = uri.indexOf(':');
  if (colon <= 0) return false;
  const first = uri.charCodeAt(0);
  if (!((first >= 0x61 && first <= 0x7a) || (first >= 0x41 && first <= 0x5a))) return false;
  for (let i = 1; i < colon; i++) {
    const ch = uri.charCodeAt(i);
    const ok =
      (ch >= 0x61 && ch <= 0x7a) || (ch >= 0x41 && ch <= 0x5a) || (ch >= 0x30 && ch <= 0x39) || ch === 0x2b || ch === 0x2d || ch === 0x2e;
    if (!ok) return false;
  }
  return true;
}

/** The URI scheme, lower-cased, or null when the text is not an absolute URI. */
export function uriScheme(uri: string): string | null {
  if (!validScheme(uri)) return null;
  return uri.slice(0, uri.indexOf(':')).toLowerCase();
}

/**
 * Parses a name-addr or addr-spec with header parameters (RFC 3261 §20.10, §20.20, §20.39):
 * `"Display" <uri>;tag=x`, `Display <uri>`, or `uri;tag=x` (then the parameters belong to the header).
 */
export function parseNameAddr(value: string): ParsedNameAddr | null {
  const s = value.trim();
  if (s.length === 0) return null;
  let display: string | undefined;
  let i = 0;
  let uri: string;
  let rest: string;
  if (s.charCodeAt(0) === 0x22) {
    let j = 1;
    for (; j < s.length; j++) {
      const ch = s.charCodeAt(j);
      if (ch === 0x5c) j++;
      else if (ch === 0x22) break;
    }
    if (j >= s.length) return null;
    display = unquote(s.slice(0, j + 1));
    i = j + 1;
    while (i < s.length && isWs(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 0x3c) return null;
  } else {
    const lt = s.indexOf('<');
    if (lt >= 0) {
      const d = s.slice(0, lt).trim();
      if (d) display = d;
      i = lt;
    }
  }
  if (s.charCodeAt(i) === 0x3c) {
    const close = s.indexOf('>', i);
    if (close < 0) return null;
    uri = s.slice(i + 1, close).trim();
    rest = s.slice(close + 1);
  } else {
    // addr-spec: no display name, parameters after the URI are header parameters.
    const semi = s.indexOf(';');
    uri = (semi < 0 ? s : s.slice(0, semi)).trimEnd();
    rest = semi < 0 ? '' : s.slice(semi);
    for (let k = 0; k < uri.length; k++) if (isWs(uri.charCodeAt(k))) return null;
  }
  if (!validScheme(uri)) return null;
  const params = parseParams(rest);
  if (!params) return null;
  const out: ParsedNameAddr = { uri, params };
  if (display !== undefined) out.display = display;
  const tag = params.get('tag');
  if (tag) out.tag = tag;
  return out;
}

/** RFC 3261 §20.16 / §8.1.1.5: `1*DIGIT LWS Method`, sequence number below 2^31. */
export function parseCSeq(value: string): CSeq | null {
  const s = value.trim();
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
  const seq = parseDecimal(s.slice(0, i), 10);
  if (seq === null || seq > 0x7fffffff) return null;
  const afterSeq = i;
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  if (i === afterSeq) return null;
  const method = s.slice(i);
  if (!isToken(method)) return null;
  return { seq, method };
}

/** Parses a SIP/SIPS URI far enough to route to it: scheme, user, host, port, URI parameters. */
export function parseSipUri(uri: string): SipUriParts | null {
  const scheme = uriScheme(uri);
  if (scheme === null) return null;
  let rest = uri.slice(uri.indexOf(':') + 1);
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  const at = rest.indexOf('@');
  let user: string | undefined;
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let i = 0;
  let host: string;
  if (rest.charCodeAt(0) === 0x5b) {
    const close = rest.indexOf(']');
    if (close < 0) return null;
    host = rest.slice(0, close + 1);
    i = close + 1;
  } else {
    while (i < rest.length && rest.charCodeAt(i) !== 0x3a && rest.charCodeAt(i) !== 0x3b) i++;
    host = rest.slice(0, i);
  }
  if (!validHost(host)) return null;
  let port: number | undefined;
  if (rest.charCodeAt(i) === 0x3a) {
    const start = i + 1;
    i = start;
    while (i < rest.length && rest.charCodeAt(i) !== 0x3b) i++;
    const p = parseDecimal(rest.slice(start, i), 5);
    if (p === null || p > 65535) return null;
    port = p;
  }
  const params = parseParams(rest.slice(i));
  if (!params) return null;
  const out: SipUriParts = { scheme, host, params };
  if (user !== undefined) out.user = user;
  if (port !== undefined) out.port = port;
  return out;
}

/** Host without IPv6 brackets, for socket APIs. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** RFC 4028 §4: `Session-Expires: delta-seconds *(;se-params)`, refresher = uac / uas. */
export function parseSessionExpires(value: string): SessionExpiresValue | null {
  const semi = value.indexOf(';');
  const interval = parseDecimal(semi < 0 ? value : value.slice(0, semi), 10);
  if (interval === null || interval > 0xffffffff) return null;
  const params = parseParams(semi < 0 ? '' : value.slice(semi));
  if (!params) return null;
  const out: SessionExpiresValue = { interval };
  const refresher = params.get('refresher')?.toLowerCase();
  // Unknown refresher values are ignored (treated as absent), as an unknown generic-param would be.
  if (refresher === 'uac' || refresher === 'uas') out.refresher = refresher;
  return out;
}

/** RFC 4028 §5: `Min-SE: delta-seconds *(;generic-param)`. */
export function parseMinSE(value: string): number | null {
  const semi = value.indexOf(';');
  const v = parseDecimal(semi < 0 ? value : value.slice(0, semi), 10);
  if (v === null || v > 0xffffffff) return null;
  return v;
}

/** Lower-cased option tags from Require / Supported / Proxy-Require lists. */
export function optionTags(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    const t = v.trim().toLowerCase();
    if (t) out.push(t);
  }
  return out;
}
