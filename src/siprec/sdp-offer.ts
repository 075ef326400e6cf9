/**
 * Offer SDP (RFC 4566/8866) → OfferedSdp, for what recording clients actually send.
 *
 * A single linear pass over the lines, written here rather than with sdp-transform: that library's
 * grammar runs a list of regular expressions per attribute line and returns whatever it matched,
 * which is more work on a per-INVITE hot path and hides the two things we must decide ourselves
 * (where an SDP ends, and what counts as hold). This parser never throws and cannot hang: every
 * loop advances over the input once.
 *
 * Interop rules it encodes (../../../shared/notes/siprec-interop.md):
 * - any number of m-lines, labels of any token (`0`, `16777227`, `a_leg`), or none (mixed stream);
 * - direction from the m-line, else the session level, else sendrecv (RFC 4566 §6 default;
 *   Metaswitch/BroadWorks send none); `a=direction:both` (RFC 4145 comedia, SEMS) is not a direction;
 * - connection address from media-level c=, else session-level c=, else the o= address (Ribbon and
 *   Cisco put c= only on the media; Connectel sends no c= at all);
 * - hold: `a=inactive`, or a connection address of 0.0.0.0 (RFC 3264 §8.4 legacy hold; BroadWorks
 *   pause, Webex, Metaswitch `o=`/`c=` 0.0.0.0). With no c= anywhere and o= 0.0.0.0 the stream is
 *   held only when no direction says media flows: Connectel's initial offer is exactly that shape
 *   with `a=sendonly`, and answering it inactive would silence a live call;
 * - codecs in m-line order, rtpmap else the RFC 3551 static table (G.722 is 8000 in SDP, §4.5.2);
 * - a second `v=` line ends the SDP: oracle-acme-2 has a second SDP pasted into its SDP part, and
 *   its m-lines must not become phantom streams. Lines that are not `<letter>=` are skipped.
 */
import { fail, guarded, ok } from './result.js';
import type { Direction, OfferedCodec, OfferedCrypto, OfferedMedia, OfferedSdp, Result, SiprecError } from './types.js';

/** RFC 3551 §6 static audio payload types (plus the telephony ones SRCs actually send). */
const STATIC_PT: ReadonlyMap<number, { name: string; clockRate: number; channels?: number }> = new Map([
  [0, { name: 'PCMU', clockRate: 8000 }],
  [3, { name: 'GSM', clockRate: 8000 }],
  [4, { name: 'G723', clockRate: 8000 }],
  [5, { name: 'DVI4', clockRate: 8000 }],
  [6, { name: 'DVI4', clockRate: 16000 }],
  [7, { name: 'LPC', clockRate: 8000 }],
  [8, { name: 'PCMA', clockRate: 8000 }],
  [9, { name: 'G722', clockRate: 8000 }],
  [10, { name: 'L16', clockRate: 44100, channels: 2 }],
  [11, { name: 'L16', clockRate: 44100 }],
  [12, { name: 'QCELP', clockRate: 8000 }],
  [13, { name: 'CN', clockRate: 8000 }],
  [15, { name: 'G728', clockRate: 8000 }],
  [18, { name: 'G729', clockRate: 8000 }],
]);

interface MediaDraft {
  type: string;
  port: number;
  proto: string;
  formats: string[];
  label?: string;
  address?: string;
  direction?: Direction;
  rtpmap: Map<number, { name: string; clockRate: number; channels?: number }>;
  fmtp: Map<number, string>;
  crypto: OfferedCrypto[];
  rtcpMux: boolean;
  ptime?: number;
}

/** Parse an offer. `sdp` is the SDP text or the raw part bytes (decoded as UTF-8, RFC 4566 §5). */
export function parseSdpOffer(sdp: string | Buffer): Result<OfferedSdp, SiprecError> {
  return guarded('SIPREC_SDP_MALFORMED', () => parseOffer(sdp));
}

