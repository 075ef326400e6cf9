/** The subscriber's alert SMS text: templates per language, GSM-7/UCS-2 detection, segment counting. */
export { renderAlertText, type AlertBrand, type RenderOptions, type RenderSource, type RenderedAlertText } from './render.js';
// The alphabet and segment rules live in ../sms/ (shared with the providers); re-exported here.
export {
  encodingOf,
  septetsOf,
  countSegments,
  GSM7_PART,
  GSM7_SINGLE,
  UCS2_PART,
  UCS2_SINGLE,
  type SmsEncoding,
  type SegmentCount,
} from '../sms/index.js';
export { forceGsm7, toGsm7 } from './transliterate.js';
export { buildExplanation, explanationFor } from './explanation.js';
export { resolveLocale, SUPPORTED_LOCALES, FALLBACK_LOCALE } from './locales/index.js';
export type { AlertLocale } from './template.js';
