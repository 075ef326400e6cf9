/**
 * SIP header rules both adapters apply, in one place: what we advertise (Allow, Supported) and
 * which requests are refused on their headers alone, before any session state or the engine sees
 * them. A new rule (another Require/Supported check, a header that must be present or is limited)
 * goes in headerRefusal(); the native adapter asks it for every request it serves (initial and
 * in-dialog), the drachtio adapter for recording INVITEs and in-dialog re-INVITEs and UPDATEs.
 * (Size and header-count limits are the native parser's ParseOptions: they must hold before a
 * message is parsed at all.)
 *
 * The headers come from the native stack's parser, which the drachtio adapter also uses on
 * drachtio-srf's raw request, so both see compact forms and list headers alike.
 */
import { optionTags } from './native/header-values.js';
import { ALLOWED_METHODS, SUPPORTED_OPTION_TAGS, type SipHeaders } from './native/message.js';

/** Allow on our 2xx, 405 and 501 (RFC 3261 §20.5). */
export const ALLOW = ALLOWED_METHODS.join(', ');
/** Supported on our 2xx and OPTIONS answers. */
export const SUPPORTED = 'timer, siprec';

/** A refusal decided by headers: the status, its reason phrase when not the usual one, extra headers. */
export interface HeaderRefusal {
  status: number;
  reason?: string;
  headers: Array<[string, string]>;
}

/** The first rule a request breaks, or null when it may go on. */
export function headerRefusal(headers: SipHeaders): HeaderRefusal | null {
  // RFC 3261 §8.2.2.3: an option tag in Require that we do not support gets 420 with Unsupported.
  const required = optionTags(headers.list('require'));
  if (required.length > 0) {
    const unsupported = required.filter((t) => !SUPPORTED_OPTION_TAGS.has(t));
    if (unsupported.length > 0) return { status: 420, headers: [['Unsupported', unsupported.join(', ')]] };
  }
  return null;
}
