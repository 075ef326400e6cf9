/**
 * A received request with what the UAS core needs already read from it: the top Via, tags,
 * CSeq, the transaction key, and how to respond (RFC 3261 §8.2.6.2 copies Via/From/To/Call-ID/CSeq;
 * §18.2.1 adds `received`, RFC 3581 fills `rport`; §18.2.2 says where the response goes).
 */
import { bareHost, parseCSeq, parseNameAddr, parseVia, type CSeq, type ParsedNameAddr, type Via } from './header-values.js';
import type { SipRequest } from './message.js';
import type { ResponseBase } from './serializer.js';
import { serverTransactionKey } from './transaction.js';
import { defaultPort, isStreamTransport, type SendTarget, type TransportSource } from './transport.js';

export interface IncomingRequest {
  msg: SipRequest;
  method: string;
  source: TransportSource;
  via: Via;
  callId: string;
  cseq: CSeq;
  from: ParsedNameAddr;
  to: ParsedNameAddr;
  /** From tag ('' when the UAC sent none, as RFC 2543 clients may). */
  fromTag: string;
  toTag?: string;
  txKey: string;
  base: ResponseBase;
  target: SendTarget;
  receivedAt: number;
}

/** RFC 3261 §18.2.1 + RFC 3581 §4: the top Via as echoed in our responses. */
function responseTopVia(via: Via, source: TransportSource): string {
  let raw = via.raw;
  const rport = via.params.has('rport');
  if (rport && via.params.get('rport') === null) raw = raw.replace(/;\s*rport(?=\s*(?:;|$))/i, `;rport=${source.port}`);
  if ((rport || bareHost(via.host) !== source.address) && !via.params.has('received')) raw += `;received=${source.address}`;
  return raw;
}

/**
 * RFC 3261 §18.2.2: over a stream, the connection the request came on (or a new one to the source
 * address and sent-by port); over UDP, the source address and the sent-by port, or the source port
 * when the client asked for rport (RFC 3581 §4).
 */
function responseTarget(via: Via, source: TransportSource): SendTarget {
  if (isStreamTransport(source.transport)) {
    // RFC 3261 §18.2.2 / §19.1.2: without a sent-by port, 5061 for TLS and 5060 otherwise.
    const t: SendTarget = { transport: source.transport, address: source.address, port: via.port ?? defaultPort(source.transport) };
    if (source.connectionId !== undefined) t.connectionId = source.connectionId;
    return t;
  }
  return { transport: 'udp', address: source.address, port: via.params.has('rport') ? source.port : (via.port ?? 5060) };
}

function hasTag(value: string): boolean {
  const parsed = parseNameAddr(value);
  if (parsed) return parsed.tag !== undefined;
  return /;\s*tag\s*=/i.test(value);
}

/**
 * The response envelope for any request whose Via parses, valid or not: used to answer 400 to a
 * request that failed validation but still names where the answer goes.
 */
export function responseEnvelope(msg: SipRequest, source: TransportSource): { base: ResponseBase; target: SendTarget } | null {
  const h = msg.headers;
  const vias = h.list('via');
  const top = parseVia(vias[0] ?? '');
  if (!top) return null;
  const to = h.get('to') ?? '';
  return {
    base: {
      vias: [responseTopVia(top, source), ...vias.slice(1)],
      from: h.get('from') ?? '',
      to,
      toHasTag: hasTag(to),
      callId: h.get('call-id') ?? '',
      cseq: h.get('cseq') ?? '',
      ...(msg.latin1 ? { latin1: true } : {}),
    },
    target: responseTarget(top, source),
  };
}

/** Reads a validated request. Returns null only if validation was skipped and something is missing. */
export function describeRequest(msg: SipRequest, source: TransportSource, now: number): IncomingRequest | null {
  const h = msg.headers;
  const vias = h.list('via');
  const via = parseVia(vias[0] ?? '');
  const from = parseNameAddr(h.get('from') ?? '');
  const toRaw = h.get('to') ?? '';
  const to = parseNameAddr(toRaw);
  const cseq = parseCSeq(h.get('cseq') ?? '');
  const callId = h.get('call-id');
  if (!via || !from || !to || !cseq || !callId) return null;
  const fromTag = from.tag ?? '';
  const req: IncomingRequest = {
    msg,
    method: msg.method,
    source,
    via,
    callId,
    cseq,
    from,
    to,
    fromTag,
    txKey: serverTransactionKey(via, msg.method, { callId, cseq: cseq.seq, fromTag, viaRaw: via.raw }),
    base: {
      vias: [responseTopVia(via, source), ...vias.slice(1)],
      from: h.get('from') ?? '',
      to: toRaw,
      toHasTag: to.tag !== undefined,
      callId,
      cseq: h.get('cseq') ?? '',
    },
    target: responseTarget(via, source),
    receivedAt: now,
  };
  if (to.tag !== undefined) req.toTag = to.tag;
  return req;
}
