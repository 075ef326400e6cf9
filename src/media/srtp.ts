/**
 * SRTP/SRTCP (RFC 3711) for SDES keying (RFC 4568), with node:crypto only. Suites:
 * AES_CM_128_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32 (RFC 4568 §6.2.1; both use an 80-bit tag
 * on SRTCP). Key derivation rate 0 and no MKI, which is what SBCs send.
 *
 * The receive side decrypts in place (the datagram buffer is ours) and returns the new length, or
 * a negative code, so a bad packet costs no allocation beyond the HMAC. `protect*` are for tests
 * and the simulator.
 */
import { createCipheriv, createHmac, type Cipher } from 'node:crypto';
import { CryptoAttributeError } from './errors.js';

export type SrtpSuite = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

export const SRTP_SUITES: readonly SrtpSuite[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];

/** Negative results of unprotect: the packet is dropped and counted. */
export const SRTP_ERR_AUTH = -1;
/** The exact packet index was already accepted: a network duplicate or a replay (§3.3.2). */
export const SRTP_ERR_REPLAY = -2;
export const SRTP_ERR_SHORT = -3;
/** Older than the replay window (§3.3.2): cannot be told from a replay, and too late to use. */
export const SRTP_ERR_OLD = -4;

const MASTER_KEY_BYTES = 16;
const MASTER_SALT_BYTES = 14;
/** RFC 3711 §3.3.2: the minimum replay window is 64; a power of two keeps the slot math a mask. */
const REPLAY_WINDOW = 128;
/** SRTP sessions we track at once: more than one only around an SSRC change. */
const MAX_SSRC_CONTEXTS = 4;

export interface CryptoAttribute {
  tag: number;
  suite: SrtpSuite;
  /** Master key || master salt, 30 octets. */
  keySalt: Buffer;
  /** Key lifetime in packets, when signalled (RFC 4568 §6.1: "2^n" or decimal). */
  lifetime?: number;
}

/** RFC 3711 §4.3.3 key derivation labels. */
const LABEL_RTP_ENCRYPTION = 0;
const LABEL_RTP_AUTH = 1;
const LABEL_RTP_SALT = 2;
const LABEL_RTCP_ENCRYPTION = 3;
const LABEL_RTCP_AUTH = 4;
const LABEL_RTCP_SALT = 5;

export function isSrtpSuite(s: string): s is SrtpSuite {
  return (SRTP_SUITES as readonly string[]).includes(s);
}

/**
 * Parses an `a=crypto` value (RFC 4568 §9.1): `tag SP suite SP key-params [SP session-params]`,
 * with or without the leading `a=crypto:`. Only `inline:` keys, one key, no MKI, no session
 * parameters that change the transform (KDR≠0, UNENCRYPTED_*, UNAUTHENTICATED_SRTP, FEC_*).
 */
export function parseCryptoAttribute(value: string): CryptoAttribute | CryptoAttributeError {
  const text = value.trim().replace(/^a=crypto:/i, '');
  const parts = text.split(/\s+/);
  if (parts.length < 3 || !/^\d{1,9}$/.test(parts[0]!)) return new CryptoAttributeError('syntax');
  const tag = Number(parts[0]);
  const suite = parts[1]!.toUpperCase();
  if (!isSrtpSuite(suite)) return new CryptoAttributeError('unsupported-suite');
  const keyParams = parts[2]!.split(';');
  if (keyParams.length !== 1) return new CryptoAttributeError('multiple-keys');
  const m = /^inline:([^|]+)(?:\|([^|]+))?(?:\|([^|]+))?$/i.exec(keyParams[0]!);
  if (!m) return new CryptoAttributeError(/^inline:/i.test(keyParams[0]!) ? 'syntax' : 'bad-key-method');
  const keySalt = decodeKeySalt(m[1]!);
  if (keySalt instanceof CryptoAttributeError) return keySalt;
  let lifetime: number | undefined;
  for (const extra of [m[2], m[3]]) {
    if (extra === undefined) continue;
    // §6.1: lifetime is "2^n" or a decimal; MKI is "value:length". We do not support MKI (§6.1:
    // a receiver that cannot must reject the line), since the packet would carry an MKI field.
    if (extra.includes(':')) return new CryptoAttributeError('mki-unsupported');
    const pow = /^2\^(\d{1,2})$/.exec(extra);
    if (pow) lifetime = 2 ** Number(pow[1]);
    else if (/^\d{1,15}$/.test(extra)) lifetime = Number(extra);
    else return new CryptoAttributeError('bad-lifetime');
  }
  for (const param of parts.slice(3)) {
    const [name, arg] = param.split('=');
    if (name === 'KDR' && arg === '0') continue;
    if (name === 'WSH') continue; // window size hint: ours is larger than the minimum anyway
    return new CryptoAttributeError('unsupported-session-param');
  }
  return lifetime === undefined ? { tag, suite, keySalt } : { tag, suite, keySalt, lifetime };
}

