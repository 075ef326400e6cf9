/**
 * Every research capture in ../shared/fixtures/siprec parses to what INDEX.md and its .source.txt
 * say it carries (or, for the broken ones, to the documented degraded result), and gets a
 * well-formed answer. Values below were read off the captures by hand, not recorded from output.
 */
import { describe, expect, it } from 'vitest';
import {
  buildAnswer,
  chooseCodec,
  chooseTelephoneEvent,
  parseRecordingBody,
  resolveParticipants,
  type Direction,
  type RecordingMetadata,
  type SiprecBody,
  type SiprecErrorCode,
} from '../../../src/siprec/index.js';
import {
  indexKinds,
  listSharedFixtures,
  loadSharedFixture,
  sharedFixturesAvailable,
  sharedFixturesDir,
  type FixtureKind,
  type LoadedFixture,
} from './fixture-loader.js';

interface MediaExpect {
  label?: string;
  direction: Direction;
  held: boolean;
  /** Codec names in offer order. */
  codecs: string[];
  /** What chooseCodec picks (undefined: nothing decodable). */
  chosen?: string;
  address?: string;
}

interface ParticipantExpect {
  aor?: string;
  e164?: string;
  name?: string;
  /** Labels of the streams this participant sends (via its send ids → stream label). */
  sends: string[];
  callingParty?: boolean;
}

interface RolesExpect {
  source: 'metadata' | 'headers' | 'subscriber-header';
  /** Provision exactly these numbers for the test. */
  provisioned?: string[];
  subscriber?: string;
  /** Index (into the resolved participants) of the one marked subscriber. */
  subscriberIndex?: number;
  numbers: Array<string | undefined>;
  sendLabels?: string[][];
  sendMediaIndexes?: Array<number[] | undefined>;
}

interface FixtureExpect {
  kind: FixtureKind;
  country?: string;
  extraHeaders?: Record<string, string[]>;
  media?: MediaExpect[];
  metadata?: {
    namespace: string;
    recordingId?: string;
    groupId?: string;
    sessionId?: string;
    participants: ParticipantExpect[];
    streams: Array<{ id?: string; label?: string; mode?: 'mixed' | 'separate' }>;
    repaired?: boolean;
  };
  metadataError?: SiprecErrorCode;
  ignoredParts?: string[];
  roles: RolesExpect;
}

const NS1 = 'urn:ietf:params:xml:ns:recording:1';
const NS0 = 'urn:ietf:params:xml:ns:recording';
const NSD = 'urn:ietf:params:xml:ns:siprec';
const G711_TE = ['PCMU', 'PCMA', 'G729', 'telephone-event'];

