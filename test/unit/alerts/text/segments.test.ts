import { describe, expect, it } from 'vitest';
import { countSegments } from '../../../../src/alerts/text/segments.js';

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