/** Decodes the base64 key||salt of an inline key (30 octets for AES_CM_128). */
export function decodeKeySalt(base64: string): Buffer | CryptoAttributeError {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return new CryptoAttributeError('syntax');
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== MASTER_KEY_BYTES + MASTER_SALT_BYTES) return new CryptoAttributeError('bad-key-length');
  return raw;
}

/** The inline value for an a=crypto line: base64(key||salt). */
export function encodeKeySalt(masterKey: Uint8Array, masterSalt: Uint8Array): string {
  return Buffer.concat([masterKey, masterSalt]).toString('base64');
}

/** AES-CM keystream (RFC 3711 §4.1.1) of `length` octets from a 16-octet initial counter block. */
export function aesCmKeystream(key: Uint8Array, iv: Uint8Array, length: number): Buffer {
  const ecb = createCipheriv('aes-128-ecb', key, null);
  ecb.setAutoPadding(false);
  const blocks = Math.ceil(length / 16);
  const counters = Buffer.alloc(blocks * 16);
  for (let j = 0; j < blocks; j++) {
    counters.set(iv, j * 16);
    // §4.1.1: the block counter is added to the low 16 bits of the IV (which are zero for SRTP).
    const c = ((iv[14]! << 8) | iv[15]!) + j;
    counters[j * 16 + 14] = (c >> 8) & 0xff;
    counters[j * 16 + 15] = c & 0xff;
  }
  return ecb.update(counters).subarray(0, length);
}

/** RFC 3711 §4.3.1 with key_derivation_rate 0: x = (label << 48) XOR master_salt, PRF = AES-CM. */
export function deriveSessionKey(masterKey: Uint8Array, masterSalt: Uint8Array, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.set(masterSalt, 0);
  // key_id = label || r (r = index DIV kdr = 0, 48 bits), right-aligned in the 112-bit salt.
  iv[7]! ^= label;
  return Buffer.from(aesCmKeystream(masterKey, iv, length));
}

interface Transform {
  cipherKey: Buffer;
  salt: Buffer;
  authKey: Buffer;
  /** One ECB cipher reused for every packet: AES-CM only needs E_k on counter blocks. */
  ecb: Cipher;
}

function makeTransform(masterKey: Buffer, masterSalt: Buffer, labels: readonly [number, number, number]): Transform {
  const cipherKey = deriveSessionKey(masterKey, masterSalt, labels[0], 16);
  const authKey = deriveSessionKey(masterKey, masterSalt, labels[1], 20);
  const salt = deriveSessionKey(masterKey, masterSalt, labels[2], 14);
  const ecb = createCipheriv('aes-128-ecb', cipherKey, null);
  ecb.setAutoPadding(false);
  return { cipherKey, salt, authKey, ecb };
}

/** Receive/send state of one SSRC (RFC 3711 §3.2.1 crypto context, the per-SSRC part). */
interface SsrcState {
  /** Rollover counter and highest sequence number s_l (§3.3.1). */
  roc: number;
  sl: number;
  /** Highest authenticated packet index, and the replay ring: slot index & mask holds the index seen. */
  highest: number;
  seen: Float64Array;
}

