/**
 * Frames SIP messages on a byte stream (TCP, TLS): RFC 3261 §18.3 requires Content-Length on
 * stream transports, and a message may span chunks or several may share one. RFC 5626 §4.4.1
 * double-CRLF keep-alive pings are reported so the transport can answer with a single CRLF.
 */
import { SipParseError } from './errors.js';
import {
  assembleMessage,
  bodyTooLarge,
  contentLengthOf,
  findHeaderEnd,
  parseHead,
  type ParsedHead,
  type ParseOptions,
  type ParseResult,
} from './parser.js';
import { EMPTY_BODY, type SipRequest } from './message.js';

export type StreamFrame =
  /** A framed message (or a framed message that failed validation: the stream is still in sync). */
  | { type: 'message'; result: ParseResult }
  /** RFC 5626 §4.4.1 CRLFCRLF ping: answer with CRLF. */
  | { type: 'keepalive' }
  /** Framing is lost (no Content-Length, oversize, body over the limit): answer if possible, then close the connection. */
  | { type: 'fatal'; error: SipParseError; partial?: SipRequest };

const CR = 0x0d;
const LF = 0x0a;
const CRLF = Buffer.from('\r\n');

interface AwaitingBody {
  head: ParsedHead;
  /** Offsets relative to the start of `pending`. */
  bodyStart: number;
  length: number;
}

export class StreamFramer {
  private pending: Buffer = EMPTY_BODY;
  /** Where the blank-line search resumes in `pending`, so a slow header section is scanned once. */
  private scanFrom = 0;
  private awaiting: AwaitingBody | null = null;
  private failed = false;

  constructor(private readonly opts: ParseOptions) {}

  /** Bytes held while waiting for the rest of a message. */
  get buffered(): number {
    return this.pending.length;
  }

  /**
   * A message has started and is not complete yet (header section or body). CR and LF held at a
   * message boundary (half a keep-alive ping, a stray CRLF) do not count.
   */
  get inMessage(): boolean {
    if (this.awaiting) return true;
    const first = this.pending[0];
    return first !== undefined && first !== CR && first !== LF;
  }

  push(chunk: Buffer): StreamFrame[] {
    const frames: StreamFrame[] = [];
    if (this.failed) return frames;
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    for (;;) {
      if (this.awaiting) {
        const { head, bodyStart, length } = this.awaiting;
        if (buf.length - offset < bodyStart + length) break;
        const abs = offset + bodyStart;
        const body = length === 0 ? EMPTY_BODY : buf.subarray(abs, abs + length);
        frames.push({ type: 'message', result: assembleMessage(head, body) });
        offset = abs + length;
        this.awaiting = null;
        this.scanFrom = 0;
        continue;
      }
      // At a message boundary: CRLF before a start line is ignored (RFC 3261 §7.5), CRLFCRLF is a ping.
      let waitForMore = false;
      while (offset < buf.length) {
        const c = buf[offset];
        if (c !== CR && c !== LF) break;
        if (c === CR) {
          const avail = buf.length - offset;
          if (avail >= 4 && buf[offset + 1] === LF && buf[offset + 2] === CR && buf[offset + 3] === LF) {
            frames.push({ type: 'keepalive' });
            offset += 4;
            continue;
          }
          if (avail < 4 && isPingPrefix(buf, offset)) {
            waitForMore = true;
            break;
          }
          offset += buf[offset + 1] === LF ? 2 : 1;
        } else offset += 1;
      }
      if (waitForMore || offset >= buf.length) break;
      const end = findHeaderEnd(buf, Math.max(offset, offset + this.scanFrom));
      if (!end) {
        if (buf.length - offset > this.opts.maxBytes) {
          // The header section alone is too large. Parse the complete lines received within the limit so
          // the 513 can still be answered when Via, From, To, Call-ID and CSeq came first (as docs/sip.md
          // promises); the parse is bounded by the limit, not by what the peer sends.
          const error = new SipParseError('SIP_TOO_LARGE', 'Message Too Large', 513);
          const lastLine = buf.lastIndexOf(CRLF, offset + this.opts.maxBytes);
          frames.push(this.fail(lastLine > offset ? fatal(error, parseHead(buf, offset, lastLine, this.opts.maxHeaders)) : { type: 'fatal', error }));
          return frames;
        }
        // Resume a little before the end: the blank line may straddle the chunk boundary.
        this.scanFrom = Math.max(0, buf.length - offset - 3);
        break;
      }
      this.scanFrom = 0;
      const head = parseHead(buf, offset, end.headEnd, this.opts.maxHeaders);
      const cl = contentLengthOf(head.headers);
      if (cl === undefined || cl === null) {
        const error =
          cl === undefined
            ? new SipParseError('SIP_MISSING_CONTENT_LENGTH', 'Missing Content-Length')
            : new SipParseError('SIP_BAD_CONTENT_LENGTH', 'Malformed Content-Length');
        frames.push(this.fail(fatal(error, head)));
        return frames;
      }
      if (this.opts.maxBodyBytes !== undefined && cl > this.opts.maxBodyBytes) {
        // Rejected from the header alone, before the body is buffered; skipping a body we will not
        // read costs as much as reading it, so the connection ends here (RFC 3261 §21.4.11 lets it).
        frames.push(this.fail(fatal(bodyTooLarge(), head)));
        return frames;
      }
      const bodyStart = end.bodyStart - offset;
      if (bodyStart + cl > this.opts.maxBytes) {
        frames.push(this.fail(fatal(new SipParseError('SIP_TOO_LARGE', 'Message Too Large', 513), head)));
        return frames;
      }
      this.awaiting = { head, bodyStart, length: cl };
    }
    this.pending = offset >= buf.length ? EMPTY_BODY : buf.subarray(offset);
    return frames;
  }

  /** Framing is lost for good: nothing more is parsed and nothing received is kept. */
  private fail(frame: StreamFrame): StreamFrame {
    this.failed = true;
    this.pending = EMPTY_BODY;
    this.awaiting = null;
    return frame;
  }
}

function isPingPrefix(buf: Buffer, offset: number): boolean {
  const ping = [CR, LF, CR, LF];
  for (let i = offset, k = 0; i < buf.length; i++, k++) if (buf[i] !== ping[k]) return false;
  return true;
}

function fatal(error: SipParseError, head: ParsedHead): StreamFrame {
  if (!head.request) return { type: 'fatal', error };
  return {
    type: 'fatal',
    error,
    partial: { kind: 'request', method: head.request.method, uri: head.request.uri, headers: head.headers, body: EMPTY_BODY },
  };
}