function parseOffer(sdp: string | Buffer): Result<OfferedSdp, SiprecError> {
  const text = typeof sdp === 'string' ? sdp : sdp.toString('utf8');
  let originSessionId = '';
  let originVersion = '';
  let originAddress = '';
  let sessionAddress: string | undefined;
  let sessionDirection: Direction | undefined;
  let sawLine = false;
  const media: MediaDraft[] = [];
  let cur: MediaDraft | undefined;

  const len = text.length;
  let pos = 0;
  while (pos < len) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = len;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === 0x0d) end--;
    const lineStart = pos;
    pos = nl + 1;
    // `<type>=<value>`: type is one lowercase letter (RFC 4566 §5). Anything else is skipped.
    if (end - lineStart < 2 || text.charCodeAt(lineStart + 1) !== 0x3d) continue;
    const type = text.charCodeAt(lineStart);
    if (type < 0x61 || type > 0x7a) continue;
    const value = text.slice(lineStart + 2, end).trim();
    if (type === 0x76 /* v */) {
      if (sawLine) break; // a second session description: stop (oracle-acme-2)
      sawLine = true;
      continue;
    }
    sawLine = true;
    switch (type) {
      case 0x6f /* o */: {
        if (cur) break;
        const t = tokens(value);
        originSessionId = t[1] ?? '';
        originVersion = t[2] ?? '';
        originAddress = t[5] ?? '';
        break;
      }
      case 0x63 /* c */: {
        const addr = connectionAddress(value);
        if (addr === undefined) break;
        if (cur) cur.address ??= addr;
        else sessionAddress ??= addr;
        break;
      }
      case 0x6d /* m */: {
        const t = tokens(value);
        const portToken = t[1] ?? '';
        const slash = portToken.indexOf('/'); // `port/count` (RFC 4566 §5.14)
        const port = parseUint(slash < 0 ? portToken : portToken.slice(0, slash));
        if (t.length < 3 || port < 0 || port > 65535) {
          return fail('SIPREC_SDP_MALFORMED', `malformed m-line "${value.slice(0, 80)}"`);
        }
        cur = {
          type: (t[0] ?? '').toLowerCase(),
          port,
          proto: t[2] ?? '',
          formats: t.slice(3),
          rtpmap: new Map(),
          fmtp: new Map(),
          crypto: [],
          rtcpMux: false,
        };
        media.push(cur);
        break;
      }
      case 0x61 /* a */:
        attribute(value, cur, (d) => {
          sessionDirection ??= d;
        });
        break;
    }
  }

  if (!sawLine) {
    return /^\s*$/.test(text) ? fail('SIPREC_NO_SDP', 'empty SDP') : fail('SIPREC_SDP_MALFORMED', 'body has no SDP lines');
  }
  if (media.length === 0) return fail('SIPREC_SDP_MALFORMED', 'SDP has no m-line');

  const out: OfferedMedia[] = media.map((m, index) => {
    const address = m.address ?? sessionAddress ?? originAddress;
    const explicit = m.direction ?? sessionDirection;
    const direction = explicit ?? 'sendrecv';
    const noConnection = m.address === undefined && sessionAddress === undefined;
    const held =
      direction === 'inactive' ||
      (!noConnection && address === '0.0.0.0') ||
      (noConnection && originAddress === '0.0.0.0' && explicit === undefined);
    const om: OfferedMedia = {
      index,
      type: m.type,
      port: m.port,
      proto: m.proto,
      address,
      direction,
      held,
      codecs: codecsOf(m),
      formats: m.formats,
      crypto: m.crypto,
      rtcpMux: m.rtcpMux,
    };
    if (m.label !== undefined) om.label = m.label;
    if (m.ptime !== undefined) om.ptime = m.ptime;
    return om;
  });
  return ok({ originSessionId, originVersion, originAddress, media: out });
}