function newState(seq: number): SsrcState {
  const seen = new Float64Array(REPLAY_WINDOW).fill(-1);
  return { roc: 0, sl: seq, highest: -1, seen };
}

/**
 * One SRTP crypto context for one direction (RFC 3711 §3.2): session keys for RTP and RTCP plus
 * per-SSRC rollover and replay state. Create one for receiving and, in tests, one for sending.
 */
export class SrtpSession {
  readonly suite: SrtpSuite;
  readonly tagBytes: number;
  private readonly rtp: Transform;
  private readonly rtcp: Transform;
  private readonly states = new Map<number, SsrcState>();
  /** Sender side: next SRTCP index per SSRC (§3.4, 31 bits). */
  private readonly rtcpIndex = new Map<number, number>();
  private readonly rtcpSeen = new Map<number, SsrcState>();
  /** Scratch for counter blocks: one MTU-sized buffer per session, reused. */
  private counters = Buffer.alloc(96 * 16);
  private readonly iv = Buffer.alloc(16);
  private readonly rocBytes = Buffer.alloc(4);

  constructor(suite: SrtpSuite, keySalt: Buffer) {
    if (keySalt.length !== MASTER_KEY_BYTES + MASTER_SALT_BYTES) throw new CryptoAttributeError('bad-key-length');
    this.suite = suite;
    this.tagBytes = suite === 'AES_CM_128_HMAC_SHA1_32' ? 4 : 10;
    const masterKey = keySalt.subarray(0, MASTER_KEY_BYTES);
    const masterSalt = keySalt.subarray(MASTER_KEY_BYTES);
    this.rtp = makeTransform(masterKey, masterSalt, [LABEL_RTP_ENCRYPTION, LABEL_RTP_AUTH, LABEL_RTP_SALT]);
    this.rtcp = makeTransform(masterKey, masterSalt, [LABEL_RTCP_ENCRYPTION, LABEL_RTCP_AUTH, LABEL_RTCP_SALT]);
  }

  /** From an a=crypto inline value (base64 key||salt). */
  static fromKeying(suite: string, keySaltBase64: string): SrtpSession | CryptoAttributeError {
    if (!isSrtpSuite(suite)) return new CryptoAttributeError('unsupported-suite');
    const keySalt = decodeKeySalt(keySaltBase64);
    if (keySalt instanceof CryptoAttributeError) return keySalt;
    return new SrtpSession(suite, keySalt);
  }

  /**
   * Authenticates, replay-checks and decrypts `buf[0, length)` in place (§3.3). Returns the RTP
   * length without the tag, or SRTP_ERR_*. Rollover and replay state only move once the tag checks.
   */
  unprotectRtp(buf: Buffer, length: number): number {
    const tagBytes = this.tagBytes;
    if (length < 12 + tagBytes) return SRTP_ERR_SHORT;
    const end = length - tagBytes;
    const seq = (buf[2]! << 8) | buf[3]!;
    const ssrc = ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
    let st = this.states.get(ssrc);
    const fresh = st === undefined;
    st ??= newState(seq);

    // §3.3.1 (Appendix A): guess the ROC the sender used, from s_l.
    let v: number;
    if (st.sl < 32768) v = seq - st.sl > 32768 ? st.roc - 1 : st.roc;
    else v = st.sl - 32768 > seq ? st.roc + 1 : st.roc;
    if (v < 0) return SRTP_ERR_OLD; // before the first packet we saw: cannot be fresh
    const index = v * 65536 + seq;

    // §3.3.2: replay check before spending an HMAC.
    if (st.highest >= 0) {
      if (index <= st.highest - REPLAY_WINDOW) return SRTP_ERR_OLD;
      if (st.seen[index % REPLAY_WINDOW] === index) return SRTP_ERR_REPLAY;
    }

    // §4.2: HMAC-SHA1(auth_key, authenticated portion || ROC), truncated.
    const roc = this.rocBytes;
    roc[0] = v >>> 24;
    roc[1] = (v >>> 16) & 0xff;
    roc[2] = (v >>> 8) & 0xff;
    roc[3] = v & 0xff;
    const mac = createHmac('sha1', this.rtp.authKey).update(buf.subarray(0, end)).update(roc).digest();
    if (!tagMatches(mac, buf, end, tagBytes)) return SRTP_ERR_AUTH;

    const payloadStart = rtpPayloadStart(buf, end);
    if (payloadStart < 0) return SRTP_ERR_SHORT;
    this.xorKeystream(this.rtp, buf, payloadStart, end, ssrc, v, seq);

    // §3.3.1: update s_l and ROC only for an authenticated packet.
    if (fresh) {
      if (this.states.size >= MAX_SSRC_CONTEXTS) this.states.delete(this.states.keys().next().value!);
      this.states.set(ssrc, st);
    }
    if (v === st.roc + 1) {
      st.roc = v;
      st.sl = seq;
    } else if (v === st.roc && seq > st.sl) {
      st.sl = seq;
    }
    if (index > st.highest) st.highest = index;
    st.seen[index % REPLAY_WINDOW] = index;
    return end;
  }