const EXPECT: Record<string, FixtureExpect> = {
  'avaya-sbce-1': {
    kind: 'sipp',
    // one m-line (label 10) although metadata lists two streams; the second has stream_id=""
    media: [{ label: '10', direction: 'sendonly', held: false, codecs: G711_TE, chosen: 'PCMU' }],
    metadata: {
      namespace: NS1,
      sessionId: '00FA080001000758A20EFA',
      participants: [
        { aor: 'sip:13035381001@10.64.110.65', e164: '+13035381001', sends: ['10'] },
        // placeholder participant with an empty participantstreamassoc
        { aor: 'sip:ASBCE@asbce.com', sends: [] },
      ],
      streams: [
        { id: '0ccc2d78b71d8a1ea1c7', label: '10' },
        { id: '', label: '20' },
      ],
    },
    roles: {
      source: 'metadata',
      provisioned: ['+13035381001'],
      subscriber: '+13035381001',
      subscriberIndex: 0,
      numbers: ['+13035381001', undefined],
      sendLabels: [['10'], []],
    },
  },
  'avaya-sbce-2': {
    kind: 'sipp',
    // metadata-only UPDATE replacing the placeholder participant
    metadata: {
      namespace: NS1,
      sessionId: '00FA080001000758A20EFA',
      participants: [
        { aor: 'sip:13035381001@10.64.110.65', e164: '+13035381001', sends: ['10'] },
        { aor: 'sip:7204541001@10.64.110.32', e164: '+17204541001', sends: ['20'] },
      ],
      streams: [
        { id: '0ccc2d78b71d8a1ea1c7', label: '10' },
        { id: '63a24a2bc6e7c076d738', label: '20' },
      ],
    },
    roles: {
      source: 'metadata',
      provisioned: ['+17204541001'],
      subscriber: '+17204541001',
      subscriberIndex: 1,
      numbers: ['+13035381001', '+17204541001'],
      sendLabels: [['10'], ['20']],
    },
  },
  'broadworks-1': {
    kind: 'body',
    // damaged metadata part (tags stripped) next to a usable SDP: degraded, not fatal
    metadataError: 'SIPREC_METADATA_MALFORMED',
    media: [
      {
        label: '1',
        direction: 'sendonly',
        held: false,
        codecs: ['PCMA', 'telephone-event', 'PCMU', 'G722', 'G729'],
        chosen: 'PCMA',
        address: 'X.X.X.X',
      },
    ],
    roles: { source: 'headers', numbers: [] },
  },
  'broadworks-2': {
    kind: 'body',
    media: [
      { label: '10', direction: 'sendonly', held: false, codecs: ['PCMA', 'telephone-event'], chosen: 'PCMA', address: '10.201.1.168' },
      { label: '20', direction: 'sendonly', held: false, codecs: ['PCMA', 'telephone-event'], chosen: 'PCMA', address: '10.201.1.168' },
    ],
    metadata: {
      namespace: NS1,
      sessionId: '00FA0800705D4C5DCAAC41',
      participants: [
        // 987 is not a US area code: a national number that is not valid stays without E.164
        { aor: 'sip:9878942259@212.188.68.145', sends: ['10'] },
        { aor: 'sip:ASBCE@asbce.com', sends: ['20'] },
      ],
      streams: [{ label: '10' }, { label: '20' }],
    },
    roles: { source: 'metadata', numbers: [undefined, undefined], sendLabels: [['10'], ['20']] },
  },
  'broadworks-3': {
    kind: 'sipp',
    // no direction attribute, no rtpmap: static PT 8
    media: [{ label: '1', direction: 'sendrecv', held: false, codecs: ['PCMA'], chosen: 'PCMA' }],
    metadata: {
      namespace: NSD,
      recordingId: 'urn:uuid:8edb9763-203b-40f0-bb46-a5014d3bc899',
      groupId: 'urn:uuid:6219893c-d072-43d3-ba6c-8828cf7be472',
      sessionId: 'urn:uuid:139ff134-7094-4ea9-a4a4-73f0c45e6a23',
      participants: [
        { aor: 'sip:8638254725', e164: '+18638254725', sends: ['1'] },
        // sends a stream id that has no <stream> element
        { aor: 'sip:+19015783200@broadcore.com;user=phone', e164: '+19015783200', sends: [] },
      ],
      streams: [{ label: '1', mode: 'mixed' }],
    },
    roles: {
      source: 'metadata',
      provisioned: ['+18638254725'],
      subscriber: '+18638254725',
      subscriberIndex: 0,
      numbers: ['+18638254725', '+19015783200'],
      sendLabels: [['1'], []],
    },
  },
  'broadworks-4': {
    kind: 'sipp',
    // pause: SDP-only, c=0.0.0.0 and no direction attribute
    media: [{ label: '1', direction: 'sendrecv', held: true, codecs: ['PCMA'], chosen: 'PCMA', address: '0.0.0.0' }],
    roles: { source: 'headers', numbers: ['+12134174466', undefined] },
  },
  'broadworks-5': {
    kind: 'body',
    // the recorded user has no number in its aor; the SRC names the subscriber in a header
    extraHeaders: { 'x-callguard-subscriber': ['sip:+15550001001@192.0.2.10'] },
    media: [
      { label: '1', direction: 'sendonly', held: false, codecs: ['PCMU', 'telephone-event', 'G722'], chosen: 'PCMU', address: '192.0.2.20' },
      { label: '2', direction: 'sendonly', held: false, codecs: ['PCMU', 'telephone-event', 'G722'], chosen: 'PCMU', address: '192.0.2.20' },
    ],
    metadata: {
      namespace: NSD,
      recordingId: 'urn:uuid:8f032192-08d7-4100-8e31-dae2c0a24b06',
      groupId: 'urn:uuid:c93d1d26-b143-4540-ac27-6f3a9d9f8da3',
      sessionId: 'urn:uuid:51da7beb-27f4-4296-b23f-c9bc02669127',
      participants: [
        { aor: 'sip:user1001@example.test', sends: ['1'] },
        { aor: 'sip:+15550001002@192.0.2.10;user=phone', e164: '+15550001002', sends: ['2'] },
      ],
      streams: [
        { label: '1', mode: 'separate' },
        { label: '2', mode: 'separate' },
      ],
    },
    roles: {
      source: 'subscriber-header',
      provisioned: ['+15550001001'],
      subscriber: '+15550001001',
      numbers: [undefined, '+15550001002'],
      sendLabels: [['1'], ['2']],
    },
  },
  'cisco-cube-1': {
    kind: 'body',
    ignoredParts: ['application/gtd'],
    media: [
      { label: '1', direction: 'sendonly', held: false, codecs: ['PCMU', 'telephone-event'], chosen: 'PCMU', address: '172.31.93.236' },
      { label: '2', direction: 'sendonly', held: false, codecs: ['PCMU', 'telephone-event'], chosen: 'PCMU', address: '172.31.93.236' },
    ],
    metadata: {
      namespace: NS1,
      sessionId: 'kQNhKFdEEeeJ9tD/VsPGWA==',
      participants: [
        { aor: 'sip:7301@35.162.237.204', sends: ['1'] },
        { aor: 'sip:7300@35.162.237.204', name: '7300', sends: ['2'] },
      ],
      streams: [{ label: '1' }, { label: '2' }],
    },
    roles: { source: 'metadata', numbers: [undefined, undefined], sendLabels: [['1'], ['2']] },
  },
  'cisco-cube-2': {
    kind: 'body',
    country: 'IL',
    media: [
      { label: '1', direction: 'inactive', held: true, codecs: ['PCMU', 'telephone-event', 'CN'], chosen: 'PCMU' },
      { label: '2', direction: 'inactive', held: true, codecs: ['PCMU', 'telephone-event', 'CN'], chosen: 'PCMU' },
    ],
    metadata: {
      namespace: NS1,
      sessionId: 'GZBIusaXEeuxxK1dFIaIyA==',
      participants: [
        // empty participantstreamassoc elements: no stream mapping
        { aor: 'sip:0733165805@192.168.40.34', e164: '+972733165805', sends: [] },
        { aor: 'sip:+972546136443@192.168.10.140', e164: '+972546136443', sends: [] },
      ],
      streams: [{ label: '1' }, { label: '2' }],
    },
    roles: {
      source: 'metadata',
      provisioned: ['+972733165805'],
      subscriber: '+972733165805',
      subscriberIndex: 0,
      numbers: ['+972733165805', '+972546136443'],
      sendLabels: [[], []],
    },
  },
  'cisco-cube-3': {
    kind: 'body',
    // invalid XML (bare '&'): repaired, so the participants survive
    media: [
      { label: '1', direction: 'sendonly', held: false, codecs: ['PCMU', 'CN'], chosen: 'PCMU' },
      { label: '2', direction: 'sendonly', held: false, codecs: ['PCMU', 'CN'], chosen: 'PCMU' },
    ],
    metadata: {
      namespace: NS1,
      sessionId: '6HwVb7nIEfGL+egwZeaEMw==',
      repaired: true,
      participants: [
        { aor: 'sip:17203032570@us-gov-west-1-ingress-internal-2', e164: '+17203032570', sends: ['1'] },
        { aor: 'sip:+17209132000@216.82.227.122', e164: '+17209132000', name: 'DENVER CITY&CNT', sends: ['2'] },
      ],
      streams: [{ label: '1' }, { label: '2' }],
    },
    roles: {
      source: 'metadata',
      provisioned: ['+17209132000'],
      subscriber: '+17209132000',
      subscriberIndex: 1,
      numbers: ['+17203032570', '+17209132000'],
      sendLabels: [['1'], ['2']],
    },
  },
  'cisco-cube-nbr-1': {
    kind: 'sipp',
    // not SIPREC: plain SDP, no label, parties in X-Cisco-Recording-Participant
    media: [{ direction: 'sendonly', held: false, codecs: ['PCMU', 'telephone-event', 'CN'], chosen: 'PCMU' }],
    roles: {
      source: 'headers',
      provisioned: ['+12164485925'],
      subscriber: '+12164485925',
      subscriberIndex: 0,
      numbers: ['+12164485925', undefined],
      sendMediaIndexes: [[0], [1]],
    },
  },
  'cisco-cube-nbr-2': {
    kind: 'sipp',
    media: [{ direction: 'sendonly', held: false, codecs: ['PCMU', 'telephone-event', 'CN'], chosen: 'PCMU' }],
    roles: { source: 'headers', numbers: ['+12164485925', undefined], sendMediaIndexes: [[0], [1]] },
  },
  'connectel-1': {
    kind: 'body',
    country: 'SE',
    // no c= anywhere, o= 0.0.0.0, but a=sendonly: a live stream, not a hold
    media: [
      { label: '1', direction: 'sendonly', held: false, codecs: ['PCMU', 'PCMA', 'GSM', 'telephone-event'], chosen: 'PCMU', address: '0.0.0.0' },
      { label: '2', direction: 'sendonly', held: false, codecs: ['PCMA', 'PCMU', 'telephone-event'], chosen: 'PCMA', address: '0.0.0.0' },
    ],
    metadata: {
      namespace: NS1,
      sessionId: '2+hKdGY+QvCKu8HYTdBouQ==',
      participants: [
        // `test_user;lang=en-US;id=22` inside <name>
        { aor: 'sip:0771121212@52.57.92.239', e164: '+46771121212', name: 'test_user', sends: [] },
        { aor: 'sip:0760516936@sip-cust1.connectel.io', e164: '+46760516936', sends: [] },
      ],
      streams: [{ label: '1' }, { label: '2' }],
    },
    roles: { source: 'metadata', numbers: ['+46771121212', '+46760516936'], sendLabels: [[], []] },
  },
  'metaswitch-1': {
    kind: 'sipp',
    // single mixed m-line, no direction attribute, static payload types only
    media: [{ label: '1', direction: 'sendrecv', held: false, codecs: ['G729', 'PCMU', 'PCMA'], chosen: 'PCMU' }],
    metadata: {
      namespace: NS0,
      recordingId: '+zzFKOKREeanqeyezQV3BA==',
      sessionId: '+zzFbuKREeanqeyezQV3BA==',
      participants: [
        { aor: '7602922411', e164: '+17602922411', name: '7602922411', sends: ['1'] },
        { aor: '7602922410', e164: '+17602922410', name: '7602922410', sends: ['1'] },
      ],
      streams: [{ id: '+zzFquKREeanqeyezQV3BA==', label: '1' }],
    },
    roles: {
      source: 'metadata',
      provisioned: ['+17602922410'],
      subscriber: '+17602922410',
      subscriberIndex: 1,
      numbers: ['+17602922411', '+17602922410'],
      sendLabels: [['1'], ['1']],
    },
  },
  'metaswitch-2': {
    kind: 'sipp',
    // hold re-INVITE: o= and c= 0.0.0.0, no direction attribute
    media: [{ label: '1', direction: 'sendrecv', held: true, codecs: ['PCMU', 'PCMA'], chosen: 'PCMU', address: '0.0.0.0' }],
    metadata: {
      namespace: NS0,
      recordingId: '+zzFKOKREeanqeyezQV3BA==',
      sessionId: '+zzFbuKREeanqeyezQV3BA==',
      participants: [
        { aor: '7602922411', e164: '+17602922411', sends: ['1'] },
        { aor: '7602922410', e164: '+17602922410', sends: ['1'] },
      ],
      streams: [{ label: '1' }],
    },
    roles: { source: 'metadata', numbers: ['+17602922411', '+17602922410'], sendLabels: [['1'], ['1']] },
  },
  'netsapiens-1': {
    kind: 'xml',
    metadata: {
      namespace: NS1,
      groupId: '58cc3154ca0bdd2b0efbf9a04139526e',
      sessionId: '20260729201721000631',
      participants: [
        { aor: 'sip:1001@dwang.netsapiens.com', name: 'Din Djarin', sends: ['1'] },
        { aor: 'sip:1002@dwang.netsapiens.com', name: 'Boba Fett', sends: ['2'] },
      ],
      streams: [
        { id: 'wJwvQ18yqrywIhoZ00975F', label: '1' },
        { id: 'LjU9KTyGQlU7nWe8009760', label: '2' },
      ],
    },
    roles: { source: 'metadata', numbers: [undefined, undefined], sendLabels: [['1'], ['2']] },
  },
  'netsapiens-2': {
    kind: 'xml',
    // new INVITE after transfer: same group id, new session, stream id of the first leg reused
    metadata: {
      namespace: NS1,
      groupId: '58cc3154ca0bdd2b0efbf9a04139526e',
      sessionId: '20260729201748000671',
      participants: [
        { aor: 'sip:1001@dwang.netsapiens.com', name: 'Din Djarin', sends: ['1'] },
        { aor: 'sip:1006@dwang.netsapiens.com', name: 'Obi Wan Kenobi', sends: ['2'] },
      ],
      streams: [
        { id: 'wJwvQ18yqrywIhoZ00975F', label: '1' },
        { id: 'uEJ5NSEvncwFIg2500977D', label: '2' },
      ],
    },
    roles: { source: 'metadata', numbers: [undefined, undefined], sendLabels: [['1'], ['2']] },
  },
  'oracle-acme-1': {
    kind: 'body',
    media: [
      { label: '16777227', direction: 'sendonly', held: false, codecs: ['PCMU'], chosen: 'PCMU', address: '192.168.50.140' },
      { label: '16777228', direction: 'sendonly', held: false, codecs: ['PCMU'], chosen: 'PCMU', address: '192.168.50.140' },
    ],
    metadata: {
      namespace: NS0,
      sessionId: 'AavRXwIIQj1Q39eJulTipQ==',
      participants: [
        { aor: 'sip:9000@192.168.50.102', name: '9000', sends: ['16777227'], callingParty: true },
        { aor: 'sip:1002@192.168.50.10', name: '1002', sends: ['16777228'], callingParty: false },
      ],
      streams: [
        { label: '16777227', mode: 'separate' },
        { label: '16777228', mode: 'separate' },
      ],
    },
    roles: { source: 'metadata', numbers: [undefined, undefined], sendLabels: [['16777227'], ['16777228']] },
  },
  'oracle-acme-2': {
    kind: 'sipp',
    // the stray `--metaswitch-boundary` SDP stays inside the SDP part and is cut at its v=:
    // one m-line (16777227), not two
    media: [{ label: '16777227', direction: 'sendonly', held: false, codecs: ['PCMA', 'PCMU'], chosen: 'PCMA' }],
    metadata: {
      namespace: NS0,
      sessionId: '37ukRrJKSrZBgt/VYHuxXw==',
      participants: [
        { aor: 'sip:2125550101@192.168.50.102', e164: '+12125550101', name: '2125550101', sends: ['16777227'], callingParty: true },
        // its stream is not described (mono recording)
        { aor: 'sip:2125550102@192.168.50.10', e164: '+12125550102', name: '2125550102', sends: [], callingParty: false },
      ],
      streams: [{ label: '16777227', mode: 'separate' }],
    },
    roles: {
      source: 'metadata',
      // both provisioned: the called party (apkt:callingParty=false) is protected
      provisioned: ['+12125550101', '+12125550102'],
      subscriber: '+12125550102',
      subscriberIndex: 1,
      numbers: ['+12125550101', '+12125550102'],
      sendLabels: [['16777227'], []],
    },
  },
  'oracle-acme-3': {
    kind: 'body',
    media: [
      { label: '33675086', direction: 'sendonly', held: false, codecs: ['PCMU'], chosen: 'PCMU' },
      { label: '33675087', direction: 'sendonly', held: false, codecs: ['PCMU'], chosen: 'PCMU' },
    ],
    metadata: {
      namespace: NS0,
      sessionId: 'To5Z71XZTYhiHWrFDgu7XQ==',
      participants: [
        // `&quot;ECG Tester&quot;`: the SIP quotes are stripped for display; 11 digits, not US
        { aor: 'sip:22938884455@216.128.192.36', name: 'ECG Tester', sends: ['33675086'], callingParty: true },
        { aor: 'sip:+12298558585@216.128.192.137', e164: '+12298558585', name: '+12298558585', sends: ['33675087'], callingParty: false },
      ],
      streams: [
        { label: '33675086', mode: 'separate' },
        { label: '33675087', mode: 'separate' },
      ],
    },
    roles: {
      source: 'metadata',
      provisioned: ['+12298558585'],
      subscriber: '+12298558585',
      subscriberIndex: 1,
      numbers: [undefined, '+12298558585'],
      sendLabels: [['33675086'], ['33675087']],
    },
  },
  'ribbon-sonus-1': {
    kind: 'body',
    // no session-level c=, no closing boundary, tns: prefix; the CALLER sends label 2
    media: [
      { label: '1', direction: 'sendonly', held: false, codecs: ['PCMU'], chosen: 'PCMU', address: '172.16.169.132' },
      { label: '2', direction: 'sendonly', held: false, codecs: ['PCMU'], chosen: 'PCMU', address: '172.16.169.132' },
    ],
    metadata: {
      namespace: NS0,
      groupId: 'MTQ3YzA3YzAtNjdkNy0xMA==',
      sessionId: 'MTQ3YzA3YzEtNjdkNy0xMA==',
      participants: [
        { aor: '2249888500@172.16.198.55', e164: '+12249888500', name: 'Extension 8500', sends: ['2'] },
        { aor: '2249888012@172.16.195.72', e164: '+12249888012', sends: ['1'] },
      ],
      streams: [{ label: '1' }, { label: '2' }],
    },
    roles: {
      source: 'metadata',
      provisioned: ['+12249888012'],
      subscriber: '+12249888012',
      subscriberIndex: 1,
      numbers: ['+12249888500', '+12249888012'],
      sendLabels: [['2'], ['1']],
    },
  },
  'ribbon-sonus-2': {
    kind: 'full',
    media: [
      { label: '1', direction: 'sendonly', held: false, codecs: ['PCMU'], chosen: 'PCMU' },
      { label: '2', direction: 'sendonly', held: false, codecs: ['PCMU'], chosen: 'PCMU' },
    ],
    metadata: {
      namespace: NS0,
      groupId: 'ZjExNDNiMDAtNjk1MS0xMA==',
      sessionId: 'ZjExNDNiMDEtNjk1MS0xMA==',
      participants: [
        { aor: '5083084809@172.16.198.55', e164: '+15083084809', name: '5083084809', sends: ['2'] },
        { aor: '2245096042@172.16.195.72', e164: '+12245096042', sends: ['1'] },
      ],
      streams: [{ label: '1' }, { label: '2' }],
    },
    roles: {
      source: 'metadata',
      provisioned: ['+12245096042'],
      subscriber: '+12245096042',
      subscriberIndex: 1,
      numbers: ['+15083084809', '+12245096042'],
      sendLabels: [['2'], ['1']],
    },
  },
  'ribbon-sonus-3': {
    kind: 'full',
    // quoted boundary parameter
    media: [
      { label: '1', direction: 'sendonly', held: false, codecs: ['PCMU'], chosen: 'PCMU' },
      { label: '2', direction: 'sendonly', held: false, codecs: ['PCMU'], chosen: 'PCMU' },
    ],
    metadata: {
      namespace: NS0,
      groupId: 'ZjExNDNiMDAtNjk1MS0xMA==',
      sessionId: 'ZjExNDNiMDEtNjk1MS0xMA==',
      participants: [
        { aor: '5083084809@172.16.198.55', e164: '+15083084809', sends: ['2'] },
        { aor: '2245096042@172.16.195.72', e164: '+12245096042', sends: ['1'] },
      ],
      streams: [{ label: '1' }, { label: '2' }],
    },
    roles: { source: 'metadata', numbers: ['+15083084809', '+12245096042'], sendLabels: [['2'], ['1']] },
  },
  'sems-procomm-1': {
    kind: 'body',
    country: 'IE',
    // a=direction:both is not a direction; a=sendonly is
    media: [
      { label: 'a_leg', direction: 'sendonly', held: false, codecs: ['PCMA'], chosen: 'PCMA', address: '89.185.131.7' },
      { label: 'b_leg', direction: 'sendonly', held: false, codecs: ['PCMA'], chosen: 'PCMA', address: '89.185.131.7' },
    ],
    metadata: {
      namespace: NS1,
      sessionId: 'ho9aUhEQTRS+31th7sHStA==',
      participants: [
        { aor: 'sip:016190200@87.252.209.116', e164: '+35316190200', name: '016190200', sends: ['a_leg'] },
        { aor: 'Extension-016190619@speechpath.ie', name: 'Speechpath-Main-Line 016190619', sends: ['b_leg'] },
      ],
      streams: [{ label: 'a_leg' }, { label: 'b_leg' }],
    },
    roles: {
      source: 'metadata',
      provisioned: ['+35316190200'],
      subscriber: '+35316190200',
      subscriberIndex: 0,
      numbers: ['+35316190200', undefined],
      sendLabels: [['a_leg'], ['b_leg']],
    },
  },
  'webex-broadworks-1': {
    kind: 'sipp',
    // opus first, two telephone-event rates; opus is not decodable, PCMU is chosen
    media: [
      {
        label: '1',
        direction: 'sendonly',
        held: false,
        codecs: ['opus', 'telephone-event', 'PCMU', 'PCMA', 'G722', 'telephone-event'],
        chosen: 'PCMU',
      },
    ],
    metadata: {
      namespace: NSD,
      recordingId: 'urn:uuid:a64a47da-dfde-4a2d-9529-b72c924c2afd',
      groupId: 'urn:uuid:fea241f0-daa0-4a9b-9c48-96b94bf9a8bb',
      sessionId: 'urn:uuid:0be31ce3-d796-448d-982f-6c0b8e1295b7',
      participants: [
        { aor: 'sip:yztpfzzvkq@44936045.int10.bcld.webex.com', sends: ['1'] },
        { aor: 'sip:7722@10.155.7.148;user=phone', sends: ['2'] },
      ],
      streams: [
        { label: '1', mode: 'separate' },
        { label: '2', mode: 'separate' },
      ],
    },
    // metadata has no number: From decides
    roles: {
      source: 'headers',
      provisioned: ['+12102298545'],
      subscriber: '+12102298545',
      subscriberIndex: 0,
      numbers: ['+12102298545', undefined],
    },
  },
  'webex-broadworks-2': {
    kind: 'sipp',
    media: [
      {
        label: '1',
        direction: 'inactive',
        held: true,
        codecs: ['opus', 'telephone-event', 'PCMU', 'PCMA', 'G722', 'G729', 'telephone-event'],
        chosen: 'PCMU',
        address: '0.0.0.0',
      },
    ],
    roles: { source: 'headers', numbers: ['+12102298545', undefined] },
  },
  'webex-broadworks-3': {
    kind: 'sipp',
    metadata: {
      namespace: NSD,
      groupId: 'urn:uuid:fea241f0-daa0-4a9b-9c48-96b94bf9a8bb',
      participants: [
        { aor: 'sip:yztpfzzvkq@44936045.int10.bcld.webex.com', sends: ['1'] },
        { aor: 'sip:7722@10.155.7.148;user=phone', sends: ['2'] },
        // conference participant: aor without scheme, shares stream 2
        { aor: 'gosrs4isif@44936045.int10.bcld.webex.com', sends: ['2'] },
      ],
      streams: [{ label: '1' }, { label: '2' }],
    },
    roles: { source: 'headers', numbers: ['+12102298545', undefined] },
  },
};

