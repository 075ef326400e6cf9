export { SmppSmsProvider, smppAddress, type SmppAddress, type SmppSmsProviderOptions } from './smpp-sms-provider.js';
export { commandStatusError, commandStatusName, isTransientStatus } from './command-status.js';
export { parseDeliveryReceipt, isReceiptEsmClass, type ReceiptFields } from './delivery-receipt.js';
export {
  planShortMessages,
  readMessageContent,
  concatInfo,
  gsmRoundTrips,
  DATA_CODING,
  ESM_CLASS_UDHI,
  type ConcatInfo,
  type MessageContent,
  type ShortMessagePlan,
} from './short-message.js';
export { ConcatAssembler } from './concat-assembler.js';
export { SubmitWindow } from './submit-window.js';
