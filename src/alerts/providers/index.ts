/** The SMS providers (adapters of the SmsProvider port in ../types.ts) and the CALLGUARD_SMS selector. */
export { selectSmsProvider, parseSmsProviderSpec, type SmsProviderSettings, type SmsProviderSpec, type SmsProviderKind } from './select.js';
export { encodingOf as encodingFor, splitForSms, segmentCount, SEGMENT_LIMITS, type SmsEncoding, type SmsSplit } from '../sms/index.js';
export { SmppSmsProvider, type SmppSmsProviderOptions } from './smpp/index.js';
export { AcsSmsProvider, type AcsSmsProviderOptions } from './acs/index.js';
export { HttpSmsProvider, signWebhook, verifyWebhook, type HttpSmsProviderOptions } from './http/index.js';
export { FileSmsProvider, type FileSmsProviderOptions, type FileSmsRecord } from './file/index.js';
export { ConsoleSmsProvider, type ConsoleSmsProviderOptions } from './console/index.js';
