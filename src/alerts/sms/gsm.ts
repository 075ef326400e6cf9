/**
 * The GSM 03.38 (3GPP TS 23.038 §6.2.1) default alphabet: what a character costs in septets, and
 * whether a text can go as GSM-7 at all. No national language shift tables: SMSCs and handsets do not
 * support them reliably, so a text is GSM-7 only when every character is in the basic set or the
 * extension table.
 *
 * The one copy of the alphabet: the alert text (../text/) and the SMS providers (../providers/) both
 * use it, so that a text the renderer calls GSM-7 is the text every provider sends as GSM-7.
 */

/**
 * The 127 printable characters of the basic set (0x1B, the escape to the extension table, is not a
 * character: a literal ESC in the input is not text). Greek capitals that look Latin (A, B, E, …) are
 * mapped to Latin by 23.038, so only the distinct ones (Δ Φ Γ Λ Ω Π Ψ Σ Θ Ξ) are here.
 */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ' +
  ' !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** The extension table: each is sent as ESC + code, so costs 2 septets. \f is the page break (0x1B 0x0A). */
const EXTENSION = '\f^{}\\[]~|€';

const BASIC_SET: ReadonlySet<string> = new Set(BASIC);
const EXTENSION_SET: ReadonlySet<string> = new Set(EXTENSION);

export type SmsEncoding = 'gsm7' | 'ucs2';

/** Septets one character (code point) costs in GSM-7, or undefined when GSM-7 cannot carry it. */
export function septetsOf(char: string): 1 | 2 | undefined {
  if (BASIC_SET.has(char)) return 1;
  if (EXTENSION_SET.has(char)) return 2;
  return undefined;
}

export function isGsm7Char(char: string): boolean {
  return septetsOf(char) !== undefined;
}

/**
 * The cheapest encoding that represents `text` exactly: 'gsm7' when every character is in the basic
 * set or extension table; otherwise the whole text goes as UCS-2.
 */
export function encodingOf(text: string): SmsEncoding {
  for (const char of text) if (septetsOf(char) === undefined) return 'ucs2';
  return 'gsm7';
}
