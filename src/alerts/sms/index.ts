/** GSM 03.38 alphabet, GSM-7/UCS-2 detection, SMS splitting and segment counting: the one owner, used by ../text/ and ../providers/. */
export { encodingOf, isGsm7Char, septetsOf, type SmsEncoding } from './gsm.js';
export {
  countSegments,
  segmentCount,
  splitForSms,
  SEGMENT_LIMITS,
  GSM7_PART,
  GSM7_SINGLE,
  UCS2_PART,
  UCS2_SINGLE,
  type SegmentCount,
  type SmsSplit,
} from './segments.js';
