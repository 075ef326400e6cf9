import { describe, expect, it } from 'vitest';
import { parseMetadata } from '../../../src/siprec/metadata.js';
import { resolveParticipants, type ResolveInput } from '../../../src/siprec/roles.js';
import type { RecordingMetadata } from '../../../src/siprec/types.js';

function md(xml: string): RecordingMetadata {
  const r = parseMetadata(xml, { defaultCountry: 'US' });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function headers(map: Record<string, string[]>): (n: string) => string[] {
  return (n) => map[n.toLowerCase()] ?? [];
}

const provisioned = (...numbers: string[]): ((n: string) => boolean) => {
  const set = new Set(numbers);
  return (n) => set.has(n);
};

/**
 * Caller (+1 312…) sends the stream labelled 1 but is listed SECOND and its stream's m-line
 * comes first: roles must follow the metadata, not either order.
 */
const TWO = md(`<recording xmlns="urn:ietf:params:xml:ns:recording:1">
  <participant participant_id="sub"><nameID aor="sip:+12125550123@op.example"><name>Alice</name></nameID></participant>
  <participant participant_id="scam"><nameID aor="tel:+13125550199"/></participant>
  <stream stream_id="s1"><label>1</label></stream>
  <stream stream_id="s2"><label>2</label></stream>
  <participantstreamassoc participant_id="sub"><send>s2</send></participantstreamassoc>
  <participantstreamassoc participant_id="scam"><send>s1</send></participantstreamassoc>
</recording>`);

const base = (over: Partial<ResolveInput> = {}): ResolveInput => ({ headers: headers({}), defaultCountry: 'US', ...over });

describe('resolveParticipants', () => {
  it('decides the subscriber from metadata numbers and maps sendLabels via stream ids, not order', () => {
    const r = resolveParticipants(base({ metadata: TWO }), provisioned('+12125550123'));
    expect(r).toEqual({
      source: 'metadata',
      subscriber: '+12125550123',
      participants: [
        { id: 'sub', role: 'subscriber', number: '+12125550123', name: 'Alice', sendLabels: ['2'] },
        { id: 'scam', role: 'caller', number: '+13125550199', sendLabels: ['1'] },
      ],
    });
  });

  it('swapping which number is provisioned swaps the roles (nothing positional)', () => {
    const r = resolveParticipants(base({ metadata: TWO }), provisioned('+13125550199'));
    expect(r.participants.map((p) => [p.id, p.role, p.sendLabels])).toEqual([
      ['sub', 'caller', ['2']],
      ['scam', 'subscriber', ['1']],
    ]);
  });

  it('never consults From/To when metadata has a usable number', () => {
    const r = resolveParticipants(base({ metadata: TWO, from: '<sip:+19998887777@x>', to: '<sip:+12125550123@x>' }), provisioned('+19998887777'));
    expect(r.source).toBe('metadata');
    expect(r.subscriber).toBeUndefined();
    expect(r.participants.map((p) => p.id)).toEqual(['sub', 'scam']);
  });

  it('protects the called party when several participants are provisioned (apkt:callingParty)', () => {
    const m = md(`<recording>
      <participant id="a"><nameID aor="sip:+12125550101@x"/><extensiondata xmlns:apkt="http://acmepacket.com/siprec/extensiondata"><apkt:callingParty>true</apkt:callingParty></extensiondata></participant>
      <participant id="b"><nameID aor="sip:+12125550102@x"/><extensiondata xmlns:apkt="http://acmepacket.com/siprec/extensiondata"><apkt:callingParty>false</apkt:callingParty></extensiondata></participant>
    </recording>`);
    const r = resolveParticipants(base({ metadata: m }), provisioned('+12125550101', '+12125550102'));
    expect(r.subscriber).toBe('+12125550102');
    expect(r.participants.map((p) => p.role)).toEqual(['caller', 'subscriber']);
  });

  it('first provisioned participant wins when there is no hint', () => {
    const r = resolveParticipants(base({ metadata: TWO }), provisioned('+12125550123', '+13125550199'));
    expect(r.subscriber).toBe('+12125550123');
    expect(r.participants.filter((p) => p.role === 'subscriber').length).toBe(1);
  });

  it('asks the provisioning lookup once per distinct number', () => {
    const m = md(`<recording><participant participant_id="a"><nameID aor="+12125550123"/></participant><participant participant_id="b"><nameID aor="sip:+12125550123@x"/></participant></recording>`);
    let calls = 0;
    resolveParticipants(base({ metadata: m }), () => {
      calls++;
      return false;
    });
    expect(calls).toBe(1);
  });

  it('falls back to Cisco NBR X-Cisco-Recording-Participant headers (media-index = m-line index)', () => {
    const r = resolveParticipants(
      base({
        headers: headers({
          'x-cisco-recording-participant': ['sip:2164485925@ccf.org;media-index="0"', '"Desk" <sip:20053@10.144.106.41>;media-index=1'],
        }),
        from: '<sip:192.0.2.10>',
        to: '<sip:8000@192.0.2.20>',
      }),
      provisioned('+12164485925'),
    );
    expect(r).toEqual({
      source: 'headers',
      subscriber: '+12164485925',
      participants: [
        { id: 'cisco-recording-participant:0', role: 'subscriber', number: '+12164485925', sendLabels: [], sendMediaIndexes: [0] },
        { id: 'cisco-recording-participant:1', role: 'caller', identity: '20053', name: 'Desk', sendLabels: [], sendMediaIndexes: [1] },
      ],
    });
  });

  it('falls back to From / P-Asserted-Identity / To when metadata is degraded (no numbers)', () => {
    const placeholder = md(`<recording><participant participant_id="x"><nameID aor="sip:ASBCE@asbce.com"/></participant></recording>`);
    const r = resolveParticipants(
      base({
        metadata: placeholder,
        from: '"Front Desk" <sip:frontdesk@pbx.example>;tag=1',
        to: '<sip:+13125550199@srs.example>',
        headers: headers({ 'p-asserted-identity': ['<sip:+12125550123@pbx.example>, <tel:+12125550123>'] }),
      }),
      provisioned('+13125550199'),
    );
    expect(r.source).toBe('headers');
    expect(r.subscriber).toBe('+13125550199');
    expect(r.participants).toEqual([
      { id: 'from', role: 'caller', number: '+12125550123', name: 'Front Desk', sendLabels: [] },
      { id: 'to', role: 'subscriber', number: '+13125550199', sendLabels: [] },
    ]);
  });

  it('keeps the (number-less) metadata participants when headers have no number either', () => {
    const placeholder = md(`<recording><participant participant_id="x"><nameID aor="sip:ASBCE@asbce.com"/><send>s</send></participant><stream stream_id="s"><label>10</label></stream></recording>`);
    const r = resolveParticipants(base({ metadata: placeholder, from: '<sip:192.0.2.1>' }), provisioned());
    expect(r).toEqual({ source: 'metadata', participants: [{ id: 'x', role: 'caller', identity: 'ASBCE@asbce.com', sendLabels: ['10'] }] });
  });

  it('X-Callguard-Subscriber decides when no participant is provisioned', () => {
    const r = resolveParticipants(
      base({ metadata: TWO, headers: headers({ 'x-callguard-subscriber': ['garbage', '<tel:+1-415-555-0100>'] }) }),
      provisioned('+14155550100'),
    );
    expect(r.source).toBe('subscriber-header');
    expect(r.subscriber).toBe('+14155550100');
    expect(r.participants.every((p) => p.role === 'caller')).toBe(true);
  });

  it('reads the subscriber header under a configured name', () => {
    const r = resolveParticipants(
      base({ metadata: TWO, subscriberHeader: 'X-Protected-Party', headers: headers({ 'x-protected-party': ['+14155550100'], 'x-callguard-subscriber': ['+14155550111'] }) }),
      provisioned('+14155550100', '+14155550111'),
    );
    expect([r.source, r.subscriber]).toEqual(['subscriber-header', '+14155550100']);
  });

  it('ignores X-Callguard-Subscriber naming someone not provisioned, and when a participant already is', () => {
    const notProvisioned = resolveParticipants(base({ metadata: TWO, headers: headers({ 'x-callguard-subscriber': ['+14155550100'] }) }), provisioned());
    expect(notProvisioned.subscriber).toBeUndefined();
    expect(notProvisioned.source).toBe('metadata');
    const participantWins = resolveParticipants(
      base({ metadata: TWO, headers: headers({ 'x-callguard-subscriber': ['+14155550100'] }) }),
      provisioned('+14155550100', '+12125550123'),
    );
    expect([participantWins.source, participantWins.subscriber]).toEqual(['metadata', '+12125550123']);
  });

  it('no subscriber at all: everyone is a caller and subscriber is undefined (engine answers 403)', () => {
    const r = resolveParticipants(base({ metadata: TWO }), provisioned());
    expect(r.subscriber).toBeUndefined();
    expect(r.participants.map((p) => p.role)).toEqual(['caller', 'caller']);
  });

  describe('subscribers provisioned by identity, as the SRC names them (issue 16 item 5)', () => {
    // BroadWorks names its user by a 14-digit id that is no E.164 number and the other party by an extension.
    const BROADWORKS = md(`<recording xmlns="urn:ietf:params:xml:ns:recording:1">
      <participant participant_id="u"><nameID aor="sip:86074075017412@as.broadworks.example;user=phone"/></participant>
      <participant participant_id="x"><nameID aor="sip:8101@as.broadworks.example"/></participant>
      <participant participant_id="w"><nameID aor="sip:Alice.Smith@Webex.Example:5061"/></participant>
      <stream stream_id="s1"><label>1</label></stream><stream stream_id="s2"><label>2</label></stream>
      <participantstreamassoc participant_id="u"><send>s1</send></participantstreamassoc>
      <participantstreamassoc participant_id="x"><send>s2</send></participantstreamassoc>
    </recording>`);

    it('matches a 14-digit BroadWorks user and maps its stream', () => {
      const r = resolveParticipants(base({ metadata: BROADWORKS }), provisioned('86074075017412'));
      expect([r.source, r.subscriber]).toEqual(['metadata', '86074075017412']);
      expect(r.participants.map((p) => [p.id, p.role, p.identity, p.sendLabels])).toEqual([
        ['u', 'subscriber', '86074075017412', ['1']],
        ['x', 'caller', '8101', ['2']],
        ['w', 'caller', 'Alice.Smith@webex.example', []],
      ]);
    });

    it('matches an extension and a user@host (host case and port dropped, user case kept)', () => {
      expect(resolveParticipants(base({ metadata: BROADWORKS }), provisioned('8101')).subscriber).toBe('8101');
      expect(resolveParticipants(base({ metadata: BROADWORKS }), provisioned('Alice.Smith@webex.example')).subscriber).toBe('Alice.Smith@webex.example');
      expect(resolveParticipants(base({ metadata: BROADWORKS }), provisioned('alice.smith@webex.example')).subscriber).toBeUndefined();
    });

    it('finds an identity in the metadata when the From/To numbers chosen instead are not provisioned', () => {
      const r = resolveParticipants(
        base({ metadata: BROADWORKS, from: '<sip:+12125550100@as.example>', to: '<sip:+12125550111@srs.example>' }),
        provisioned('86074075017412'),
      );
      expect([r.source, r.subscriber]).toEqual(['metadata', '86074075017412']);
      expect(r.participants.find((p) => p.role === 'subscriber')?.sendLabels).toEqual(['1']);
    });

    it('an identity in X-Callguard-Subscriber', () => {
      const r = resolveParticipants(base({ metadata: TWO, headers: headers({ 'x-callguard-subscriber': ['<sip:86074075017412@as.example>'] }) }), provisioned('86074075017412'));
      expect([r.source, r.subscriber]).toEqual(['subscriber-header', '86074075017412']);
    });

    it('a number still wins as E.164, never as digits', () => {
      const m = md(`<recording><participant participant_id="a"><nameID aor="sip:2125550123@x"/></participant></recording>`);
      expect(resolveParticipants(base({ metadata: m }), provisioned('2125550123')).subscriber).toBeUndefined();
      expect(resolveParticipants(base({ metadata: m }), provisioned('+12125550123')).subscriber).toBe('+12125550123');
    });
  });

  it('nothing at all: no participants', () => {
    expect(resolveParticipants(base(), provisioned('+12125550123'))).toEqual({ source: 'headers', participants: [] });
  });
});
