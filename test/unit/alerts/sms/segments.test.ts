import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countSegments, segmentCount, splitForSms } from '../../../../src/alerts/sms/index.js';

const a = (n: number): string => 'a'.repeat(n);
const han = (n: number): string => '中'.repeat(n);

describe('countSegments', () => {
  it('fits 160 septets in one GSM-7 message and splits at 161 into 153-septet parts', () => {
    expect(countSegments(a(160))).toEqual({ encoding: 'gsm7', segments: 1, units: 160 });
    expect(countSegments(a(161))).toEqual({ encoding: 'gsm7', segments: 2, units: 161 });
    expect(countSegments(a(153 * 2))).toEqual({ encoding: 'gsm7', segments: 2, units: 306 });
    expect(countSegments(a(153 * 2 + 1))).toEqual({ encoding: 'gsm7', segments: 3, units: 307 });
    expect(countSegments(a(153 * 3)).segments).toBe(3);
    expect(countSegments(a(153 * 3 + 1)).segments).toBe(4);
  });

  it('fits 70 UCS-2 units in one message and splits at 71 into 67-unit parts', () => {
    expect(countSegments(han(70))).toEqual({ encoding: 'ucs2', segments: 1, units: 70 });
    expect(countSegments(han(71))).toEqual({ encoding: 'ucs2', segments: 2, units: 71 });
    expect(countSegments(han(67 * 2))).toEqual({ encoding: 'ucs2', segments: 2, units: 134 });
    expect(countSegments(han(67 * 2 + 1))).toEqual({ encoding: 'ucs2', segments: 3, units: 135 });
  });

  it('counts an emoji as 2 UTF-16 units and turns the whole text UCS-2', () => {
    expect(countSegments('😀')).toEqual({ encoding: 'ucs2', segments: 1, units: 2 });
    // 69 GSM characters + an emoji: 71 units, two UCS-2 parts although it is 70 "characters".
    expect(countSegments(a(68) + '😀')).toEqual({ encoding: 'ucs2', segments: 1, units: 70 });
    expect(countSegments(a(69) + '😀')).toEqual({ encoding: 'ucs2', segments: 2, units: 71 });
  });

  it('counts extension characters as 2 septets', () => {
    expect(countSegments('€'.repeat(80))).toEqual({ encoding: 'gsm7', segments: 1, units: 160 });
    expect(countSegments('€'.repeat(80) + 'a')).toEqual({ encoding: 'gsm7', segments: 2, units: 161 });
    expect(countSegments(a(159) + '[')).toEqual({ encoding: 'gsm7', segments: 2, units: 161 });
  });

  it('never splits an escape pair: a 2-septet character that would straddle a part starts the next one', () => {
    // 152 + 2 + 152 = 306 septets, which would be two parts if the pair could be split.
    expect(countSegments(a(152) + '€' + a(152))).toEqual({ encoding: 'gsm7', segments: 3, units: 306 });
    // 151 + 2 fills the first part exactly, so no move.
    expect(countSegments(a(151) + '€' + a(153))).toEqual({ encoding: 'gsm7', segments: 2, units: 306 });
  });

  it('never splits a surrogate pair either', () => {
    expect(countSegments(han(66) + '😀' + han(66))).toEqual({ encoding: 'ucs2', segments: 3, units: 134 });
    expect(countSegments(han(65) + '😀' + han(67))).toEqual({ encoding: 'ucs2', segments: 2, units: 134 });
  });

  it('sends the empty text as one message', () => {
    expect(countSegments('')).toEqual({ encoding: 'gsm7', segments: 1, units: 0 });
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

  it('sends the empty text as one (empty) segment', () => {
    expect(splitForSms('')).toEqual({ encoding: 'gsm7', parts: [''] });
    expect(segmentCount('')).toBe(1);
  });

  it('splits a GSM-7 text by UCS-2 limits when UCS-2 is forced', () => {
    const forced = splitForSms(a(71), 'ucs2');
    expect(forced.encoding).toBe('ucs2');
    expect(forced.parts.map((p) => p.length)).toEqual([67, 4]);
    expect(splitForSms(a(70), 'ucs2').parts).toEqual([a(70)]);
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

  it('agrees with countSegments on encoding and segment count, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (text) => {
        const { encoding, parts } = splitForSms(text);
        expect(countSegments(text)).toMatchObject({ encoding, segments: parts.length });
        expect(segmentCount(text)).toBe(parts.length);
      }),
    );
  });
});
