/**
 * Text ⇄ short_message for SMPP, on top of the `smpp` 0.5.1 codecs.
 *
 * What the package does (read from lib/defs.js, 0.5.1), and why we bypass its automatic encoding:
 * - A *string* short_message with no data_coding is "detected": GSM-representable text becomes
 *   `data_coding 0x01` (IA5/ASCII on the wire) while the bytes are GSM 03.38 septets — an SMSC that
 *   honours 0x01 shows `@`, `$`, `_`, `£` wrongly. With `data_coding: 0` it encodes GSM 03.38
 *   (unpacked, one septet per octet, extension chars as ESC + code), which is what SMSCs expect.
 * - `gsmCoder.encode` turns a character outside the alphabet into 0x00 (`@`), silently.
 * - A string with a UDH is only encoded correctly for the national-language IEs (0x24/0x25).
 * So we split the text ourselves (../../sms/segments.ts), encode each part with the package's codecs
 * (`gsmCoder` for data_coding 0, `encodings.UCS2` for 8), check that GSM text survives a round trip
 * (otherwise UCS-2), prepend the UDH and hand the package a Buffer, which it sends unchanged.
 */
import smpp from 'smpp';
import { SmsError } from '../../types.js';
import { splitForSms, type SmsEncoding } from '../../sms/index.js';

export const DATA_CODING = { GSM7: 0x00, IA5: 0x01, LATIN1: 0x03, UCS2: 0x08 } as const;
export const ESM_CLASS_UDHI = 0x40;
/** 3GPP TS 23.040 §9.2.3.24.1: concatenated short messages, 8-bit reference. */
export const IEI_CONCAT_8 = 0x00;
/** §9.2.3.24.8: concatenated short messages, 16-bit reference. */
export const IEI_CONCAT_16 = 0x08;

export interface ShortMessagePlan {
  encoding: SmsEncoding;
  dataCoding: number;
  /** 0, or ESM_CLASS_UDHI when the parts carry a concatenation UDH. */
  esmClass: number;
  /** One short_message per segment, UDH included. */
  shortMessages: Buffer[];
}

export function gsmRoundTrips(text: string): boolean {
  return smpp.gsmCoder.decode(smpp.gsmCoder.encode(text, 0), 0) === text;
}

/** Encodes `text` as one or more submit_sm short_messages; `ref` is the concatenation reference (0–255). */
export function planShortMessages(text: string, ref: number): ShortMessagePlan {
  let split = splitForSms(text);
  if (split.encoding === 'gsm7' && !gsmRoundTrips(text)) split = splitForSms(text, 'ucs2');
  const { encoding, parts } = split;
  const encode = encoding === 'gsm7' ? (s: string) => smpp.gsmCoder.encode(s, 0) : (s: string) => smpp.encodings.UCS2.encode(s);
  const dataCoding = encoding === 'gsm7' ? DATA_CODING.GSM7 : DATA_CODING.UCS2;
  if (parts.length === 1) return { encoding, dataCoding, esmClass: 0, shortMessages: [encode(parts[0] ?? '')] };
  // The 8-bit UDH counts parts in one octet.
  if (parts.length > 255) throw new SmsError(`message needs ${parts.length} segments (max 255)`, false, 'SMS_TOO_LONG');
  const total = parts.length;
  const shortMessages = parts.map((part, i) =>
    Buffer.concat([Buffer.from([0x05, IEI_CONCAT_8, 0x03, ref & 0xff, total, i + 1]), encode(part)]),
  );
  return { encoding, dataCoding, esmClass: ESM_CLASS_UDHI, shortMessages };
}

export interface ConcatInfo {
  ref: number;
  total: number;
  part: number;
}

/** Reads the concatenation IE from the UDH IEs the package decoded (each `[iei, len, ...data]`). */
export function concatInfo(udh: readonly Buffer[]): ConcatInfo | undefined {
  for (const ie of udh) {
    if (ie[0] === IEI_CONCAT_8 && ie.length >= 5) return { ref: ie[2] ?? 0, total: ie[3] ?? 0, part: ie[4] ?? 0 };
    if (ie[0] === IEI_CONCAT_16 && ie.length >= 6) return { ref: ie.readUInt16BE(2), total: ie[4] ?? 0, part: ie[5] ?? 0 };
  }
  return undefined;
}

export interface MessageContent {
  /** The text as the handset would show it. */
  text: string;
  /** The octets read as ASCII: what delivery receipts are written in, whatever data_coding says. */
  ascii: string;
  /** UDH information elements, each `[iei, len, ...data]`. */
  udh: Buffer[];
  dataCoding: number;
}

/**
 * The content of a received deliver_sm (or, in the test SMSC, submit_sm) as decoded by the package:
 * `short_message`, or the `message_payload` TLV when short_message is empty.
 */
export function readMessageContent(pdu: smpp.PDU): MessageContent {
  const dataCoding = typeof pdu.data_coding === 'number' ? pdu.data_coding : 0;
  const field = pickField(pdu.short_message) ?? pickField(pdu.message_payload) ?? { message: '' };
  const udh = Array.isArray(field.udh) ? field.udh.filter((b): b is Buffer => Buffer.isBuffer(b)) : [];
  const scheme = dataCoding & 0x0f;
  let text: string;
  let ascii: string;
  if (Buffer.isBuffer(field.message)) {
    // A coding the package has no codec for (e.g. 0x04 binary): keep the octets readable.
    text = ascii = field.message.toString('latin1');
  } else {
    const decoded = typeof field.message === 'string' ? field.message : '';
    // The package decodes both 0x00 and 0x01 as GSM 03.38; re-encoding recovers the octets.
    const octets = scheme === DATA_CODING.GSM7 || scheme === DATA_CODING.IA5 ? smpp.gsmCoder.encode(decoded, 0) : undefined;
    ascii = octets ? octets.toString('latin1') : decoded;
    text = scheme === DATA_CODING.IA5 ? ascii : decoded;
  }
  return { text, ascii, udh, dataCoding };
}

function pickField(value: unknown): { message?: unknown; udh?: unknown } | undefined {
  if (Buffer.isBuffer(value)) return value.length ? { message: value } : undefined;
  if (value && typeof value === 'object' && 'message' in value) {
    const f = value as { message?: unknown; udh?: unknown };
    const m = f.message;
    if ((typeof m === 'string' || Buffer.isBuffer(m)) && m.length > 0) return f;
  }
  return undefined;
}
