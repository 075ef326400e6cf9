export { FileSmsProvider, type FileSmsProviderOptions, type FileSmsRecord } from './file-sms-provider.js';
