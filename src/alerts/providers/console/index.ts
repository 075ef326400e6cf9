export { ConsoleSmsProvider, type ConsoleSmsProviderOptions } from './console-sms-provider.js';
