import { describe, expect, it } from 'vitest';
import * as sms from '../../../../src/alerts/sms/index.js';
import * as providers from '../../../../src/alerts/providers/index.js';
import * as text from '../../../../src/alerts/text/index.js';

// One owner of the alphabet and the segment rules: text/ and providers/ hand out the same functions.
describe('src/alerts/sms is the one SMS encoding module', () => {
  it('is what src/alerts/text re-exports', () => {
    expect(text.encodingOf).toBe(sms.encodingOf);
    expect(text.septetsOf).toBe(sms.septetsOf);
    expect(text.countSegments).toBe(sms.countSegments);
    expect([text.GSM7_SINGLE, text.GSM7_PART, text.UCS2_SINGLE, text.UCS2_PART]).toEqual([160, 153, 70, 67]);
  });

  it('is what src/alerts/providers re-exports, encodingOf under the name encodingFor', () => {
    expect(providers.encodingFor).toBe(sms.encodingOf);
    expect(providers.splitForSms).toBe(sms.splitForSms);
    expect(providers.segmentCount).toBe(sms.segmentCount);
    expect(providers.SEGMENT_LIMITS).toEqual({ gsm7: { single: 160, multi: 153 }, ucs2: { single: 70, multi: 67 } });
  });
});
