import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecordingBody } from '../../../src/siprec/body.js';
import { MAX_METADATA_BYTES, mergeMetadata, parseMetadata } from '../../../src/siprec/metadata.js';
import type { RecordingMetadata } from '../../../src/siprec/types.js';
import { ownFixturesDir } from './fixture-loader.js';

const US = { defaultCountry: 'US' };
const own = (name: string): Buffer => readFileSync(path.join(ownFixturesDir, name));

function parsed(xml: string | Buffer): RecordingMetadata {
  const r = parseMetadata(xml, US);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

function errorCode(xml: string | Buffer): string | undefined {
  const r = parseMetadata(xml, US);
  return r.ok ? undefined : r.error.code;
}

const RFC = `<?xml version="1.0" encoding="UTF-8"?>
<recording xmlns="urn:ietf:params:xml:ns:recording:1">
  <datamode>complete</datamode>
  <participant participant_id="P1"><nameID aor="sip:+12125550123@a.example"><name xml:lang="en">Alice</name></nameID></participant>
  <participant participant_id="P2"><nameID aor="tel:+13125550199"/></participant>
  <stream stream_id="S1" session_id="X"><label>1</label></stream>
  <stream stream_id="S2" session_id="X"><label>2</label></stream>
  <participantstreamassoc participant_id="P1"><send>S1</send><recv>S2</recv></participantstreamassoc>
  <participantstreamassoc participant_id="P2"><send>S2</send></participantstreamassoc>
</recording>`;

describe('rs-metadata dialects', () => {
  it('reads RFC 7865 participants, aors, E.164, names and stream associations', () => {
    const md = parsed(RFC);
    expect(md.namespace).toBe('urn:ietf:params:xml:ns:recording:1');
    expect(md.participants).toEqual([
      { id: 'P1', aor: 'sip:+12125550123@a.example', e164: '+12125550123', name: 'Alice', send: ['S1'], recv: ['S2'] },
      { id: 'P2', aor: 'tel:+13125550199', e164: '+13125550199', send: ['S2'], recv: [] },
    ]);
    expect(md.streams).toEqual([
      { id: 'S1', sessionId: 'X', label: '1' },
      { id: 'S2', sessionId: 'X', label: '2' },
    ]);
  });

  it('matches by local name whatever the prefix (tns:, rec:) and is case-insensitive on names (dataMode/datamode)', () => {
    const md = parsed(
      `<x:recording xmlns:x="urn:ietf:params:xml:ns:recording"><x:dataMode>partial</x:dataMode>` +
        `<x:participant x:participant_id="A"><x:nameID aor="7602922411"/></x:participant></x:recording>`,
    );
    expect(md.namespace).toBe('urn:ietf:params:xml:ns:recording');
    expect(md.dataMode).toBe('partial');
    expect(md.participants[0]).toMatchObject({ id: 'A', e164: '+17602922411' });
  });

  it('tolerates an undeclared vendor prefix (no namespace processing)', () => {
    const md = parsed(`<recording><participant id="A"><nameID aor="sip:1@x"/><extensiondata><undeclared:thing>1</undeclared:thing></extensiondata></participant></recording>`);
    expect(md.participants.map((p) => p.id)).toEqual(['A']);
  });

  it('reads the draft dialect: <recording_metadata>, id/session attrs, <aor>, <send><id>, <group>, <mode>', () => {
    const md = parsed(`<recording_metadata xmlns="urn:ietf:params:xml:ns:siprec">
      <dataMode>complete</dataMode>
      <recording id="R"/>
      <group id="G" recording="R"/>
      <session id="S" group="G"/>
      <participant id="P" session="S"><aor>sip:+12125550123@x</aor><name>Bob</name><send><id>ST1</id><id>ST2</id></send><recv><id>ST3</id></recv></participant>
      <stream id="ST1" session="S"><label>1</label><mode>mixed</mode></stream>
    </recording_metadata>`);
    expect(md).toMatchObject({ recordingId: 'R', groupId: 'G', sessionId: 'S', namespace: 'urn:ietf:params:xml:ns:siprec' });
    expect(md.participants[0]).toEqual({ id: 'P', aor: 'sip:+12125550123@x', e164: '+12125550123', name: 'Bob', send: ['ST1', 'ST2'], recv: ['ST3'] });
    expect(md.streams[0]).toEqual({ id: 'ST1', sessionId: 'S', label: '1', mode: 'mixed' });
  });

  it('takes the group id from the session group-ref when there is no <group>', () => {
    expect(parsed(`<recording><session session_id="S"><group-ref>GR</group-ref></session><participant participant_id="p"/></recording>`).groupId).toBe('GR');
  });

  it('reads Acme apkt:callingParty only inside a participant, ignoring NetSapiens-style callingParty elsewhere', () => {
    const md = parsed(`<recording xmlns='urn:ietf:params:xml:ns:recording'>
      <participant id="A"><send>s</send><extensiondata xmlns:apkt="http://acmepacket.com/siprec/extensiondata"><apkt:callingParty>true</apkt:callingParty></extensiondata></participant>
      <participant id="B"><extensiondata xmlns:apkt="http://acmepacket.com/siprec/extensiondata"><apkt:callingParty>FALSE</apkt:callingParty></extensiondata></participant>
      <participant id="C"/>
      <vendorExtension><callingParty participant_id="C"><nameID aor="sip:+19999999999@x"/></callingParty></vendorExtension>
    </recording>`);
    expect(md.participants.map((p) => [p.id, p.callingParty, p.aor])).toEqual([
      ['A', true, undefined],
      ['B', false, undefined],
      ['C', undefined, undefined],
    ]);
  });

  it('merges participantstreamassoc that precede their participant, and keeps assoc-only ids', () => {
    const md = parsed(`<recording>
      <participantstreamassoc participant_id="B"><send>s2</send></participantstreamassoc>
      <participant participant_id="B"><nameID aor="sip:+12125550123@x"/></participant>
      <participantstreamassoc participant_id="Z"><send>s9</send></participantstreamassoc>
    </recording>`);
    expect(md.participants.map((p) => [p.id, p.send])).toEqual([
      ['B', ['s2']],
      ['Z', ['s9']],
    ]);
  });

  it('keeps id-less participants apart', () => {
    const md = parsed(`<recording><participant><nameID aor="sip:+12125550101@x"/></participant><participant><nameID aor="sip:+12125550102@x"/></participant></recording>`);
    expect(md.participants.map((p) => [p.id, p.e164])).toEqual([
      ['anonymous-0', '+12125550101'],
      ['anonymous-1', '+12125550102'],
    ]);
  });

  it('keeps an empty stream_id (Avaya) and ignores empty <send/> elements', () => {
    const md = parsed(`<recording><participant participant_id="A"><send></send></participant><stream stream_id=""><label>20</label></stream></recording>`);
    expect(md.streams).toEqual([{ id: '', label: '20' }]);
    expect(md.participants[0]?.send).toEqual([]);
  });

  it('cleans display names: SIP quotes (Oracle) and ;lang= suffixes (Connectel); blank names vanish (Ribbon)', () => {
    const md = parsed(`<recording>
      <participant participant_id="a"><nameID aor="x"><name>&quot;ECG Tester&quot;</name></nameID></participant>
      <participant participant_id="b"><nameID aor="y"><name>test_user;lang=en-US;id=22</name></nameID></participant>
      <participant participant_id="c"><nameID aor="z"><name xml:lang="en"> </name></nameID></participant>
    </recording>`);
    expect(md.participants.map((p) => p.name)).toEqual(['ECG Tester', 'test_user', undefined]);
  });

  it('accepts a document without XML declaration, with a BOM, or with a leading line break', () => {
    expect(parsed(`\uFEFF${RFC}`).participants.length).toBe(2);
    expect(parsed(`\r\n${RFC}`).participants.length).toBe(2);
    expect(parsed(RFC.replace(/^<\?xml[^>]*>\s*/, '')).participants.length).toBe(2);
  });

  it('ignores trailing junk after the root element', () => {
    expect(parsed(`${RFC}\n\u0000garbage <not closed & stuff`).participants.length).toBe(2);
    expect(parsed(`${RFC}<recording><participant participant_id="X"/></recording>`).participants.map((p) => p.id)).toEqual(['P1', 'P2']);
  });

  it('handles predefined entities, numeric references and CDATA', () => {
    const md = parsed(`<recording><participant participant_id="a"><nameID aor="sip:+12125550123@x"><name>A &amp; B &#233;&#x41; <![CDATA[<raw & text>]]></name></nameID></participant></recording>`);
    expect(md.participants[0]?.name).toBe('A & B éA <raw & text>');
  });
});

describe('rs-metadata security', () => {
  it('refuses the XXE fixture (DOCTYPE with an external entity) before any parsing', () => {
    const r = parseMetadata(own('xxe.xml'), US);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('SIPREC_METADATA_DTD_FORBIDDEN');
    expect(r.error.message).not.toContain('root:'); // nothing from /etc/passwd
  });

  it('refuses the billion-laughs fixture quickly, without expansion', () => {
    const t0 = performance.now();
    expect(errorCode(own('billion-laughs.xml'))).toBe('SIPREC_METADATA_DTD_FORBIDDEN');
    expect(performance.now() - t0).toBeLessThan(2000); // a hang guard, not a speed test
  });

  it.each([
    ['a bare DOCTYPE', '<!DOCTYPE recording><recording/>'],
    ['a lower-case doctype', '<!doctype recording><recording/>'],
    ['a DOCTYPE after the declaration', '<?xml version="1.0"?>\n<!DOCTYPE r SYSTEM "http://evil.example/x.dtd"><recording/>'],
    ['an ENTITY declaration alone', '<!ENTITY x "y"><recording/>'],
    ['an undefined named entity', '<recording><participant participant_id="&xxe;"/></recording>'],
    ['an entity in an attribute', `<recording><participant participant_id="a"><nameID aor="&ext;"/></participant></recording>`],
    ['a prototype-named entity (&constructor;)', '<recording><participant participant_id="a"><name>&constructor;</name></participant></recording>'],
    ['a parameter-entity-looking reference', '<recording>&lol9;</recording>'],
  ])('refuses %s with SIPREC_METADATA_DTD_FORBIDDEN', (_what, xml) => {
    expect(errorCode(xml)).toBe('SIPREC_METADATA_DTD_FORBIDDEN');
  });

  it('does not refuse markup-looking text inside comments or CDATA', () => {
    expect(parsed(`<recording><!-- <!DOCTYPE x> &xxe; --><participant participant_id="a"><name><![CDATA[<!ENTITY>&foo;]]></name></participant></recording>`).participants[0]?.name).toBe('<!ENTITY>&foo;');
  });

  it(`refuses documents over ${MAX_METADATA_BYTES} bytes with SIPREC_METADATA_TOO_LARGE (413)`, () => {
    const big = `<recording>${' '.repeat(MAX_METADATA_BYTES)}</recording>`;
    const r = parseMetadata(big, US);
    expect(r.ok ? undefined : [r.error.code, r.error.sipStatus]).toEqual(['SIPREC_METADATA_TOO_LARGE', 413]);
  });
});

describe('invalid rs-metadata', () => {
  it('repairs a bare & (cisco-cube-3) and says so', () => {
    const md = parsed(`<recording><participant participant_id="a"><nameID aor="sip:+17209132000@x"><name xml:lang="en">DENVER CITY&CNT</name></nameID></participant><stream stream_id="s" x="A&B"><label>1</label></stream></recording>`);
    expect(md.participants[0]?.name).toBe('DENVER CITY&CNT');
    expect(md.participants[0]?.e164).toBe('+17209132000');
    expect(md.repairs).toEqual(["escaped 2 bare '&' in invalid XML"]);
  });

  it('does not report repairs for valid documents', () => {
    expect(parsed(RFC).repairs).toBeUndefined();
  });

  it.each([
    ['tags stripped (broadworks-1)', '<recording_metadata xmlns="urn:ietf:params:xml:ns:siprec">completeSRCselectivesip:caller_name2019-01-13</recording_metadata>'],
    ['an unclosed root', '<recording><participant participant_id="a">'],
    ['mismatched tags', '<recording><participant></stream></recording>'],
    ['a non-recording root', '<html><body/></html>'],
    ['a recording root with nothing we know', '<recording><foo/></recording>'],
    ['empty input', ''],
    ['whitespace only', '  \r\n '],
    ['plain text', 'complete SRC selective'],
    ['an unescaped < in text', '<recording><participant participant_id="a"><name>a<b</name></participant></recording>'],
  ])('rejects %s with SIPREC_METADATA_MALFORMED', (_what, xml) => {
    expect(errorCode(xml)).toBe('SIPREC_METADATA_MALFORMED');
  });
});

describe('metadata updates', () => {
  const initial = (): RecordingMetadata => {
    const r = parseRecordingBody('multipart/mixed;boundary=callguard-7865', own('rfc7865-two-party.body'), US);
    if (!r.ok || r.value.metadata === undefined) throw new Error('own fixture did not parse');
    return r.value.metadata;
  };

  it('the own 2-party fixture carries two numbered participants (sanity for the merge tests)', () => {
    const md = initial();
    expect(md.participants.map((p) => p.e164)).toEqual(['+12125550150', '+12125550123']);
  });

  it('merges a partial update: changed aor/name, a new participant and a new stream; send kept when not given', () => {
    const prev = initial();
    const update = parsed(own('partial-update.xml'));
    expect(update.dataMode).toBe('partial');
    const merged = mergeMetadata(prev, update);
    expect(merged.dataMode).toBe('complete');
    expect(merged.groupId).toBe(prev.groupId);
    expect(merged.participants.map((p) => [p.id, p.e164, p.name, p.send])).toEqual([
      ['srfBElmCRp2QB23b7Mpk0w==', '+12125550177', 'Transferred Caller', ['i1Pz3to5hGk8fuXl+3pk6w==']],
      ['zSfPoSvdSDCmU3A3TRDxAw==', '+12125550123', 'Alice Subscriber', ['UAAMm5GRQKSCMVvLyl4rFw==']],
      ['new-party-3', '+12125550188', undefined, ['third-stream']],
    ]);
    expect(merged.streams.map((s) => s.label)).toEqual(['96', '97', '98']);
    // inputs untouched
    expect(prev.participants[0]?.e164).toBe('+12125550150');
    expect(prev.streams.length).toBe(2);
  });

  it('replaces send/recv when a partial update gives them, and updates a stream label', () => {
    const prev = parsed(RFC);
    const update = parsed(`<recording><datamode>partial</datamode><participantstreamassoc participant_id="P1"><send>S2</send></participantstreamassoc><stream stream_id="S1"><label>9</label></stream></recording>`);
    const merged = mergeMetadata(prev, update);
    expect(merged.participants[0]?.send).toEqual(['S2']);
    expect(merged.participants[0]?.recv).toEqual(['S2']);
    expect(merged.streams.find((s) => s.id === 'S1')).toEqual({ id: 'S1', sessionId: 'X', label: '9' });
  });

  it('drops the old number when a partial update gives an aor without one', () => {
    const merged = mergeMetadata(parsed(RFC), parsed(`<recording><datamode>partial</datamode><participant participant_id="P1"><nameID aor="sip:alice@x"/></participant></recording>`));
    expect(merged.participants[0]).toMatchObject({ aor: 'sip:alice@x' });
    expect(merged.participants[0]?.e164).toBeUndefined();
  });

  it('a complete update replaces everything; no previous metadata returns the update', () => {
    const prev = parsed(RFC);
    const complete = parsed(`<recording><participant participant_id="N"/></recording>`);
    expect(mergeMetadata(prev, complete)).toBe(complete);
    const partial = parsed(own('partial-update.xml'));
    expect(mergeMetadata(undefined, partial)).toBe(partial);
  });
});
