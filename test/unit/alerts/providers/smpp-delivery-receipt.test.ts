import { describe, expect, it } from 'vitest';
import { isReceiptEsmClass, parseDeliveryReceipt } from '../../../../src/alerts/providers/smpp/delivery-receipt.js';

const TEXT = 'id:7E3A91 sub:001 dlvrd:001 submit date:2401011200 done date:2401011201 stat:DELIVRD err:000 text:CallGuard: this';

describe('parseDeliveryReceipt', () => {
  it('parses the Appendix B text', () => {
    expect(parseDeliveryReceipt({ text: TEXT }, 5)).toEqual({ messageId: '7E3A91', status: 'delivered', detail: 'DELIVRD', at: 5 });
  });

  it.each([
    ['EXPIRED', 'undelivered'],
    ['DELETED', 'undelivered'],
    ['UNDELIV', 'undelivered'],
    ['REJECTD', 'undelivered'],
    ['ACCEPTD', 'accepted'],
    ['ENROUTE', 'unknown'],
    ['UNKNOWN', 'unknown'],
    ['WEIRD', 'unknown'],
  ] as const)('maps stat:%s to %s', (stat, status) => {
    expect(parseDeliveryReceipt({ text: `id:1 stat:${stat} err:001` })?.status).toBe(status);
  });

  it('prefers the receipted_message_id and message_state TLVs over the text', () => {
    const r = parseDeliveryReceipt({ text: TEXT, receiptedMessageId: 'abc-1', messageState: 5 });
    expect(r).toMatchObject({ messageId: 'abc-1', status: 'undelivered', detail: 'DELIVRD' });
    expect(parseDeliveryReceipt({ receiptedMessageId: 'abc-2', messageState: 2 })).toMatchObject({ messageId: 'abc-2', status: 'delivered', detail: 'DELIVRD' });
  });

  it('does not mistake "submit date" or the text for the id, and reads lowercase keys', () => {
    expect(parseDeliveryReceipt({ text: 'sub:001 stat:DELIVRD text:id:fake' })).toBeUndefined();
    expect(parseDeliveryReceipt({ text: 'ID:99 STAT:delivrd' })).toMatchObject({ messageId: '99', status: 'delivered' });
  });

  it('returns undefined without any id', () => {
    expect(parseDeliveryReceipt({ text: 'hello' })).toBeUndefined();
    expect(parseDeliveryReceipt({})).toBeUndefined();
  });
});

describe('isReceiptEsmClass', () => {
  it('recognises receipts and intermediate notifications, with or without UDHI', () => {
    expect(isReceiptEsmClass(0x04)).toBe(true);
    expect(isReceiptEsmClass(0x44)).toBe(true);
    expect(isReceiptEsmClass(0x20)).toBe(true);
    expect(isReceiptEsmClass(0x00)).toBe(false);
    expect(isReceiptEsmClass(0x40)).toBe(false);
    expect(isReceiptEsmClass(0x08)).toBe(false); // SME delivery acknowledgement: a user message
  });
});

describe('parseDeliveryReceipt and the original text', () => {
  it('ignores fields quoted inside text:', () => {
    expect(parseDeliveryReceipt({ text: 'stat:DELIVRD text:your id:123 ok' })).toBeUndefined();
    expect(parseDeliveryReceipt({ text: 'id:1 stat:UNDELIV text: stat:DELIVRD' })?.status).toBe('undelivered');
  });
});
