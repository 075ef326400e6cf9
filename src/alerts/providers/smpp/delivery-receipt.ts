/**
 * SMPP delivery receipts → DeliveryReceipt. Two sources, TLVs first because they are typed
 * (SMPP 3.4 §5.3.2.12 receipted_message_id, §5.3.2.35 message_state); the short_message text
 * ("id:… sub:… dlvrd:… submit date:… done date:… stat:DELIVRD err:… text:…", Appendix B) is
 * vendor-formatted and only a fallback.
 */
import type { DeliveryReceipt } from '../../types.js';

/** esm_class bits 2–5 (message type) for an SMSC delivery receipt, and for an intermediate notification. */
export const ESM_TYPE_MASK = 0x3c;
export const ESM_TYPE_RECEIPT = 0x04;
export const ESM_TYPE_INTERMEDIATE = 0x20;

export function isReceiptEsmClass(esmClass: number): boolean {
  const type = esmClass & ESM_TYPE_MASK;
  return type === ESM_TYPE_RECEIPT || type === ESM_TYPE_INTERMEDIATE;
}

const STAT_WORDS: Record<string, DeliveryReceipt['status']> = {
  DELIVRD: 'delivered',
  EXPIRED: 'undelivered',
  DELETED: 'undelivered',
  UNDELIV: 'undelivered',
  REJECTD: 'undelivered',
  ACCEPTD: 'accepted',
  ENROUTE: 'unknown',
  UNKNOWN: 'unknown',
};

/** SMPP 3.4 §5.2.28 message_state values. */
const MESSAGE_STATES: Record<number, { word: string; status: DeliveryReceipt['status'] }> = {
  1: { word: 'ENROUTE', status: 'unknown' },
  2: { word: 'DELIVRD', status: 'delivered' },
  3: { word: 'EXPIRED', status: 'undelivered' },
  4: { word: 'DELETED', status: 'undelivered' },
  5: { word: 'UNDELIV', status: 'undelivered' },
  6: { word: 'ACCEPTD', status: 'accepted' },
  7: { word: 'UNKNOWN', status: 'unknown' },
  8: { word: 'REJECTD', status: 'undelivered' },
};

export interface ReceiptFields {
  /** The receipt text (short_message read as ASCII). */
  text?: string;
  receiptedMessageId?: string;
  messageState?: number;
}

/** Parses a receipt; undefined when neither the TLVs nor the text name a message id. */
export function parseDeliveryReceipt(fields: ReceiptFields, at = Date.now()): DeliveryReceipt | undefined {
  // Everything after "text:" is the start of the original message: never parse fields out of it.
  const text = (fields.text ?? '').split(/(?:^|\s)text:/i)[0] ?? '';
  const textId = /(?:^|\s)id:(\S+)/i.exec(text)?.[1];
  const stat = /(?:^|\s)stat:(\S+)/i.exec(text)?.[1]?.toUpperCase();
  const messageId = fields.receiptedMessageId || textId;
  if (!messageId) return undefined;

  const fromState = fields.messageState === undefined ? undefined : MESSAGE_STATES[fields.messageState];
  const status = fromState?.status ?? (stat ? STAT_WORDS[stat] : undefined) ?? 'unknown';
  const detail = stat ?? fromState?.word;
  return { messageId, status, ...(detail ? { detail } : {}), at };
}
