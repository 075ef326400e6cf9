import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodingFor, segmentCount, splitForSms } from '../../../../src/alerts/providers/segments.js';

describe('encodingFor', () => {
  it('keeps GSM-7 for the default alphabet and its extension table', () => {
    expect(encodingFor('Hello @ £$¥ èéùìò ΔΦΓ ÄÖÑÜ§ äöñüà ¿¡ \n\r')).toBe('gsm7');
    expect(encodingFor('{}[]~|^\\€\f')).toBe('gsm7');
    expect(encodingFor('')).toBe('gsm7');
  });

  it('needs UCS-2 for anything else, including a literal ESC', () => {
    expect(encodingFor('Привет')).toBe('ucs2');
    expect(encodingFor('ç')).toBe('ucs2'); // only Ç is in the default alphabet
    expect(encodingFor('🚨')).toBe('ucs2');
    expect(encodingFor('a\x1Bb')).toBe('ucs2');
  });
});

describe('splitForSms', () => {
  it('fits 160 GSM septets or 70 UCS-2 units in one segment', () => {
    expect(segmentCount('a'.repeat(160))).toBe(1);
    expect(segmentCount('a'.repeat(161))).toBe(2);
    expect(segmentCount('ж'.repeat(70))).toBe(1);
    expect(segmentCount('ж'.repeat(71))).toBe(2);
  });

  it('counts extension characters as two septets', () => {
    expect(segmentCount('€'.repeat(80))).toBe(1);
    expect(segmentCount('€'.repeat(81))).toBe(2);
  });

  it('uses 153 septets / 67 units per concatenated segment', () => {
    expect(splitForSms('a'.repeat(306)).parts.map((p) => p.length)).toEqual([153, 153]);
    expect(segmentCount('a'.repeat(307))).toBe(3);
    expect(splitForSms('ж'.repeat(134)).parts.map((p) => p.length)).toEqual([67, 67]);
  });

  it('never splits an escape pair or a surrogate pair', () => {
    const gsm = splitForSms(`${'a'.repeat(152)}€b${'c'.repeat(20)}`);
    expect(gsm.parts[0]).toBe('a'.repeat(152));
    expect(gsm.parts[1]?.startsWith('€')).toBe(true);
    const ucs = splitForSms(`${'ж'.repeat(66)}🚨${'ы'.repeat(10)}`);
    expect(ucs.parts[0]).toBe('ж'.repeat(66));
    expect(ucs.parts[1]?.startsWith('🚨')).toBe(true);
  });

  it('joins back to the input and respects the limits, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (text) => {
        const { encoding, parts } = splitForSms(text);
        expect(parts.join('')).toBe(text);
        if (parts.length > 1) {
          for (const part of parts) {
            const units = encoding === 'gsm7' ? [...part].reduce((n, ch) => n + ('\f^{}\\[~]|€'.includes(ch) ? 2 : 1), 0) : part.length;
            expect(units).toBeLessThanOrEqual(encoding === 'gsm7' ? 153 : 67);
          }
        }
      }),
    );
  });
});
