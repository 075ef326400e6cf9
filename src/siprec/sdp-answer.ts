/**
 * The SRS answer (RFC 3264 offer/answer as constrained by RFC 7866 §8 and real SRCs):
 * plain application/sdp text with CRLF line ends; exactly one m-line per offered m-line, in the
 * offer's order (RFC 3264 §6); each accepted stream `a=recvonly` (the SRS never sends media), or
 * `a=inactive` when the offered stream is held/inactive; `a=label` echoed (SRCs map streams by it);
 * port 0 with the offered format list for a rejected stream; RTP/SAVP keeps its proto and carries
 * the given `a=crypto` (RFC 4568). A full SDP is built every time, for re-INVITEs and UPDATEs too.
 */
import type { OfferedCodec, OfferedMedia, OfferedSdp } from './types.js';

export interface AnswerMedia {
  /** Local RTP port; 0 rejects the stream. */
  port: number;
  /** The codec we receive; a stream without one is rejected. */
  codec?: OfferedCodec;
  /** RFC 4733 events, answered only when offered (pass the offered entry). */
  telephoneEvent?: OfferedCodec;
  /** Our SDES crypto line for RTP/SAVP (`1 AES_CM_128_HMAC_SHA1_80 inline:…`, `a=crypto:` optional). */
  crypto?: string;
}

export interface AnswerLocal {
  /** Our media address (IPv4 or IPv6). */
  address: string;
  /** o= session id: stable for the dialog. */
  sessionId: string;
  /** o= version: incremented on every answer that changes anything (RFC 3264 §8). */
  version: number;
  userAgent?: string;
}

/** Codecs the media layer decodes. opus is not decodable yet, so it is never chosen. */
const DECODABLE: ReadonlySet<string> = new Set(['PCMU/8000', 'PCMA/8000', 'G722/8000']);

/** The first codec in the offer's preference order that we decode (telephone-event/CN skipped). */
export function chooseCodec(media: OfferedMedia): OfferedCodec | undefined {
  if (media.type !== 'audio') return undefined;
  for (const c of media.codecs) {
    if (DECODABLE.has(`${c.name.toUpperCase()}/${c.clockRate}`) && (c.channels ?? 1) === 1) return c;
  }
  return undefined;
}

/**
 * The offered telephone-event whose clock matches the chosen codec's RTP clock (RFC 4733 §2.1:
 * events share the audio stream's timestamp clock; G.722's RTP clock is 8000). Webex offers
 * telephone-event at both 8000 and 48000.
 */
export function chooseTelephoneEvent(media: OfferedMedia, codec: OfferedCodec): OfferedCodec | undefined {
  for (const c of media.codecs) {
    if (c.name.toLowerCase() === 'telephone-event' && c.clockRate === codec.clockRate) return c;
  }
  return undefined;
}

export function buildAnswer(offer: OfferedSdp, media: AnswerMedia[], local: AnswerLocal): string {
  const address = sanitise(local.address);
  const ipVer = address.includes(':') ? 'IP6' : 'IP4';
  const ua = sanitise(local.userAgent ?? '') || 'callguard';
  const username = ua.replace(/\s+/g, '-');
  const lines: string[] = [
    'v=0',
    `o=${username} ${sanitise(local.sessionId).replace(/\s+/g, '') || '0'} ${Number.isFinite(local.version) ? Math.max(0, Math.trunc(local.version)) : 0} IN ${ipVer} ${address}`,
    `s=${ua}`,
    `c=IN ${ipVer} ${address}`,
    't=0 0',
  ];
  offer.media.forEach((m, i) => {
    const a = media[i];
    const type = sanitise(m.type) || 'audio';
    const proto = sanitise(m.proto) || 'RTP/AVP';
    const label = m.label === undefined ? undefined : sanitise(m.label);
    const savp = proto.toUpperCase().includes('SAVP');
    const crypto = a?.crypto === undefined ? undefined : sanitise(a.crypto.replace(/^a=crypto:/i, ''));
    const accepted =
      a !== undefined &&
      a.codec !== undefined &&
      Number.isInteger(a.port) &&
      a.port > 0 &&
      a.port <= 65535 &&
      // RFC 4568: an SAVP stream cannot be answered without our key
      (!savp || (crypto !== undefined && crypto.length > 0));
    if (!accepted || a === undefined || a.codec === undefined) {
      // Rejected (RFC 3264 §6): port 0, the offered formats kept so the m-line stays well-formed.
      const formats = m.formats && m.formats.length > 0 ? m.formats : m.codecs.map((c) => String(c.payloadType));
      lines.push(`m=${type} 0 ${proto} ${formats.length > 0 ? sanitise(formats.join(' ')) : '0'}`);
      if (label) lines.push(`a=label:${label}`);
      return;
    }
    const codecs = [a.codec];
    if (a.telephoneEvent !== undefined && a.telephoneEvent.payloadType !== a.codec.payloadType) codecs.push(a.telephoneEvent);
    lines.push(`m=${type} ${a.port} ${proto} ${codecs.map((c) => c.payloadType).join(' ')}`);
    for (const c of codecs) {
      lines.push(`a=rtpmap:${c.payloadType} ${sanitise(c.name)}/${c.clockRate}${c.channels !== undefined && c.channels > 1 ? `/${c.channels}` : ''}`);
      if (c.fmtp !== undefined) lines.push(`a=fmtp:${c.payloadType} ${sanitise(c.fmtp)}`);
    }
    if (m.ptime !== undefined) lines.push(`a=ptime:${m.ptime}`);
    if (m.rtcpMux) lines.push('a=rtcp-mux'); // RFC 5761 §5.1.1: echo to accept
    if (savp && crypto !== undefined) lines.push(`a=crypto:${crypto}`);
    if (label) lines.push(`a=label:${label}`);
    // We never send. An offer that is held/inactive, or that wants to receive only, gets inactive.
    lines.push(m.held || m.direction === 'inactive' || m.direction === 'recvonly' ? 'a=inactive' : 'a=recvonly');
  });
  return `${lines.join('\r\n')}\r\n`;
}

/** No control characters (line breaks above all) may reach the SDP from configuration or peers. */
function sanitise(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
}
