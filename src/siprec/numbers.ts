/**
 * Phone number normalisation to E.164, shared by SIPREC role resolution and subscriber
 * provisioning (both sides must agree byte for byte, or a subscriber is never recognised).
 *
 * Accepts what SRCs put in an aor or a header: `sip:`/`sips:` URIs (user part, `;user=phone`),
 * `tel:` URIs (RFC 3966, with a global `phone-context`), name-addrs (`"x" <sip:…>`), bare numbers
 * with or without `+`, visual separators, and `user@host` without a scheme (Ribbon, Webex).
 * Anything with letters in the user part (`sip:ASBCE@asbce.com`, `Extension-016190619@…`,
 * `+1MYPHONENUMBER`) has no number: libphonenumber would read letters as a vanity number.
 *
 * Policy:
 * - `+` numbers were asserted international by the SRC: accepted when their length is possible for
 *   the country code (test ranges such as +1 555 01xx are not "valid" yet are real in labs, and a
 *   stale metadata table must not drop a live subscriber);
 * - national numbers are read with the default country and accepted only when valid there, so a
 *   foreign national number (`0733165805` read as US) does not become a garbage `+10733165805`.
 */
import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode } from 'libphonenumber-js';

/** E.164 allows 15 digits; allow separators and an IDD prefix (`00`/`011`) on top. */
const MAX_INPUT = 64;

/**
 * The E.164 form (`+12125550123`) of a number, URI or aor, or undefined when it carries no number.
 * `defaultCountry` is an ISO 3166-1 alpha-2 code (`US`, `GB`) for national numbers; an unknown
 * code means national numbers cannot be normalised.
 */
export function normaliseNumber(value: string, defaultCountry: string): string | undefined {
  const digits = extractDialString(value);
  if (digits === undefined) return undefined;
  // Every INVITE names its subscriber, and callers call again: parsing is a few per cent of a call.
  const key = digits.charCodeAt(0) === 0x2b ? digits : `${defaultCountry}|${digits}`;
  let known = recent.get(key);
  if (known === undefined) {
    known = older.get(key);
    if (known === undefined) known = parseDialString(digits, defaultCountry) ?? null;
    remember(key, known);
  }
  return known ?? undefined;
}

/**
 * Dial strings already parsed (key: the `+` string, or country|national digits) in two generations
 * of up to GENERATION each: when `recent` is full it becomes `older` and the oldest generation goes.
 * (Evicting one entry at a time from a Map made every eviction walk the deleted entries before it.)
 */
const GENERATION = 5_000;
let recent = new Map<string, string | null>();
let older = new Map<string, string | null>();

function remember(key: string, e164: string | null): void {
  if (recent.size >= GENERATION) {
    older = recent;
    recent = new Map();
  }
  recent.set(key, e164);
}

function parseDialString(digits: string, defaultCountry: string): string | undefined {
  try {
    if (digits.charCodeAt(0) === 0x2b) {
      const n = parsePhoneNumberFromString(digits);
      return n !== undefined && n.isPossible() ? n.number : undefined;
    }
    const country = countryOf(defaultCountry);
    if (country === undefined) return undefined;
    const n = parsePhoneNumberFromString(digits, country);
    return n !== undefined && n.isValid() ? n.number : undefined;
  } catch {
    // libphonenumber-js does not throw from parsePhoneNumberFromString, but this is a hot path
    // fed by untrusted input: a library bug must not become an unhandled exception.
    return undefined;
  }
}

const countryCache = new Map<string, CountryCode | null>();

function countryOf(code: string): CountryCode | undefined {
  let c = countryCache.get(code);
  if (c === undefined) {
    const upper = code.trim().toUpperCase();
    c = upper.length === 2 && isSupportedCountry(upper) ? (upper as CountryCode) : null;
    if (countryCache.size < 512) countryCache.set(code, c);
  }
  return c ?? undefined;
}

/**
 * The dial string of a number/URI: `+` and digits only, separators removed; undefined when the
 * user part has anything else.
 */
