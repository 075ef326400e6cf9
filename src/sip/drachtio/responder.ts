/**
 * How the drachtio adapter answers through drachtio-srf: every response it sends, counted by
 * status, with our Server header, and the headers of our 2xx.
 */
import type { Logger } from '../../log.js';
import type { SipHeaders } from '../native/message.js';
import { ALLOW, headerRefusal, SUPPORTED } from '../request-rules.js';
import { headerRecord, parseRawRequest, timerResponseHeaders, type ParsedRequest, type TimerDecision } from './drachtio-message.js';
import type { SrfResponse } from './srf-binding.js';
import { errorText } from './uas-session.js';

export class Responder {
  /** Responses this application sent, by status (drachtio-server's own 100, 487 and 481 are not counted). */
  readonly responsesByCode: Record<number, number> = {};

  constructor(
    private readonly log: Logger,
    private readonly userAgent: string | undefined,
  ) {}

  /** Sends a response; never throws. A status drachtio-srf does not know goes out as its class's x00. */
  respond(res: SrfResponse, status: number, reason?: string, headers: Record<string, string> = {}, body?: string): void {
    if (res.finalResponseSent) return;
    const send = (code: number): void => {
      const all = { ...headers, ...(this.userAgent && !headers['Server'] ? { Server: this.userAgent } : {}) };
      res.send(code, reason, { headers: all, ...(body !== undefined ? { body } : {}) }, (err) => {
        if (err) this.log.debug({ status: code, err: errorText(err) }, 'drachtio response not sent');
      });
      this.count(code);
    };
    try {
      send(status);
    } catch {
      // Response#send throws for a status sip-status lacks (e.g. 499): keep the class.
      try {
        send(Math.floor(status / 100) * 100);
      } catch (err) {
        this.log.error({ err, status }, 'drachtio response failed');
      }
    }
  }

  /** The request re-parsed from drachtio-srf's raw text, or null when it is malformed (and answered so). */
  parse(res: SrfResponse, raw: string): ParsedRequest | null {
    const parsed = parseRawRequest(raw);
    if (!('error' in parsed)) return parsed;
    this.respond(res, parsed.status, parsed.error);
    return null;
  }

  /** The header rules both adapters share (src/sip/request-rules.ts): true when the request was refused (and answered). */
  refusedByHeaders(res: SrfResponse, headers: SipHeaders): boolean {
    const refusal = headerRefusal(headers);
    if (!refusal) return false;
    this.respond(res, refusal.status, refusal.reason, headerRecord(refusal.headers));
    return true;
  }

  /** Counts a 200 drachtio-srf sends for us (createUAS). */
  count(status: number): void {
    this.responsesByCode[status] = (this.responsesByCode[status] ?? 0) + 1;
  }

  /** Headers of our 2xx: Contact with +sip.srs, Allow, Supported, the negotiated timer (RFC 4028 §9). */
  okHeaders(contact: string | undefined, decision: TimerDecision, withSdp: boolean): Record<string, string> {
    return headerRecord([
      ...(contact ? ([['Contact', contact]] as const) : []),
      ['Allow', ALLOW],
      ['Supported', SUPPORTED],
      ...timerResponseHeaders(decision),
      ...(withSdp ? ([['Content-Type', 'application/sdp']] as const) : []),
      ...(this.userAgent ? ([['Server', this.userAgent]] as const) : []),
    ]);
  }
}