function attribute(value: string, m: MediaDraft | undefined, sessionDir: (d: Direction) => void): void {
  const colon = value.indexOf(':');
  const name = (colon < 0 ? value : value.slice(0, colon)).trim().toLowerCase();
  const arg = colon < 0 ? '' : value.slice(colon + 1).trim();
  switch (name) {
    case 'sendonly':
    case 'recvonly':
    case 'sendrecv':
    case 'inactive':
      if (colon >= 0) return;
      if (m) m.direction ??= name;
      else sessionDir(name);
      return;
  }
  if (!m) return; // the remaining attributes only matter per m-line
  switch (name) {
    case 'label':
      if (arg) m.label ??= arg;
      return;
    case 'rtcp-mux':
      m.rtcpMux = true;
      return;
    case 'ptime': {
      const p = Number.parseFloat(arg);
      if (Number.isFinite(p) && p > 0) m.ptime ??= p;
      return;
    }
    case 'rtpmap': {
      // a=rtpmap:<pt> <encoding>/<clock>[/<channels>]
      const sp = arg.search(/\s/);
      if (sp < 0) return;
      const pt = parseUint(arg.slice(0, sp));
      const enc = arg.slice(sp + 1).trim().split('/');
      const clockRate = parseUint(enc[1] ?? '');
      if (pt < 0 || pt > 127 || !enc[0] || clockRate <= 0 || m.rtpmap.has(pt)) return;
      const entry: { name: string; clockRate: number; channels?: number } = { name: enc[0], clockRate };
      const ch = parseUint(enc[2] ?? '');
      if (ch > 0) entry.channels = ch;
      m.rtpmap.set(pt, entry);
      return;
    }
    case 'fmtp': {
      const sp = arg.search(/\s/);
      if (sp < 0) return;
      const pt = parseUint(arg.slice(0, sp));
      if (pt >= 0 && !m.fmtp.has(pt)) m.fmtp.set(pt, arg.slice(sp + 1).trim());
      return;
    }
    case 'crypto': {
      // RFC 4568 §9.1: a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]
      const t = tokens(arg);
      const tag = parseUint(t[0] ?? '');
      if (tag < 0 || t.length < 3) return;
      const c: OfferedCrypto = { tag, suite: t[1] ?? '', keyParams: t[2] ?? '' };
      if (t.length > 3) c.sessionParams = t.slice(3).join(' ');
      m.crypto.push(c);
      return;
    }
  }
}

function codecsOf(m: MediaDraft): OfferedCodec[] {
  if (!m.proto.toUpperCase().includes('RTP')) return [];
  const out: OfferedCodec[] = [];
  const seen = new Set<number>();
  for (const f of m.formats) {
    const pt = parseUint(f);
    if (pt < 0 || pt > 127 || seen.has(pt)) continue;
    seen.add(pt);
    const def = m.rtpmap.get(pt) ?? STATIC_PT.get(pt);
    if (def === undefined) continue; // dynamic payload type without rtpmap: unusable
    const c: OfferedCodec = { payloadType: pt, name: def.name, clockRate: def.clockRate };
    if (def.channels !== undefined) c.channels = def.channels;
    const fmtp = m.fmtp.get(pt);
    if (fmtp !== undefined) c.fmtp = fmtp;
    out.push(c);
  }
  return out;
}

/** `IN IP4 192.0.2.1/127/2` → `192.0.2.1` (TTL and count dropped). */
function connectionAddress(value: string): string | undefined {
  const t = tokens(value);
  const addr = t[2];
  if (addr === undefined) return undefined;
  const slash = addr.indexOf('/');
  return slash < 0 ? addr : addr.slice(0, slash);
}

function tokens(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  const len = s.length;
  while (i < len) {
    while (i < len && (s.charCodeAt(i) === 0x20 || s.charCodeAt(i) === 0x09)) i++;
    const start = i;
    while (i < len && s.charCodeAt(i) !== 0x20 && s.charCodeAt(i) !== 0x09) i++;
    if (i > start) out.push(s.slice(start, i));
  }
  return out;
}

/** Non-negative decimal integer, or -1. */
function parseUint(s: string): number {
  if (s.length === 0 || s.length > 10) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}
