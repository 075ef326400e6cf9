import { describe, expect, it } from 'vitest';
import { encodingOf, septetsOf } from '../../../../src/alerts/text/gsm.js';

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
      expect(encodingOf(`abc${c}`), JSON.stringify(c)).toBe('ucs2');
    }
  });

  it('calls the empty text GSM-7', () => {
    expect(encodingOf('')).toBe('gsm7');
  });
});
