/**
 * A single linear pre-scan of an rs-metadata document, before any XML parser sees it:
 *
 * 1. Security: any markup declaration (`<!DOCTYPE`, `<!ENTITY`, `<!ELEMENT`, … — everything `<!`
 *    except comments and CDATA) and any entity reference other than the five predefined ones
 *    (XML 1.0 §4.6) and numeric character references is refused. No DTD is ever read, so there is
 *    no external entity (XXE) and no expansion (billion laughs). This is deliberately stricter than
 *    the parser: saxes resolves named references through an object whose prototype is
 *    Object.prototype, so `&constructor;` would otherwise "expand".
 *
 * 2. Repair: a bare `&` that does not start a reference is escaped to `&amp;`. Cisco CUBE sends
 *    `<name xml:lang="en">DENVER CITY&CNT</name>` (cisco-cube-3, a 911 deployment): strictly that
 *    document is not XML and the whole metadata would be lost, yet the only damage is inside
 *    character data. Escaping cannot change the element structure, so an operator gets the
 *    participants (and their numbers, which decide who is protected) instead of a degraded call.
 *    The repair is reported so the call record says the SRC sent invalid XML.
 *
 * Comments, CDATA sections and processing instructions are skipped as opaque, so their content
 * is neither refused nor rewritten.
 */
import { SiprecError } from './types.js';

export type XmlScreen = { ok: true; text: string; repairs: string[] } | { ok: false; error: SiprecError };

const PREDEFINED = new Set(['lt', 'gt', 'amp', 'quot', 'apos']);
/** Longest entity name we bother to look at; longer runs are treated as a bare `&`. */
const MAX_ENTITY_NAME = 32;

export function screenXml(text: string): XmlScreen {
  const len = text.length;
  let bare: number[] | undefined;
  let i = 0;
  while (i < len) {
    const c = text.charCodeAt(i);
    if (c === 0x3c /* < */) {
      const n = text.charCodeAt(i + 1);
      if (n === 0x21 /* ! */) {
        if (text.startsWith('<!--', i)) {
          const end = text.indexOf('-->', i + 4);
          if (end < 0) break; // unterminated: the parser reports it
          i = end + 3;
          continue;
        }
        if (text.startsWith('<![CDATA[', i)) {
          const end = text.indexOf(']]>', i + 9);
          if (end < 0) break;
          i = end + 3;
          continue;
        }
        return refuse(`markup declaration "${text.slice(i, i + 12)}…" refused (no DTDs)`);
      }
      if (n === 0x3f /* ? */) {
        const end = text.indexOf('?>', i + 2);
        if (end < 0) break;
        i = end + 2;
        continue;
      }
      i++;
      continue;
    }
    if (c === 0x26 /* & */) {
      const kind = referenceAt(text, i + 1);
      if (kind === 'forbidden') {
        const semi = text.indexOf(';', i);
        return refuse(`entity reference "${text.slice(i, Math.min(semi + 1, i + MAX_ENTITY_NAME + 2))}" refused`);
      }
      if (kind === 'bare') (bare ??= []).push(i);
    }
    i++;
  }
  if (bare === undefined) return { ok: true, text, repairs: [] };
  let out = '';
  let from = 0;
  for (const at of bare) {
    out += text.slice(from, at) + '&amp;';
    from = at + 1;
  }
  out += text.slice(from);
  return { ok: true, text: out, repairs: [`escaped ${bare.length} bare '&' in invalid XML`] };
}

function refuse(message: string): XmlScreen {
  return { ok: false, error: new SiprecError('SIPREC_METADATA_DTD_FORBIDDEN', message, 400) };
}

/** Classifies what follows an `&` at `at`. */
function referenceAt(text: string, at: number): 'ok' | 'forbidden' | 'bare' {
  if (text.charCodeAt(at) === 0x23 /* # */) {
    let j = at + 1;
    const hex = text.charCodeAt(j) === 0x78; /* x */
    if (hex) j++;
    const start = j;
    while (j - start < 8) {
      const d = text.charCodeAt(j);
      const isDigit = d >= 0x30 && d <= 0x39;
      const isHex = hex && ((d >= 0x41 && d <= 0x46) || (d >= 0x61 && d <= 0x66));
      if (!isDigit && !isHex) break;
      j++;
    }
    return j > start && text.charCodeAt(j) === 0x3b ? 'ok' : 'bare';
  }
  let j = at;
  while (j - at <= MAX_ENTITY_NAME && isNameChar(text.charCodeAt(j), j === at)) j++;
  if (j === at || text.charCodeAt(j) !== 0x3b /* ; */) return 'bare';
  return PREDEFINED.has(text.slice(at, j)) ? 'ok' : 'forbidden';
}

/** XML NameStartChar/NameChar, ASCII subset plus any non-ASCII (conservative: refuse, not repair). */
function isNameChar(c: number, first: boolean): boolean {
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x3a || c >= 0x80) return true;
  if (first) return false;
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
}
