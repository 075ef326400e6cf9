/** A recording body checked as offers and re-offers both need it, and the refusal they answer with. */
import { parseRecordingBody } from '../siprec/index.js';
import type { SiprecBody } from '../siprec/types.js';
import type { OfferAnswer, SipBody } from '../sip/types.js';

/** A recording has a few streams (one per party, a conference a handful); more is abuse or a bug. */
const MAX_MEDIA_LINES = 16;

export const refuse = (status: number, reason: string, headers?: Record<string, string>): OfferAnswer => ({
  ok: false,
  status,
  reason,
  ...(headers ? { headers } : {}),
});

export type CheckedBody =
  | { ok: true; body: SiprecBody }
  /** hostileMetadata: rs-metadata with a DTD or entities. */
  | { ok: false; status: number; reason: string; hostileMetadata?: true };

/**
 * Parses a SIPREC body and refuses, in this order, what no recording may carry: a body that does not
 * parse, no SDP where one is required, too many streams, a DTD or entities in rs-metadata.
 */
export function checkRecordingBody(body: SipBody, defaultCountry: string, opts: { requireSdp: boolean }): CheckedBody {
  const parsed = parseRecordingBody(body.contentType, body.raw, { defaultCountry });
  if (!parsed.ok) return { ok: false, status: parsed.error.sipStatus, reason: parsed.error.message };
  const { sdp, metadataError } = parsed.value;
  if (!sdp && opts.requireSdp) return { ok: false, status: 400, reason: 'Recording Offer Has No SDP' };
  if (sdp && sdp.media.length > MAX_MEDIA_LINES) return { ok: false, status: 488, reason: 'Too Many Media Streams' };
  if (metadataError?.code === 'SIPREC_METADATA_DTD_FORBIDDEN') {
    return { ok: false, status: 400, reason: 'Recording Metadata Refused', hostileMetadata: true };
  }
  return { ok: true, body: parsed.value };
}
