import { describe, expect, it } from 'vitest';
import { encodingOf, isGsm7Char, septetsOf } from '../../../../src/alerts/sms/index.js';

// GSM 03.38 default alphabet, row by row (0x1B, the escape, left out).
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ' + ' !"#¤%&\'()*+,-./0123456789:;<=>?' + '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§' + '¿abcdefghijklmnopqrstuvwxyzäöñüà';

describe('GSM-7 alphabet', () => {
  it('carries every basic-set character in one septet', () => {
    expect([...BASIC]).toHaveLength(127);
    for (const c of BASIC) expect(septetsOf(c), JSON.stringify(c)).toBe(1);
    expect(encodingOf(BASIC)).toBe('gsm7');
  });

  it('charges 2 septets for each extension-table character, form feed included', () => {
    for (const c of '^{}\\[~]|€\f') expect(septetsOf(c), JSON.stringify(c)).toBe(2);
    expect(encodingOf('Price: 5€ [approx] {ok} ~|^\\')).toBe('gsm7');
  });

  it('keeps the Greek capitals that are in the table GSM-7', () => {
    expect(encodingOf('ΔΦΓΛΩΠΨΣΘΞ')).toBe('gsm7');
  });

  it('switches to UCS-2 for one character outside the table', () => {
    expect(encodingOf('Hello 😀')).toBe('ucs2');
    expect(encodingOf('Hello 中')).toBe('ucs2');
    // Look GSM-ish but are not in it: lower-case ç, á í ó ú, ê â, È, Greek lower case, backtick, curly quote.
    for (const c of ['ç', 'á', 'í', 'ó', 'ú', 'ê', 'â', 'È', 'α', '`', '’', '…', '\x1b']) {
      expect(septetsOf(c), JSON.stringify(c)).toBeUndefined();
      expect(isGsm7Char(c), JSON.stringify(c)).toBe(false);
      expect(encodingOf(`abc${c}`), JSON.stringify(c)).toBe('ucs2');
    }
  });

  it('calls the empty text GSM-7', () => {
    expect(encodingOf('')).toBe('gsm7');
  });
});

// Formerly the providers' own `encodingFor` tests; the providers now use this same `encodingOf`.
describe('encodingOf (as the providers use it)', () => {
  it('keeps GSM-7 for the default alphabet and its extension table', () => {
    expect(encodingOf('Hello @ £$¥ èéùìò ΔΦΓ ÄÖÑÜ§ äöñüà ¿¡ \n\r')).toBe('gsm7');
    expect(encodingOf('{}[]~|^\\€\f')).toBe('gsm7');
    expect(encodingOf('')).toBe('gsm7');
  });

  it('needs UCS-2 for anything else, including a literal ESC', () => {
    expect(encodingOf('Привет')).toBe('ucs2');
    expect(encodingOf('ç')).toBe('ucs2'); // only Ç is in the default alphabet
    expect(encodingOf('🚨')).toBe('ucs2');
    expect(encodingOf('a\x1Bb')).toBe('ucs2');
  });
});
