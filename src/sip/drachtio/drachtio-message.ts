/**
 * What the drachtio adapter reads from a drachtio-srf request and writes into its responses. The
 * request is re-parsed from `req.raw` with the native stack's parser, so both adapters see the same
 * headers (compact forms, repeated and list headers) and the same byte-exact body; the session
 * timer is negotiated by the native stack's RFC 4028 code (through src/sip/session-lifecycle.ts), so
 * both adapters answer alike. These pure modules are the only parts of src/sip/native this adapter uses.
 */
import { parseNameAddr } from '../native/header-values.js';
import type { SipHeaders } from '../native/message.js';
import { findHeaderEnd, parseDatagram } from '../native/parser.js';
import { sanitizeHeaderText, type HeaderPair } from '../native/serializer.js';
import { failureResponse, toNameAddr } from '../native/uas-session.js';
import type { NameAddr, OfferAnswer, SipBody, SipTransport } from '../types.js';

export { timerResponseHeaders, type TimerDecision } from '../native/session-timer.js';

export interface ParsedRequest {
  headers: SipHeaders;
  /** Byte-exact as long as the SRC's body was valid UTF-8 (see bodyOf). */
  body: Buffer;
  /** The raw text held U+FFFD: drachtio-srf decoded bytes that were not UTF-8, so the body is not the SRC's bytes. */
  lossy: boolean;
}

/**
 * drachtio-srf hands over each message as a string its wire protocol decoded from UTF-8
 * (lib/wire-protocol.js). Encoding it back is byte-exact for every valid UTF-8 body, which SDP
 * (RFC 4566 §5: UTF-8 text) and rs-metadata (XML, UTF-8 in every capture we have) are; bytes that
 * were not UTF-8 are lost before we see them (decoded as U+FFFD), and `lossy` says so. req.body is
 * not used: drachtio-srf compares Content-Length (bytes) with a character count, and its headers
 * are comma-joined strings; the native parser gives both adapters the same view.
 */
export function parseRawRequest(raw: string): ParsedRequest | { error: string; status: number } {
  const buf = Buffer.from(raw, 'utf8');
  const parsed = parseDatagram(buf, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!parsed.ok) return { error: parsed.error.reasonPhrase, status: parsed.error.sipStatus };
  if (parsed.message.kind !== 'request') return { error: 'Not A Request', status: 400 };
  const lossy = raw.includes('\uFFFD');
  let body = parsed.message.body;
  if (lossy) {
    // Each undecodable byte grew into U+FFFD's three: Content-Length no longer fits. drachtio-server
    // frames one message at a time, so the body is everything after the header section.
    const end = findHeaderEnd(buf, 0);
    if (end) body = buf.subarray(end.bodyStart);
  }
  return { headers: parsed.message.headers, body, lossy };
}

export function sipBodyOf(p: ParsedRequest): SipBody {
  return { contentType: p.headers.get('content-type') ?? '', raw: p.body };
}

export function nameAddrOf(value: string | undefined): NameAddr {
  const p = parseNameAddr(value ?? '');
  return p ? toNameAddr(p) : { uri: '' };
}

/** drachtio-server reports udp, tcp, tls, ws or wss; the port knows three (WebSocket rides TCP or TLS). */
export function transportOf(protocol: string): SipTransport {
  const p = protocol.toLowerCase();
  if (p === 'udp') return 'udp';
  if (p === 'tls' || p === 'wss') return 'tls';
  return 'tcp';
}

/** Header pairs as drachtio-srf wants them: one value per name (repeats joined as a list), control characters removed. */
export function headerRecord(pairs: readonly HeaderPair[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of pairs) {
    const clean = sanitizeHeaderText(value);
    out[name] = out[name] === undefined ? clean : `${out[name]}, ${clean}`;
  }
  return out;
}

/** An engine failure as status, reason and headers (the native adapter's rules: 300–699, a Reason header). */
export function failureOf(answer: Extract<OfferAnswer, { ok: false }>): { status: number; reason: string; headers: Record<string, string> } {
  const f = failureResponse(answer);
  return { status: f.status, reason: f.reason, headers: headerRecord(f.headers) };
}

/**
 * Our Contact for a 2xx, with RFC 7866 §6.1.1's +sip.srs (drachtio-server's own Contact lacks it).
 * The address is drachtio-server's: the advertised host:port for the request's protocol (what it
 * told us on connect, an external address where it has one) on the port the request came in on,
 * else the address it came in on, else the first advertised one for the protocol. Undefined when
 * none is known: drachtio-server then adds its own Contact.
 */
export function srsContact(protocol: string, receivedOn: string | undefined, hostports: readonly string[]): string | undefined {
  const proto = protocol.toLowerCase();
  const advertised = hostports
    .map((hp) => /^([a-z]+)\/(.+)$/i.exec(hp.trim()))
    .filter((m): m is RegExpExecArray => m !== null && (m[1] ?? '').toLowerCase() === proto)
    .map((m) => m[2] ?? '');
  const port = receivedOn ? receivedOn.slice(receivedOn.lastIndexOf(':') + 1) : undefined;
  const hostPort = advertised.find((hp) => port !== undefined && hp.endsWith(`:${port}`)) ?? receivedOn ?? advertised[0];
  if (!hostPort) return undefined;
  // sip: with transport=tls, as the native adapter's Contact (docs/sip.md).
  return `<sip:${hostPort};transport=${proto}>;+sip.srs`;
}
