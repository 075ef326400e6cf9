import { describe, expect, it } from 'vitest';
import { mediaPlan } from '../../../src/media/media-plan.js';
import type { OfferedMedia } from '../../../src/siprec/types.js';

const key = Buffer.alloc(30, 7).toString('base64');
const m = (over: Partial<OfferedMedia> = {}): OfferedMedia => ({
  index: 0,
  type: 'audio',
  port: 6000,
  proto: 'RTP/AVP',
  label: '1',
  address: '10.0.0.5',
  direction: 'sendonly',
  held: false,
  codecs: [
    { payloadType: 0, name: 'PCMU', clockRate: 8000 },
    { payloadType: 101, name: 'telephone-event', clockRate: 8000 },
    { payloadType: 13, name: 'CN', clockRate: 8000 },
  ],
  crypto: [],
  rtcpMux: false,
  ...over,
});

describe('media plan', () => {
  it('receives the chosen codec, telephone-event and CN from the offered address', () => {
    const p = mediaPlan(m(), { sipSource: '10.0.0.5', latch: 'auto' });
    expect(p.codec?.name).toBe('PCMU');
    expect(p.config).toEqual({
      codecs: [
        { payloadType: 0, name: 'PCMU', clockRate: 8000 },
        { payloadType: 101, name: 'telephone-event', clockRate: 8000 },
        { payloadType: 13, name: 'CN', clockRate: 8000 },
      ],
      source: { address: '10.0.0.5', port: 6000 },
      rtcpMux: false,
      held: false,
    });
  });

  it('latches when the offer says 0.0.0.0, when SIP comes from elsewhere (NAT), or when told to', () => {
    expect(mediaPlan(m({ address: '0.0.0.0', held: true }), { sipSource: '10.0.0.5', latch: 'auto' }).config?.source).toBe('latch');
    expect(mediaPlan(m(), { sipSource: '198.51.100.7', latch: 'auto' }).config?.source).toBe('latch');
    expect(mediaPlan(m(), { sipSource: '10.0.0.5', latch: 'always' }).config?.source).toBe('latch');
    expect(mediaPlan(m(), { sipSource: '198.51.100.7', latch: 'never' }).config?.source).toEqual({ address: '10.0.0.5', port: 6000 });
  });

  it('rejects what it cannot receive: video, port 0, no decodable codec, SAVP without a usable key', () => {
    expect(mediaPlan(m({ type: 'video' }), { sipSource: '', latch: 'auto' }).codec).toBeUndefined();
    expect(mediaPlan(m({ port: 0 }), { sipSource: '', latch: 'auto' }).codec).toBeUndefined();
    expect(mediaPlan(m({ codecs: [{ payloadType: 18, name: 'G729', clockRate: 8000 }] }), { sipSource: '', latch: 'auto' }).codec).toBeUndefined();
    const savpNoKey = m({ proto: 'RTP/SAVP', crypto: [{ tag: 1, suite: 'AEAD_AES_256_GCM', keyParams: `inline:${key}` }] });
    expect(mediaPlan(savpNoKey, { sipSource: '', latch: 'auto' }).codec).toBeUndefined();
    // An MKI would be in every packet, and we do not read it (RFC 4568 §6.1: reject the line).
    const mki = m({ proto: 'RTP/SAVP', crypto: [{ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', keyParams: `inline:${key}|2^20|1:4` }] });
    expect(mediaPlan(mki, { sipSource: '', latch: 'auto' }).codec).toBeUndefined();
  });

  it('answers SDES with our own key for the SRC\'s tag and suite, decrypting with the SRC\'s key, stable across re-offers', () => {
    const offer = m({
      proto: 'RTP/SAVP',
      crypto: [
        { tag: 1, suite: 'AEAD_AES_256_GCM', keyParams: 'inline:xyz' },
        { tag: 2, suite: 'AES_CM_128_HMAC_SHA1_32', keyParams: `inline:${key}|2^31` },
      ],
    });
    const p = mediaPlan(offer, { sipSource: '10.0.0.5', latch: 'auto' });
    expect(p.answerCrypto).toMatch(/^2 AES_CM_128_HMAC_SHA1_32 inline:[A-Za-z0-9+/]{40}$/);
    expect(p.answerCrypto).not.toContain(key);
    expect(p.config?.srtp).toEqual({ suite: 'AES_CM_128_HMAC_SHA1_32', keySalt: key });
    const again = mediaPlan(offer, { sipSource: '10.0.0.5', latch: 'auto', previous: p });
    expect(again.answerCrypto).toBe(p.answerCrypto);
  });
});