  /** Encrypts and authenticates an RTP packet (§3.1), tracking the sender's ROC per SSRC. */
  protectRtp(packet: Uint8Array): Buffer {
    const out = Buffer.alloc(packet.length + this.tagBytes);
    out.set(packet, 0);
    const seq = (out[2]! << 8) | out[3]!;
    const ssrc = out.readUInt32BE(8);
    let st = this.states.get(ssrc);
    if (!st) {
      st = newState(seq);
      this.states.set(ssrc, st);
    } else {
      // The sender knows its own index: a sequence number that went down by more than half the
      // space wrapped (§3.3.1, sender side).
      if (seq < st.sl && st.sl - seq > 32768) st.roc++;
      if (seq > st.sl || st.sl - seq > 32768) st.sl = seq;
    }
    const payloadStart = rtpPayloadStart(out, packet.length);
    if (payloadStart < 0) throw new RangeError('not an RTP packet');
    this.xorKeystream(this.rtp, out, payloadStart, packet.length, ssrc, st.roc, seq);
    const roc = Buffer.alloc(4);
    roc.writeUInt32BE(st.roc >>> 0, 0);
    const mac = createHmac('sha1', this.rtp.authKey).update(out.subarray(0, packet.length)).update(roc).digest();
    mac.copy(out, packet.length, 0, this.tagBytes);
    return out;
  }

  /**
   * SRTCP (§3.4): `header(8) | encrypted | E||index(4) | tag(10)`; the tag is 80 bits for both
   * suites (RFC 4568 §6.2.1). Returns the RTCP length without trailer, or SRTP_ERR_*.
   */
  unprotectRtcp(buf: Buffer, length: number): number {
    const tagBytes = 10;
    if (length < 8 + 4 + tagBytes) return SRTP_ERR_SHORT;
    const end = length - tagBytes;
    const mac = createHmac('sha1', this.rtcp.authKey).update(buf.subarray(0, end)).digest();
    if (!tagMatches(mac, buf, end, tagBytes)) return SRTP_ERR_AUTH;
    const word = buf.readUInt32BE(end - 4);
    const encrypted = (word & 0x80000000) !== 0;
    const index = word & 0x7fffffff;
    const ssrc = buf.readUInt32BE(4);
    let st = this.rtcpSeen.get(ssrc);
    if (st && st.highest >= 0) {
      if (index <= st.highest - REPLAY_WINDOW) return SRTP_ERR_OLD;
      if (st.seen[index % REPLAY_WINDOW] === index) return SRTP_ERR_REPLAY;
    }
    if (!st) {
      if (this.rtcpSeen.size >= MAX_SSRC_CONTEXTS) this.rtcpSeen.delete(this.rtcpSeen.keys().next().value!);
      st = newState(0);
      this.rtcpSeen.set(ssrc, st);
    }
    if (encrypted) this.xorKeystream(this.rtcp, buf, 8, end - 4, ssrc, 0, index);
    if (index > st.highest) st.highest = index;
    st.seen[index % REPLAY_WINDOW] = index;
    return end - 4;
  }

