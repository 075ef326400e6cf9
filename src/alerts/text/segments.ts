/**
 * How many SMS a text takes (3GPP TS 23.040 concatenation): one message carries 160 septets (GSM-7) or
 * 70 UTF-16 code units (UCS-2); once split, each part loses 6 octets to the concatenation UDH and carries
 * 153 septets or 67 units.
 */
import { encodingOf, septetsOf, type SmsEncoding } from './gsm.js';

export const GSM7_SINGLE = 160;
export const GSM7_PART = 153;
export const UCS2_SINGLE = 70;
export const UCS2_PART = 67;

export interface SegmentCount {
  encoding: SmsEncoding;
  /** Messages the text is sent as; an empty text is still one message. */
  segments: number;
  /** Septets (GSM-7, extension characters count 2) or UTF-16 code units (UCS-2, an emoji counts 2). */
  units: number;
}

export function countSegments(text: string): SegmentCount {
  const encoding = encodingOf(text);
  // Per code point, so a surrogate pair is one 2-unit piece and an escape pair one 2-septet piece.
  const widths = [...text].map((char) => (encoding === 'gsm7' ? (septetsOf(char) ?? 1) : char.length));
  const units = widths.reduce((sum, w) => sum + w, 0);
  const single = encoding === 'gsm7' ? GSM7_SINGLE : UCS2_SINGLE;
  if (units <= single) return { encoding, segments: 1, units };

  const part = encoding === 'gsm7' ? GSM7_PART : UCS2_PART;
  let segments = 1;
  let used = 0;
  for (const w of widths) {
    // Encoders never split ESC from its code (nor a surrogate pair): the piece moves to the next part.
    if (used + w > part) {
      segments++;
      used = 0;
    }
    used += w;
  }
  return { encoding, segments, units };
}
