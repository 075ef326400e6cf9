/**
 * Serializes SIP messages to one Buffer: the header section is written once and the body copied
 * in once, byte for byte. Content-Length is always written (RFC 3261 §20.14: required on streams,
 * harmless on datagrams). Values that came from outside the stack (reason phrases, extra headers
 * from the engine) are stripped of control characters so they cannot inject header lines.
 */
import { isToken } from './header-values.js';
import { EMPTY_BODY } from './message.js';

export type HeaderPair = readonly [name: string, value: string];

/** The request parts a response copies (RFC 3261 §8.2.6.2). */
export interface ResponseBase {
  /** Via values in order; the top one already carries received/rport (RFC 3261 §18.2.1). */
  vias: readonly string[];
  from: string;
  to: string;
  /** The To header had no tag: the response adds ours (RFC 3261 §8.2.6.2). */
  toHasTag: boolean;
  callId: string;
  cseq: string;
  /** The request's head was read as Latin-1 (not UTF-8): write ours the same way, so its bytes echo. */
  latin1?: boolean;
}

export interface ResponseOptions {
  /** Our To tag; added unless the request's To already had a tag. */
  toTag?: string;
  headers?: readonly HeaderPair[];
  body?: Buffer;
}

/** Removes CR, LF and other control characters (HTAB kept) from text placed in a header. */
export function sanitizeHeaderText(value: string): string {
  let clean = true;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if ((ch < 0x20 && ch !== 0x09) || ch === 0x7f) {
      clean = false;
      break;
    }
  }
  if (clean) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    out += (ch < 0x20 && ch !== 0x09) || ch === 0x7f ? ' ' : value.charAt(i);
  }
  return out.trim();
}

function finish(head: string, body: Buffer, encoding: 'utf8' | 'latin1' = 'utf8'): Buffer {
  const text = `${head}Content-Length: ${body.length}\r\n\r\n`;
  const headLen = Buffer.byteLength(text, encoding);
  const out = Buffer.allocUnsafe(headLen + body.length);
  out.write(text, 0, headLen, encoding);
  if (body.length > 0) body.copy(out, headLen);
  return out;
}

function appendHeaders(head: string, headers: readonly HeaderPair[] | undefined): string {
  if (!headers) return head;
  let out = head;
  for (const [name, value] of headers) {
    if (!isToken(name)) continue;
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'l') continue;
    out += `${name}: ${sanitizeHeaderText(value)}\r\n`;
  }
  return out;
}

export function buildResponse(base: ResponseBase, status: number, reason: string, opts: ResponseOptions = {}): Buffer {
  let head = `SIP/2.0 ${status} ${sanitizeHeaderText(reason)}\r\n`;
  for (const via of base.vias) head += `Via: ${via}\r\n`;
  head += `From: ${base.from}\r\n`;
  head += opts.toTag && !base.toHasTag ? `To: ${base.to};tag=${opts.toTag}\r\n` : `To: ${base.to}\r\n`;
  head += `Call-ID: ${base.callId}\r\nCSeq: ${base.cseq}\r\n`;
  head = appendHeaders(head, opts.headers);
  return finish(head, opts.body ?? EMPTY_BODY, base.latin1 ? 'latin1' : 'utf8');
}

export function buildRequest(method: string, uri: string, headers: readonly HeaderPair[], body: Buffer = EMPTY_BODY): Buffer {
  const head = appendHeaders(`${method} ${uri} SIP/2.0\r\n`, headers);
  return finish(head, body);
}
