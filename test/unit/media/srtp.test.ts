import { describe, expect, it } from 'vitest';
import { CryptoAttributeError } from '../../../src/media/errors.js';
import { writeRtp } from '../../../src/media/rtp-packet.js';
import {
  aesCmKeystream,
  deriveSessionKey,
  encodeKeySalt,
  parseCryptoAttribute,
  SRTP_ERR_AUTH,
  SRTP_ERR_OLD,
  SRTP_ERR_REPLAY,
  SrtpSession,
  type SrtpSuite,
} from '../../../src/media/srtp.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MASTER_KEY = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
const MASTER_SALT = hex('0EC675AD498AFEEBB6960B3AABE6');
const KEY_SALT = Buffer.concat([MASTER_KEY, MASTER_SALT]);

describe('RFC 3711 Appendix B test vectors', () => {
  it('B.2: AES-CM keystream', () => {
    const ks = aesCmKeystream(hex('2B7E151628AED2A6ABF7158809CF4F3C'), hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000'), 65282 * 16);
    expect(ks.subarray(0, 48).toString('hex').toUpperCase()).toBe(
      'E03EAD0935C95E80E166B16DD92B4EB4' + 'D23513162B02D0F72A43A2FE4A5F97AB' + '41E95B3BB0A2E8DD477901E4FCA894C0',
    );
    expect(ks.subarray(0xfeff * 16, 0xff02 * 16).toString('hex').toUpperCase()).toBe(
      'EC8CDF7398607CB0F2D21675EA9EA1E4' + '362B7C3C6773516318A077D7FC5073AE' + '6A2CC3787889374FBEB4C81B17BA6C44',
    );
  });

  it('B.3: key derivation (kdr 0)', () => {
    expect(deriveSessionKey(MASTER_KEY, MASTER_SALT, 0, 16).toString('hex')).toBe('c61e7a93744f39ee10734afe3ff7a087');
    expect(deriveSessionKey(MASTER_KEY, MASTER_SALT, 2, 14).toString('hex')).toBe('30cbbc08863d8c85d49db34a9ae1');
    expect(deriveSessionKey(MASTER_KEY, MASTER_SALT, 1, 20).toString('hex')).toBe('cebe321f6ff7716b6fd4ab49af256a156d38baa4');
  });
});

describe('SRTP packets (libsrtp srtp_validate vectors: same master key, SSRC cafebabe, SEQ 1234)', () => {
  const plain = hex('800f1234decafbadcafebabe' + 'ab'.repeat(16));
  const cipher80 = hex('800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb');

  it('protects to the known ciphertext and tag (_80 and _32)', () => {
    expect(new SrtpSession('AES_CM_128_HMAC_SHA1_80', KEY_SALT).protectRtp(plain).toString('hex')).toBe(cipher80.toString('hex'));
    expect(new SrtpSession('AES_CM_128_HMAC_SHA1_32', KEY_SALT).protectRtp(plain).toString('hex')).toBe(
      cipher80.subarray(0, 32).toString('hex'),
    );
  });

  it('unprotects the known ciphertext in place', () => {
    for (const [suite, packet] of [
      ['AES_CM_128_HMAC_SHA1_80', cipher80],
      ['AES_CM_128_HMAC_SHA1_32', cipher80.subarray(0, 32)],
    ] as const) {
      const buf = Buffer.from(packet);
      const len = new SrtpSession(suite, KEY_SALT).unprotectRtp(buf, buf.length);
      expect(len).toBe(28);
      expect(buf.subarray(0, len).toString('hex')).toBe(plain.toString('hex'));
    }
  });

  it('unprotects the known SRTCP packet (encrypted, index 1, 80-bit tag)', () => {
    const srtcp = hex('81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798');
    for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
      const buf = Buffer.from(srtcp);
      const len = new SrtpSession(suite, KEY_SALT).unprotectRtcp(buf, buf.length);
      expect(len).toBe(24);
      expect(buf.subarray(0, 24).toString('hex')).toBe('81c8000bcafebabe' + 'ab'.repeat(16));
    }
  });
});

