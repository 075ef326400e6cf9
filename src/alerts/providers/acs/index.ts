export { AcsSmsProvider, type AcsSmsProviderOptions } from './acs-sms-provider.js';
