/**
 * How a text splits into SMS (3GPP TS 23.040 concatenation), shared by the alert text and every
 * provider so that a segment count means the same thing wherever it is computed.
 *
 * - One message carries 160 septets (GSM-7) or 70 UTF-16 code units (UCS-2); once split, each part
 *   loses 6 octets to the concatenation UDH and carries 153 septets or 67 units.
 * - An extension character costs two septets (ESC + code); an emoji (surrogate pair) two units.
 * - A split never separates an ESC from its extension character, nor the two halves of a surrogate
 *   pair: the handset could not decode either half on its own; the piece moves to the next part.
 * - An empty text is still one message.
 */
import { encodingOf, septetsOf, type SmsEncoding } from './gsm.js';

export const SEGMENT_LIMITS = {
  gsm7: { single: 160, multi: 153 },
  ucs2: { single: 70, multi: 67 },
} as const;

export const GSM7_SINGLE = SEGMENT_LIMITS.gsm7.single;
export const GSM7_PART = SEGMENT_LIMITS.gsm7.multi;
export const UCS2_SINGLE = SEGMENT_LIMITS.ucs2.single;
export const UCS2_PART = SEGMENT_LIMITS.ucs2.multi;

export interface SmsSplit {
  encoding: SmsEncoding;
  /** The text of each segment, in order; joined they give the input back. At least one (maybe empty). */
  parts: string[];
}

export interface SegmentCount {
  encoding: SmsEncoding;
  /** Messages the text is sent as; an empty text is still one message. */
  segments: number;
  /** Septets (GSM-7, extension characters count 2) or UTF-16 code units (UCS-2, an emoji counts 2). */
  units: number;
}

/** Units one code point costs: septets in GSM-7, UTF-16 code units in UCS-2. */
function unitsOf(char: string, encoding: SmsEncoding): number {
  return encoding === 'gsm7' ? (septetsOf(char) ?? 1) : char.length;
}

function split(text: string, encoding: SmsEncoding): SmsSplit & { units: number } {
  // Iterating a string yields code points, so surrogate pairs and escape pairs arrive whole.
  const chars = [...text];
  const widths = chars.map((char) => unitsOf(char, encoding));
  const units = widths.reduce((sum, w) => sum + w, 0);
  const limits = SEGMENT_LIMITS[encoding];
  if (units <= limits.single) return { encoding, parts: [text], units };

  const parts: string[] = [];
  let current = '';
  let used = 0;
  chars.forEach((char, i) => {
    const w = widths[i] ?? 1;
    if (used + w > limits.multi) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += char;
    used += w;
  });
  if (current) parts.push(current);
  return { encoding, parts, units };
}

/** Splits `text` into the segments a handset would reassemble. `encoding` forces UCS-2 when a GSM-7 encoder cannot be trusted with the text. */
export function splitForSms(text: string, encoding: SmsEncoding = encodingOf(text)): SmsSplit {
  const { parts } = split(text, encoding);
  return { encoding, parts };
}

/** Encoding, segments and units (septets or UTF-16 units) of `text`. */
export function countSegments(text: string): SegmentCount {
  const { encoding, parts, units } = split(text, encodingOf(text));
  return { encoding, segments: parts.length, units };
}

/** Number of SMS segments `text` costs. */
export function segmentCount(text: string): number {
  return countSegments(text).segments;
}
