/**
 * Folds text onto the GSM-7 alphabet where a readable equivalent exists, so one stray accent or curly
 * quote does not switch a whole alert to UCS-2 (70/67 units a segment instead of 160/153). Characters
 * without an equivalent (emoji, CJK, Cyrillic, ł, …) are left alone: the text then goes as UCS-2.
 */
import { isGsm7Char } from '../sms/index.js';

/** Typography with a plain GSM-7 stand-in; what an SMS typed on a phone keyboard would use anyway. */
const SUBSTITUTES: ReadonlyMap<string, string> = new Map([
  ...[...'‘’‚‛′´`'].map((c): [string, string] => [c, "'"]),
  ...[...'“”„‟″«»'].map((c): [string, string] => [c, '"']),
  ...[...'‐‑‒–—―−•'].map((c): [string, string] => [c, '-']),
  ...[...'\t\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f'].map((c): [string, string] => [c, ' ']),
  // Invisible characters a copy-paste brings along.
  ...[...'\u00ad\u200b\u200c\u200d\u2060\ufeff'].map((c): [string, string] => [c, '']),
  ['…', '...'],
  ['œ', 'oe'],
  ['Œ', 'OE'],
]);

const COMBINING_MARKS = /[\u0300-\u036f]/g;

/**
 * GSM-7 characters pass unchanged (é, ñ, ü, à stay); typography is substituted; an accented letter
 * whose base letter is GSM-7 loses its accent (á → a, ê → e, ç → c, ã → a); anything else stays.
 */
export function toGsm7(text: string): string {
  let out = '';
  // NFC first: a decomposed é (e + U+0301) is one GSM-7 character once composed.
  for (const char of text.normalize('NFC')) {
    if (isGsm7Char(char)) {
      out += char;
      continue;
    }
    const substitute = SUBSTITUTES.get(char);
    if (substitute !== undefined) {
      out += substitute;
      continue;
    }
    // A mark that did not compose is dropped; its base letter is already out.
    const base = char.normalize('NFD').replace(COMBINING_MARKS, '');
    if (base.length === 0) continue;
    out += [...base].every(isGsm7Char) ? base : char;
  }
  return out;
}

/** `toGsm7`, then each remaining run of characters GSM-7 cannot carry becomes one `replacement`. */
export function forceGsm7(text: string, replacement = '?'): string {
  let out = '';
  let inRun = false;
  for (const char of toGsm7(text)) {
    const ok = isGsm7Char(char);
    if (!ok && !inRun) out += replacement;
    if (ok) out += char;
    inRun = !ok;
  }
  return out;
}
