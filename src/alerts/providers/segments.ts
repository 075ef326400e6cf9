/**
 * How a text splits into SMS segments (3GPP TS 23.038 / 23.040), shared by every provider so that
 * `SmsSendResult.segments` means the same thing whichever provider sent the message.
 *
 * - GSM-7 when every character is in the default alphabet or its extension table (an extension
 *   character costs two septets: ESC + code); otherwise UCS-2.
 * - One segment holds 160 septets (GSM-7) or 70 UTF-16 units (UCS-2). A concatenated message spends
 *   6 octets on the UDH, leaving 153 septets or 67 units per segment.
 * - A split never separates an ESC from its extension character, nor the two halves of a surrogate
 *   pair: the handset could not decode either half on its own.
 */
export type SmsEncoding = 'gsm7' | 'ucs2';

// GSM 03.38 default alphabet, minus ESC (0x1B): a literal ESC in the input is not text.
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
// GSM 03.38 extension table (sent as ESC + code).
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

export const SEGMENT_LIMITS = {
  gsm7: { single: 160, multi: 153 },
  ucs2: { single: 70, multi: 67 },
} as const;

/** The cheapest encoding that represents `text` exactly. */
export function encodingFor(text: string): SmsEncoding {
  for (const ch of text) {
    if (!GSM_BASIC.has(ch) && !GSM_EXTENSION.has(ch)) return 'ucs2';
  }
  return 'gsm7';
}

export interface SmsSplit {
  encoding: SmsEncoding;
  /** The text of each segment, in order; joined they give the input back. At least one (maybe empty). */
  parts: string[];
}

/** Splits `text` into the segments a handset would reassemble. `encoding` forces UCS-2 when a GSM-7 encoder cannot be trusted with the text. */
export function splitForSms(text: string, encoding: SmsEncoding = encodingFor(text)): SmsSplit {
  // Iterating a string yields code points, so surrogate pairs arrive whole.
  const units = (ch: string): number =>
    encoding === 'gsm7' ? (GSM_EXTENSION.has(ch) ? 2 : 1) : ch.length;
  const chars = [...text];
  const total = chars.reduce((n, ch) => n + units(ch), 0);
  const limits = SEGMENT_LIMITS[encoding];
  if (total <= limits.single) return { encoding, parts: [text] };

  const parts: string[] = [];
  let current = '';
  let used = 0;
  for (const ch of chars) {
    const u = units(ch);
    if (used + u > limits.multi) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += ch;
    used += u;
  }
  if (current) parts.push(current);
  return { encoding, parts };
}

/** Number of SMS segments `text` costs. */
export function segmentCount(text: string): number {
  return splitForSms(text).parts.length;
}
