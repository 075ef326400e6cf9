import smpp from 'smpp';
import { describe, expect, it } from 'vitest';
import { splitForSms } from '../../../../src/alerts/sms/index.js';
import {
  concatInfo,
  gsmRoundTrips,
  planShortMessages,
  readMessageContent,
} from '../../../../src/alerts/providers/smpp/short-message.js';

/** Encodes then parses a PDU, as it would arrive over the wire. */
function wire(command: string, fields: Record<string, unknown>): smpp.PDU {
  return new smpp.PDU(new smpp.PDU(command, fields).toBuffer());
}

const GSM_ALPHABET =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà\f^{}\\[~]|€';

describe('smpp 0.5.1 GSM codec (what the plan relies on)', () => {
  it('round-trips every character our GSM-7 table accepts', () => {
    for (const ch of GSM_ALPHABET) expect(gsmRoundTrips(ch), JSON.stringify(ch)).toBe(true);
    expect(gsmRoundTrips(GSM_ALPHABET)).toBe(true);
  });

  it('silently turns unknown characters into @ (0x00), which is why we check the round trip', () => {
    expect([...smpp.gsmCoder.encode('ж', 0)]).toEqual([0x00]);
    expect(gsmRoundTrips('ж')).toBe(false);
  });

  it('encodes extension characters as ESC + code, one septet per octet', () => {
    expect([...smpp.gsmCoder.encode('A€{', 0)]).toEqual([0x41, 0x1b, 0x65, 0x1b, 0x28]);
  });
});

describe('planShortMessages', () => {
  it('sends a short GSM text as one data_coding 0 part without UDH', () => {
    const plan = planShortMessages('Hang up @ once', 7);
    expect(plan).toMatchObject({ encoding: 'gsm7', dataCoding: 0, esmClass: 0 });
    expect(plan.shortMessages).toHaveLength(1);
    expect(plan.shortMessages[0]![0]).toBe(0x48); // 'H', no UDH
  });

  it('sends non-GSM text as UCS-2 big-endian', () => {
    const plan = planShortMessages('Жы', 7);
    expect(plan).toMatchObject({ encoding: 'ucs2', dataCoding: 8, esmClass: 0 });
    expect([...plan.shortMessages[0]!]).toEqual([0x04, 0x16, 0x04, 0x4b]);
  });

  it('prefixes each part of a long text with the same 8-bit concatenation UDH', () => {
    const text = 'b'.repeat(400);
    const plan = planShortMessages(text, 0x1ab); // the reference is taken mod 256
    expect(plan.esmClass).toBe(0x40);
    expect(plan.shortMessages.map((m) => [...m.subarray(0, 6)])).toEqual([
      [5, 0, 3, 0xab, 3, 1],
      [5, 0, 3, 0xab, 3, 2],
      [5, 0, 3, 0xab, 3, 3],
    ]);
    expect(plan.shortMessages.map((m) => m.length - 6)).toEqual([153, 153, 94]);
  });

  it('refuses more than 255 segments as a permanent error', () => {
    expect(() => planShortMessages('c'.repeat(153 * 256), 1)).toThrowError(expect.objectContaining({ retryable: false, code: 'SMS_TOO_LONG' }));
  });

  it('decodes back to the input through a real submit_sm PDU', () => {
    for (const text of ['x'.repeat(250), `${'€'.repeat(100)}tail`, `${'Ж'.repeat(100)}🚨`]) {
      const plan = planShortMessages(text, 3);
      const parts = plan.shortMessages.map((short_message) =>
        readMessageContent(wire('submit_sm', { destination_addr: '1', data_coding: plan.dataCoding, esm_class: plan.esmClass, short_message })),
      );
      expect(parts.map((p) => concatInfo(p.udh)?.part)).toEqual(plan.shortMessages.length > 1 ? parts.map((_, i) => i + 1) : [undefined]);
      expect(parts.map((p) => p.text).join('')).toBe(text);
      expect(parts.map((p) => p.text)).toEqual(splitForSms(text, plan.encoding).parts);
    }
  });
});

describe('readMessageContent', () => {
  it('reads IA5 (data_coding 1) as ASCII, which the package would decode as GSM', () => {
    const pdu = wire('deliver_sm', { data_coding: 1, short_message: Buffer.from('a_b@c$', 'ascii') });
    expect(readMessageContent(pdu).text).toBe('a_b@c$');
  });

  it('exposes the raw ASCII of a data_coding 0 receipt', () => {
    const pdu = wire('deliver_sm', { data_coding: 0, esm_class: 4, short_message: Buffer.from('id:AB_12 stat:DELIVRD', 'ascii') });
    const content = readMessageContent(pdu);
    expect(content.ascii).toBe('id:AB_12 stat:DELIVRD');
    expect(content.text).not.toBe(content.ascii); // GSM reads 0x5F as §
  });

  it('falls back to message_payload when short_message is empty', () => {
    const pdu = wire('deliver_sm', { data_coding: 8, short_message: Buffer.alloc(0), message_payload: smpp.encodings.UCS2.encode('Да') });
    expect(readMessageContent(pdu).text).toBe('Да');
  });

  it('reads the 16-bit concatenation IE too', () => {
    expect(concatInfo([Buffer.from([0x08, 0x04, 0x12, 0x34, 3, 2])])).toEqual({ ref: 0x1234, total: 3, part: 2 });
    expect(concatInfo([Buffer.from([0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0])])).toBeUndefined();
  });
});