describe('SRTP receive side', () => {
  const packet = (seq: number, ts = seq * 160, ssrc = 0x11223344): Buffer =>
    writeRtp({ payloadType: 0, sequence: seq & 0xffff, timestamp: ts, ssrc }, Buffer.alloc(160, seq & 0xff));

  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as SrtpSuite[]) {
    it(`${suite}: round trip across the sequence wrap (ROC, §3.3.1), with reordering`, () => {
      const tx = new SrtpSession(suite, KEY_SALT);
      const rx = new SrtpSession(suite, KEY_SALT);
      const seqs = Array.from({ length: 20 }, (_, i) => 65525 + i); // 65525..65544 → wraps at 65536
      const sent = seqs.map((s) => ({ plain: packet(s), wire: tx.protectRtp(packet(s)) }));
      expect(sent[0]!.wire.length).toBe(172 + (suite.endsWith('80') ? 10 : 4));
      // Swap neighbours around the wrap: 65535 arrives after 0 (ROC guess v = ROC − 1).
      const order = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 10, 12, 13, 15, 14, 16, 17, 18, 19];
      for (const i of order) {
        const buf = Buffer.from(sent[i]!.wire);
        const len = rx.unprotectRtp(buf, buf.length);
        expect(len, `packet ${seqs[i]}`).toBe(172);
        expect(buf.subarray(0, len).equals(sent[i]!.plain)).toBe(true);
      }
    });

    it(`${suite}: a tampered payload, header or tag byte fails authentication`, () => {
      const tx = new SrtpSession(suite, KEY_SALT);
      const rx = new SrtpSession(suite, KEY_SALT);
      const wire = tx.protectRtp(packet(1));
      for (const at of [3, 20, wire.length - 1]) {
        const bad = Buffer.from(wire);
        bad[at]! ^= 0x01;
        expect(rx.unprotectRtp(bad, bad.length)).toBe(SRTP_ERR_AUTH);
      }
      // The failures did not poison the context: the genuine packet still passes.
      expect(rx.unprotectRtp(Buffer.from(wire), wire.length)).toBe(172);
    });
  }

  it('rejects a replayed packet and one older than the window (§3.3.2)', () => {
    const tx = new SrtpSession('AES_CM_128_HMAC_SHA1_80', KEY_SALT);
    const rx = new SrtpSession('AES_CM_128_HMAC_SHA1_80', KEY_SALT);
    const wires = Array.from({ length: 200 }, (_, i) => tx.protectRtp(packet(1000 + i)));
    expect(rx.unprotectRtp(Buffer.from(wires[0]!), wires[0]!.length)).toBe(172);
    expect(rx.unprotectRtp(Buffer.from(wires[0]!), wires[0]!.length)).toBe(SRTP_ERR_REPLAY);
    for (let i = 2; i < 200; i++) expect(rx.unprotectRtp(Buffer.from(wires[i]!), wires[i]!.length)).toBe(172);
    expect(rx.unprotectRtp(Buffer.from(wires[1]!), wires[1]!.length)).toBe(SRTP_ERR_OLD);
  });

  it('a wrong key fails every packet', () => {
    const tx = new SrtpSession('AES_CM_128_HMAC_SHA1_80', KEY_SALT);
    const otherKey = Buffer.from(KEY_SALT);
    otherKey[0]! ^= 0xff;
    const rx = new SrtpSession('AES_CM_128_HMAC_SHA1_80', otherKey);
    const w = tx.protectRtp(packet(5));
    expect(rx.unprotectRtp(w, w.length)).toBe(SRTP_ERR_AUTH);
  });

  it('SRTCP round trip, tamper and replay', () => {
    const tx = new SrtpSession('AES_CM_128_HMAC_SHA1_32', KEY_SALT);
    const rx = new SrtpSession('AES_CM_128_HMAC_SHA1_32', KEY_SALT);
    const sr = hex('80c80006 00000007 e8000000 80000000 000000a0 00000032 00001f40');
    const w = tx.protectRtcp(sr);
    expect(w.length).toBe(28 + 4 + 10);
    const tampered = Buffer.from(w);
    tampered[12]! ^= 1;
    expect(rx.unprotectRtcp(tampered, tampered.length)).toBe(SRTP_ERR_AUTH);
    const ok = Buffer.from(w);
    expect(rx.unprotectRtcp(ok, ok.length)).toBe(28);
    expect(ok.subarray(0, 28).equals(sr)).toBe(true);
    expect(rx.unprotectRtcp(Buffer.from(w), w.length)).toBe(SRTP_ERR_REPLAY);
  });
});

describe('a=crypto (RFC 4568 §9.1)', () => {
  const inline = encodeKeySalt(MASTER_KEY, MASTER_SALT);

  it('parses suite, key||salt and an optional lifetime', () => {
    const a = parseCryptoAttribute(`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${inline}|2^31`);
    if (a instanceof Error) throw a;
    expect(a.tag).toBe(1);
    expect(a.suite).toBe('AES_CM_128_HMAC_SHA1_80');
    expect(a.keySalt.equals(KEY_SALT)).toBe(true);
    expect(a.lifetime).toBe(2 ** 31);
    const b = parseCryptoAttribute(`2 AES_CM_128_HMAC_SHA1_32 inline:${inline}`);
    if (b instanceof Error) throw b;
    expect(b.suite).toBe('AES_CM_128_HMAC_SHA1_32');
    expect(b.lifetime).toBeUndefined();
  });

  it('rejects MKI, several keys, unknown suites, bad keys and transform-changing session parameters', () => {
    const reason = (v: string): string | undefined => {
      const r = parseCryptoAttribute(v);
      return r instanceof CryptoAttributeError ? r.reason : undefined;
    };
    expect(reason(`1 AES_CM_128_HMAC_SHA1_80 inline:${inline}|2^20|1:4`)).toBe('mki-unsupported');
    expect(reason(`1 AES_CM_128_HMAC_SHA1_80 inline:${inline}|1:4`)).toBe('mki-unsupported');
    expect(reason(`1 AES_CM_128_HMAC_SHA1_80 inline:${inline};inline:${inline}`)).toBe('multiple-keys');
    expect(reason(`1 AEAD_AES_256_GCM inline:${inline}`)).toBe('unsupported-suite');
    expect(reason(`1 AES_CM_128_HMAC_SHA1_80 inline:${Buffer.alloc(20).toString('base64')}`)).toBe('bad-key-length');
    expect(reason(`1 AES_CM_128_HMAC_SHA1_80 uri:https://x`)).toBe('bad-key-method');
    expect(reason(`1 AES_CM_128_HMAC_SHA1_80 inline:${inline} UNENCRYPTED_SRTP`)).toBe('unsupported-session-param');
    expect(reason(`1 AES_CM_128_HMAC_SHA1_80 inline:${inline} KDR=1`)).toBe('unsupported-session-param');
    expect(reason(`1 AES_CM_128_HMAC_SHA1_80 inline:${inline} KDR=0`)).toBeUndefined();
    expect(reason('x AES_CM_128_HMAC_SHA1_80')).toBe('syntax');
    // The error never carries the key.
    const err = parseCryptoAttribute(`1 AES_CM_128_HMAC_SHA1_80 inline:${inline}|1:4`);
    expect(String((err as Error).message)).not.toContain(inline.slice(0, 8));
  });
});