export function extractDialString(value: string): string | undefined {
  let s = value.trim();
  if (s.length === 0) return undefined;
  // name-addr: `"Display" <sip:…>;tag=…` → the URI between the angle brackets
  const lt = s.indexOf('<');
  if (lt >= 0) {
    const gt = s.indexOf('>', lt + 1);
    s = s.slice(lt + 1, gt < 0 ? s.length : gt).trim();
  }
  const colon = s.indexOf(':');
  let scheme = '';
  if (colon > 0 && colon <= 4) {
    scheme = s.slice(0, colon).toLowerCase();
    if (scheme === 'sip' || scheme === 'sips' || scheme === 'tel') s = s.slice(colon + 1);
    else scheme = '';
  }
  let user: string;
  let phoneContext: string | undefined;
  if (scheme === 'tel') {
    // RFC 3966: tel:number;params — a local number may name a global prefix in phone-context
    const semi = s.indexOf(';');
    user = semi < 0 ? s : s.slice(0, semi);
    if (semi >= 0) {
      const m = /;phone-context=([^;]*)/i.exec(s.slice(semi));
      if (m?.[1] !== undefined && m[1].startsWith('+')) phoneContext = m[1];
    }
  } else {
    // sip user part: before '@' (BroadWorks sends `sip:8638254725` with no host: the whole thing)
    const at = s.indexOf('@');
    user = at < 0 ? s : s.slice(0, at);
    const semi = user.indexOf(';'); // user parameters (`;isub=`, `;phone-context=`)
    if (semi >= 0) user = user.slice(0, semi);
  }
  if (user.indexOf('%') >= 0) {
    try {
      user = decodeURIComponent(user); // RFC 3261 §19.1.2 escaped `+` (%2B)
    } catch {
      return undefined;
    }
  }
  if (user.length === 0 || user.length > MAX_INPUT) return undefined;
  let out = '';
  for (let i = 0; i < user.length; i++) {
    const c = user.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) out += user[i];
    else if (c === 0x2b && out.length === 0) out = '+';
    // RFC 3966 visual separators
    else if (c === 0x2d || c === 0x2e || c === 0x28 || c === 0x29 || c === 0x20) continue;
    else return undefined;
  }
  if (out.length === 0 || out === '+') return undefined;
  if (phoneContext !== undefined && out[0] !== '+') {
    const ctx = extractDialString(phoneContext);
    if (ctx?.startsWith('+')) out = ctx + out;
  }
  return out;
}

/** Longest identity kept; SRCs' user ids are short, and this bounds what a hostile aor can store. */
const MAX_IDENTITY = 128;

/**
 * The key a party is provisioned and matched by: its E.164 number when it has one (as above), else the
 * identity exactly as the SRC names it, canonicalised (docs/sip.md "Subscriber identities"):
 * - a user part of digits that is not a valid number (BroadWorks' 14-digit users, an extension such as
 *   `8101`) → those digits, host dropped (`sip:86074075017412@as.example` → `86074075017412`);
 * - any other user part (`alice`, a Webex user id) → `user@host`, host lowercased, port and
 *   parameters dropped; the user keeps its case (RFC 3261 §19.1.4 compares it case-sensitively).
 * Undefined when there is nothing to match on, or for a `+` number that cannot be E.164 (a key that
 * starts with `+` is always E.164, which is what the SMS path relies on).
 */
export function normaliseIdentity(value: string, defaultCountry: string): string | undefined {
  const e164 = normaliseNumber(value, defaultCountry);
  if (e164 !== undefined) return e164;
  const dial = extractDialString(value);
  if (dial !== undefined) return dial.startsWith('+') || dial.length > MAX_IDENTITY ? undefined : dial;
  return userAtHost(value);
}

/** True for a key normaliseIdentity made from a phone number (an SMS can go to it). */
export const isE164 = (key: string): boolean => key.charCodeAt(0) === 0x2b;

function userAtHost(value: string): string | undefined {
  let s = value.trim();
  const lt = s.indexOf('<');
  if (lt >= 0) {
    const gt = s.indexOf('>', lt + 1);
    s = s.slice(lt + 1, gt < 0 ? s.length : gt).trim();
  }
  const colon = s.indexOf(':');
  if (colon > 0 && colon <= 4 && /^(sips?|tel)$/i.test(s.slice(0, colon))) s = s.slice(colon + 1);
  s = s.split(/[;?>]/, 1)[0]!;
  const at = s.lastIndexOf('@');
  let user = at < 0 ? s : s.slice(0, at);
  let host = at < 0 ? '' : s.slice(at + 1);
  if (user.indexOf('%') >= 0) {
    try {
      user = decodeURIComponent(user);
    } catch {
      return undefined;
    }
  }
  // Host without port; IPv6 references keep their brackets.
  host = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':', 1)[0]!;
  host = host.toLowerCase();
  // RFC 3261 user / host characters only: what reaches the store and the API is printable and bounded.
  // Never a leading `+`: that would pass for E.164 (`+1MYPHONENUMBER` is a vanity label, not a number).
  if (!/^[A-Za-z0-9\-_.!~*'()&=$,][A-Za-z0-9\-_.!~*'()&=+$,]*$/.test(user) || (host !== '' && !/^[a-z0-9.\-[\]:]+$/.test(host))) return undefined;
  const id = host === '' ? user : `${user}@${host}`;
  return id.length > MAX_IDENTITY ? undefined : id;
}
