/**
 * A recording request's body → SiprecBody, whatever shape the SRC chose:
 * - multipart/mixed with SDP + rs-metadata (RFC 7866 §9), parts in any order, extra parts ignored
 *   (Cisco `application/gtd`);
 * - plain application/sdp (Cisco network-based recording; SDP-only re-INVITEs for hold/pause);
 * - rs-metadata alone, with or without `+xml` (metadata-only UPDATE: Avaya SBCE, Webex);
 * - no body at all (a session refresh): an empty SiprecBody, the engine decides.
 * A broken metadata part next to a usable SDP is not fatal: the SDP comes back with
 * `metadataError` so the call is recorded with degraded metadata (DESIGN.md). Never throws.
 */
import { isMetadataType, mediaTypeOf } from './content-type.js';
import { parseMetadata } from './metadata.js';
import { parseMultipart, type Part } from './multipart.js';
import { fail, guarded, ok } from './result.js';
import { parseSdpOffer } from './sdp-offer.js';
import type { Result, SiprecBody, SiprecError } from './types.js';

export interface BodyOptions {
  /** ISO country for national numbers in metadata aors. */
  defaultCountry: string;
}

export function parseRecordingBody(contentType: string, raw: Buffer, opts: BodyOptions): Result<SiprecBody, SiprecError> {
  // Every parser below returns typed errors; the guard only turns a bug into a 400.
  return guarded('SIPREC_MULTIPART_MALFORMED', () => parseBody(contentType, raw, opts));
}

function parseBody(contentType: string, raw: Buffer, opts: BodyOptions): Result<SiprecBody, SiprecError> {
  if (isBlank(raw)) return ok({ ignoredParts: [] });
  let type = mediaTypeOf(contentType ?? '');
  // No Content-Type on a non-empty body: only an SDP is recognisable without one.
  if (type === '' && startsWithSdp(raw)) type = 'application/sdp';

  if (type.startsWith('multipart/')) {
    const parts = parseMultipart(contentType, raw);
    if (!parts.ok) return parts;
    return fromParts(parts.value, opts);
  }
  if (type === 'application/sdp') {
    const sdp = parseSdpOffer(raw);
    return sdp.ok ? ok({ sdp: sdp.value, ignoredParts: [] }) : sdp;
  }
  if (isMetadataType(type)) {
    const md = parseMetadata(raw, opts);
    return md.ok ? ok({ metadata: md.value, ignoredParts: [] }) : md;
  }
  return fail('SIPREC_UNSUPPORTED_CONTENT_TYPE', `unsupported body type "${type || '(none)'}"`, 415);
}

function fromParts(parts: Part[], opts: BodyOptions): Result<SiprecBody, SiprecError> {
  let sdpPart: Part | undefined;
  let mdPart: Part | undefined;
  const ignoredParts: string[] = [];
  for (const p of parts) {
    if (sdpPart === undefined && isSdpPart(p)) sdpPart = p;
    else if (mdPart === undefined && isMetadataPart(p)) mdPart = p;
    else ignoredParts.push(p.contentType);
  }
  if (sdpPart === undefined && mdPart === undefined) {
    return fail('SIPREC_NO_SDP', `multipart body has neither SDP nor rs-metadata (${ignoredParts.join(', ')})`);
  }
  const body: SiprecBody = { ignoredParts };
  if (sdpPart !== undefined) {
    const sdp = parseSdpOffer(sdpPart.body);
    if (!sdp.ok) return sdp;
    body.sdp = sdp.value;
  }
  if (mdPart !== undefined) {
    const md = parseMetadata(mdPart.body, opts);
    if (md.ok) body.metadata = md.value;
    else if (body.sdp !== undefined) body.metadataError = md.error;
    else return md;
  }
  return ok(body);
}

function isSdpPart(p: Part): boolean {
  if (p.contentType === 'application/sdp') return true;
  // A part with no Content-Type at all whose body is plainly an SDP.
  return p.headers['content-type'] === undefined && startsWithSdp(p.body);
}

/**
 * RFC 7866 §9.1: the metadata part is `application/rs-metadata+xml` with Content-Disposition
 * `recording-session`. The disposition alone identifies it when the type is damaged
 * (broadworks-1 sends `Content-Type:application/ +xml`), so the call is marked degraded rather
 * than the part being silently ignored.
 */
function isMetadataPart(p: Part): boolean {
  return isMetadataType(p.contentType) || p.disposition === 'recording-session';
}

function isBlank(raw: Buffer): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return false;
  }
  return true;
}

function startsWithSdp(raw: Buffer): boolean {
  let i = 0;
  while (i < raw.length && (raw[i] === 0x20 || raw[i] === 0x09 || raw[i] === 0x0d || raw[i] === 0x0a)) i++;
  return raw[i] === 0x76 && raw[i + 1] === 0x3d; // "v="
}