  protectRtcp(packet: Uint8Array): Buffer {
    const ssrc = Buffer.from(packet.buffer, packet.byteOffset, packet.length).readUInt32BE(4);
    const index = this.rtcpIndex.get(ssrc) ?? 0;
    this.rtcpIndex.set(ssrc, (index + 1) & 0x7fffffff);
    const out = Buffer.alloc(packet.length + 4 + 10);
    out.set(packet, 0);
    this.xorKeystream(this.rtcp, out, 8, packet.length, ssrc, 0, index);
    out.writeUInt32BE((0x80000000 | index) >>> 0, packet.length);
    const mac = createHmac('sha1', this.rtcp.authKey).update(out.subarray(0, packet.length + 4)).digest();
    mac.copy(out, packet.length + 4, 0, 10);
    return out;
  }

  /**
   * §4.1.1: IV = (k_s · 2^16) XOR (SSRC · 2^64) XOR (i · 2^16), with the 48-bit index i = ROC||SEQ
   * (for SRTCP, i is the 31-bit SRTCP index: pass hi = 0, lo = index).
   */
  private xorKeystream(t: Transform, buf: Buffer, start: number, end: number, ssrc: number, hi: number, lo: number): void {
    const n = end - start;
    if (n <= 0) return;
    const iv = this.iv;
    const salt = t.salt;
    for (let k = 0; k < 14; k++) iv[k] = salt[k]!;
    iv[4]! ^= ssrc >>> 24;
    iv[5]! ^= (ssrc >>> 16) & 0xff;
    iv[6]! ^= (ssrc >>> 8) & 0xff;
    iv[7]! ^= ssrc & 0xff;
    // i · 2^16 occupies octets 8..13: hi is the ROC (32 bits) over lo (16 bits) for SRTP; for SRTCP
    // lo is a 31-bit index that spills into octets 10..11.
    const index = hi * 65536 + lo;
    const top = Math.floor(index / 2 ** 32);
    const bottom = index >>> 0;
    iv[8]! ^= (top >>> 8) & 0xff;
    iv[9]! ^= top & 0xff;
    iv[10]! ^= bottom >>> 24;
    iv[11]! ^= (bottom >>> 16) & 0xff;
    iv[12]! ^= (bottom >>> 8) & 0xff;
    iv[13]! ^= bottom & 0xff;
    const blocks = (n + 15) >> 4;
    if (blocks * 16 > this.counters.length) this.counters = Buffer.alloc(blocks * 16);
    const counters = this.counters;
    // Byte loops, not Buffer#copy: for 14 octets the native call costs more than the copy.
    for (let j = 0; j < blocks; j++) {
      const o = j << 4;
      for (let k = 0; k < 14; k++) counters[o + k] = iv[k]!;
      counters[o + 14] = (j >> 8) & 0xff;
      counters[o + 15] = j & 0xff;
    }
    const ks = t.ecb.update(blocks * 16 === counters.length ? counters : counters.subarray(0, blocks * 16));
    for (let k = 0; k < n; k++) buf[start + k]! ^= ks[k]!;
  }
}

/**
 * Compares the truncated HMAC with the packet's tag in constant time (RFC 3711 §9.4 warns against
 * early-exit comparison): every octet is looked at whatever the first difference.
 */
function tagMatches(mac: Buffer, buf: Buffer, at: number, tagBytes: number): boolean {
  let diff = 0;
  for (let k = 0; k < tagBytes; k++) diff |= mac[k]! ^ buf[at + k]!;
  return diff === 0;
}

/** Offset of the RTP payload (after CSRCs and extension), or -1; SRTP encrypts only the payload. */
function rtpPayloadStart(buf: Uint8Array, end: number): number {
  const b0 = buf[0]!;
  let offset = 12 + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (offset + 4 > end) return -1;
    offset += 4 + ((buf[offset + 2]! << 8) | buf[offset + 3]!) * 4;
  }
  return offset > end ? -1 : offset;
}
