/**
 * The simulator's INVITE body must be read by callguard's own SIPREC parser exactly as an SBC's:
 * two participants with their E.164 numbers, each sending the stream its label names.
 */
import { describe, expect, it } from 'vitest';
import { parseRecordingBody, parseSdpOffer, resolveParticipants } from '../../../src/siprec/index.js';
import { newBranch, newCallId, newTag } from '../../../src/simulate/sip-ids.js';
import { buildSdp, buildSiprecOffer, newMetadataIds, type SdpParams } from '../../../src/simulate/siprec-offer.js';

const CALLER = '+13035551000';
const SUBSCRIBER = '+12125550123';

function offer(codec: SdpParams['codec'] = 'pcmu', address = '127.0.0.1') {
  const sdp: SdpParams = { address, sessionId: '42', version: 1, codec, ports: { caller: 40000, subscriber: 40002 }, direction: 'sendonly' };
  return buildSiprecOffer(sdp, {
    ids: newMetadataIds(),
    numbers: { caller: CALLER, subscriber: SUBSCRIBER },
    domain: address,
    startTime: new Date('2026-01-02T03:04:05Z'),
  });
}

describe('buildSiprecOffer', () => {
  it('parses with parseRecordingBody to two participants with their numbers and labels', () => {
    const o = offer();
    expect(o.contentType).toMatch(/^multipart\/mixed;boundary=/);
    const parsed = parseRecordingBody(o.contentType, o.body, { defaultCountry: 'US' });
    if (!parsed.ok) throw parsed.error;
    const { sdp, metadata, metadataError, ignoredParts } = parsed.value;
    expect(metadataError).toBeUndefined();
    expect(ignoredParts).toEqual([]);
    expect(metadata?.namespace).toBe('urn:ietf:params:xml:ns:recording:1');
    expect(metadata?.dataMode).toBe('complete');
    expect(metadata?.participants.map((p) => p.e164).sort()).toEqual([SUBSCRIBER, CALLER].sort());

    // participant → send stream id → stream label
    const labelOf = (e164: string): string[] => {
      const p = metadata!.participants.find((x) => x.e164 === e164)!;
      return p.send.map((id) => metadata!.streams.find((s) => s.id === id)?.label ?? '?');
    };
    expect(labelOf(CALLER)).toEqual(['1']);
    expect(labelOf(SUBSCRIBER)).toEqual(['2']);

    expect(sdp?.media.map((m) => [m.label, m.port, m.direction, m.held])).toEqual([
      ['1', 40000, 'sendonly', false],
      ['2', 40002, 'sendonly', false],
    ]);
    expect(sdp?.media[0]?.codecs.map((c) => `${c.name}/${c.clockRate}`)).toEqual(['PCMU/8000', 'telephone-event/8000']);
  });

  it('gives the roles callguard would decide: the provisioned number is the subscriber, on label 2', () => {
    const o = offer();
    const parsed = parseRecordingBody(o.contentType, o.body, { defaultCountry: 'US' });
    if (!parsed.ok) throw parsed.error;
    const roles = resolveParticipants(
      { metadata: parsed.value.metadata, headers: () => [], defaultCountry: 'US' },
      (n) => n === SUBSCRIBER,
    );
    expect(roles.source).toBe('metadata');
    expect(roles.subscriber).toBe(SUBSCRIBER);
    const byRole = Object.fromEntries(roles.participants.map((p) => [p.role, p]));
    expect(byRole.subscriber?.sendLabels).toEqual(['2']);
    expect(byRole.caller?.number).toBe(CALLER);
    expect(byRole.caller?.sendLabels).toEqual(['1']);
  });

  it.each([
    ['pcma', 8, 'PCMA'],
    ['g722', 9, 'G722'],
  ] as const)('offers %s as payload type %d next to telephone-event', (codec, pt, name) => {
    const parsed = parseRecordingBody(offer(codec).contentType, offer(codec).body, { defaultCountry: 'US' });
    if (!parsed.ok) throw parsed.error;
    const first = parsed.value.sdp?.media[0]?.codecs[0];
    expect(first).toMatchObject({ payloadType: pt, name, clockRate: 8000 });
  });

  it('writes IPv6 media addresses as IN IP6 and brackets the AOR host', () => {
    const o = offer('pcmu', '::1');
    expect(o.sdp).toContain('c=IN IP6 ::1');
    expect(o.metadata).toContain(`aor="sip:${CALLER}@[::1]"`);
    const parsed = parseRecordingBody(o.contentType, o.body, { defaultCountry: 'US' });
    if (!parsed.ok) throw parsed.error;
    expect(parsed.value.sdp?.media[0]?.address).toBe('::1');
  });
});

describe('buildSdp for hold and resume', () => {
  const base: SdpParams = { address: '127.0.0.1', sessionId: '7', version: 2, codec: 'pcmu', ports: { caller: 1000, subscriber: 1002 }, direction: 'inactive' };

  it('a=inactive reads as held, with the o= version given', () => {
    const parsed = parseSdpOffer(buildSdp(base));
    if (!parsed.ok) throw parsed.error;
    expect(parsed.value.originVersion).toBe('2');
    expect(parsed.value.media.every((m) => m.held && m.direction === 'inactive')).toBe(true);
  });

  it('a=sendonly with a newer version reads as a real re-offer (not a refresh)', () => {
    const parsed = parseSdpOffer(buildSdp({ ...base, version: 3, direction: 'sendonly' }));
    if (!parsed.ok) throw parsed.error;
    expect(parsed.value.originVersion).toBe('3');
    expect(parsed.value.media.map((m) => m.held)).toEqual([false, false]);
  });
});

describe('identifiers', () => {
  it('are unique; branches carry the RFC 3261 magic cookie', () => {
    const n = 200;
    expect(new Set(Array.from({ length: n }, () => newCallId('127.0.0.1'))).size).toBe(n);
    expect(new Set(Array.from({ length: n }, () => newTag())).size).toBe(n);
    const branches = Array.from({ length: n }, () => newBranch());
    expect(new Set(branches).size).toBe(n);
    expect(branches.every((b) => b.startsWith('z9hG4bK'))).toBe(true);
    expect(newCallId('::1')).toMatch(/@\[::1\]$/);
  });

  it('metadata ids differ between offers (each run is a new recording session)', () => {
    const a = newMetadataIds();
    const b = newMetadataIds();
    expect(a.group).not.toBe(b.group);
    expect(new Set([a.session, a.participants.caller, a.participants.subscriber, a.streams.caller, a.streams.subscriber]).size).toBe(5);
  });
});
