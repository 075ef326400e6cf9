export { HttpSmsProvider, type HttpSmsProviderOptions } from './http-sms-provider.js';
export { signWebhook, verifyWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER, type VerifyOptions } from './webhook-signature.js';