function sendLabelsOf(md: RecordingMetadata, send: string[]): string[] {
  return send.map((id) => md.streams.find((s) => s.id === id)?.label).filter((l): l is string => l !== undefined);
}

function headerLookup(fx: LoadedFixture, extra: Record<string, string[]> | undefined): (n: string) => string[] {
  return (n) => [...fx.headers(n), ...(extra?.[n.toLowerCase()] ?? [])];
}

const available = sharedFixturesAvailable();
const suite = available ? describe : describe.skip;
if (!available) {
  describe('shared SIPREC fixtures', () => {
    it.skip(`skipped: ${sharedFixturesDir} is absent (research captures live outside the repo)`, () => {});
  });
}

suite('shared SIPREC fixtures', () => {
  const names = available ? listSharedFixtures() : [];
  const kinds = available ? indexKinds() : new Map<string, FixtureKind>();

  it('every capture has an expectation here and a kind in INDEX.md (a new capture must be described)', () => {
    expect([...names].sort()).toEqual(Object.keys(EXPECT).sort());
    for (const n of names) {
      expect(EXPECT[n], `no expectation for ${n}`).toBeDefined();
      expect(kinds.get(n), `INDEX.md has no row for ${n}`).toBe(EXPECT[n]?.kind);
    }
  });

  for (const name of Object.keys(EXPECT)) {
    const ex = EXPECT[name] as FixtureExpect;
    describe(name, () => {
      const load = (): { fx: LoadedFixture; body: SiprecBody } => {
        const fx = loadSharedFixture(name, ex.kind);
        const r = parseRecordingBody(fx.contentType, fx.body, { defaultCountry: ex.country ?? 'US' });
        if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
        return { fx, body: r.value };
      };

      it('parses to the documented media', () => {
        const { body } = load();
        if (ex.media === undefined) {
          expect(body.sdp).toBeUndefined();
          return;
        }
        expect(body.sdp?.media.length).toBe(ex.media.length);
        ex.media.forEach((m, i) => {
          const got = body.sdp?.media[i];
          expect(got?.index).toBe(i);
          expect(got?.label).toBe(m.label);
          expect(got?.direction).toBe(m.direction);
          expect(got?.held).toBe(m.held);
          expect(got?.codecs.map((c) => c.name)).toEqual(m.codecs);
          if (m.address !== undefined) expect(got?.address).toBe(m.address);
          expect(got === undefined ? undefined : chooseCodec(got)?.name).toBe(m.chosen);
        });
        expect(body.ignoredParts).toEqual(ex.ignoredParts ?? []);
      });

      it(ex.metadataError ? 'degrades: metadata error next to a usable SDP' : 'parses to the documented metadata', () => {
        const { body } = load();
        if (ex.metadataError !== undefined) {
          expect(body.metadata).toBeUndefined();
          expect(body.metadataError?.code).toBe(ex.metadataError);
          expect(body.sdp).toBeDefined();
          return;
        }
        const em = ex.metadata;
        if (em === undefined) {
          expect(body.metadata).toBeUndefined();
          expect(body.metadataError).toBeUndefined();
          return;
        }
        const md = body.metadata as RecordingMetadata;
        expect(md, 'metadata').toBeDefined();
        expect(md.dataMode).toBe('complete');
        expect(md.namespace).toBe(em.namespace);
        if (em.recordingId !== undefined) expect(md.recordingId).toBe(em.recordingId);
        expect(md.groupId).toBe(em.groupId);
        if (em.sessionId !== undefined) expect(md.sessionId).toBe(em.sessionId);
        expect(md.repairs !== undefined).toBe(em.repaired === true);
        expect(md.participants.length).toBe(em.participants.length);
        em.participants.forEach((p, i) => {
          const got = md.participants[i];
          expect(got?.aor).toBe(p.aor);
          expect(got?.e164).toBe(p.e164);
          if (p.name !== undefined) expect(got?.name).toBe(p.name);
          expect(got?.callingParty).toBe(p.callingParty);
          expect(sendLabelsOf(md, got?.send ?? [])).toEqual(p.sends);
        });
        expect(md.streams.map((s) => s.label)).toEqual(em.streams.map((s) => s.label));
        em.streams.forEach((s, i) => {
          if (s.id !== undefined) expect(md.streams[i]?.id).toBe(s.id);
          if (s.mode !== undefined) expect(md.streams[i]?.mode).toBe(s.mode);
        });
      });

      it('resolves roles from metadata (or the documented header fallback)', () => {
        const { fx, body } = load();
        const provisioned = new Set(ex.roles.provisioned ?? []);
        const input = {
          headers: headerLookup(fx, ex.extraHeaders),
          defaultCountry: ex.country ?? 'US',
          ...(body.metadata ? { metadata: body.metadata } : {}),
          ...(fx.from !== undefined ? { from: fx.from } : {}),
          ...(fx.to !== undefined ? { to: fx.to } : {}),
        };
        const r = resolveParticipants(input, (n) => provisioned.has(n));
        expect(r.source).toBe(ex.roles.source);
        expect(r.subscriber).toBe(ex.roles.subscriber);
        expect(r.participants.map((p) => p.number)).toEqual(ex.roles.numbers);
        r.participants.forEach((p, i) => {
          expect(p.role).toBe(i === ex.roles.subscriberIndex ? 'subscriber' : 'caller');
        });
        if (ex.roles.sendLabels) expect(r.participants.map((p) => p.sendLabels)).toEqual(ex.roles.sendLabels);
        if (ex.roles.sendMediaIndexes) expect(r.participants.map((p) => p.sendMediaIndexes)).toEqual(ex.roles.sendMediaIndexes);
      });

      if (ex.media !== undefined) {
        it('gets a well-formed answer: one m-line per offer m-line, labels echoed, recvonly/inactive', () => {
          const { body } = load();
          const sdp = body.sdp;
          if (sdp === undefined) throw new Error('no sdp');
          const answer = buildAnswer(
            sdp,
            sdp.media.map((m, i) => {
              const codec = chooseCodec(m);
              const te = codec ? chooseTelephoneEvent(m, codec) : undefined;
              return { port: codec ? 30000 + 2 * i : 0, ...(codec ? { codec } : {}), ...(te ? { telephoneEvent: te } : {}) };
            }),
            { address: '192.0.2.99', sessionId: '42', version: 1 },
          );
          expect(answer.endsWith('\r\n')).toBe(true);
          expect(answer.split('\r\n').some((l) => l.includes('\n'))).toBe(false);
          const mLines = answer.split('\r\n').filter((l) => l.startsWith('m='));
          expect(mLines.length).toBe(sdp.media.length);
          const sections = answer.split(/\r\nm=/).slice(1);
          sdp.media.forEach((m, i) => {
            const sec = sections[i] ?? '';
            if (m.label !== undefined) expect(sec).toContain(`a=label:${m.label}\r\n`);
            else expect(sec).not.toContain('a=label');
            expect(sec).toContain(m.held ? 'a=inactive' : 'a=recvonly');
            expect(sec).not.toMatch(/a=(sendonly|sendrecv)/);
          });
        });
      }
    });
  }
});
