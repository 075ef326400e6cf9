/**
 * The body of a SIPREC INVITE as an SBC builds it (RFC 7866 §9): multipart/mixed with an SDP that
 * has one sendonly m-line per party, and RFC 7865 rs-metadata that says which party sends which
 * stream. Roles travel in the metadata (participantstreamassoc → stream → label → a=label), never in
 * m-line order: callguard must find the subscriber that way, so the simulator exercises it.
 */
import { newMetadataId } from './sip-ids.js';
import type { CodecChoice, Party } from './types.js';

/** a=label tokens: RFC 7866 §8.1.1 only needs them unique; 1/2 is what most SBCs send. */
export const LABELS: Readonly<Record<Party, string>> = { caller: '1', subscriber: '2' };

/** RFC 3551 static payload types; G.722 is signalled at 8000 though it samples at 16000 (§4.5.2). */
export const CODEC_SDP: Readonly<Record<CodecChoice, { payloadType: number; rtpmap: string }>> = {
  pcmu: { payloadType: 0, rtpmap: 'PCMU/8000' },
  pcma: { payloadType: 8, rtpmap: 'PCMA/8000' },
  g722: { payloadType: 9, rtpmap: 'G722/8000' },
};

/** RFC 4733 telephone-event: a dynamic type, as SBCs offer it next to the voice codec. */
export const TELEPHONE_EVENT_PT = 101;

export const METADATA_NS = 'urn:ietf:params:xml:ns:recording:1';

export interface SdpParams {
  /** Our media address (an IP literal). */
  address: string;
  /** o= sess-id: stays for the dialog. */
  sessionId: string;
  /** o= sess-version: RFC 3264 §8 wants it incremented for every changed offer. */
  version: number;
  codec: CodecChoice;
  /** Our RTP port per party (a sendonly stream still names a port: RFC 3264 §5.1). */
  ports: Readonly<Record<Party, number>>;
  /** sendonly while recording; inactive while held. */
  direction: 'sendonly' | 'inactive';
}

export function buildSdp(p: SdpParams): string {
  const ipv = p.address.includes(':') ? 'IP6' : 'IP4';
  const { payloadType, rtpmap } = CODEC_SDP[p.codec];
  const lines = ['v=0', `o=callguard-simulate ${p.sessionId} ${p.version} IN ${ipv} ${p.address}`, 's=SIPREC', `c=IN ${ipv} ${p.address}`, 't=0 0'];
  for (const party of ['caller', 'subscriber'] as const) {
    lines.push(
      `m=audio ${p.ports[party]} RTP/AVP ${payloadType} ${TELEPHONE_EVENT_PT}`,
      `a=rtpmap:${payloadType} ${rtpmap}`,
      `a=rtpmap:${TELEPHONE_EVENT_PT} telephone-event/8000`,
      `a=fmtp:${TELEPHONE_EVENT_PT} 0-15`,
      'a=ptime:20',
      `a=label:${LABELS[party]}`,
      `a=${p.direction}`,
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Ids a metadata document refers to; fixed for the dialog so a later update could reuse them. */
export interface MetadataIds {
  group: string;
  session: string;
  participants: Record<Party, string>;
  streams: Record<Party, string>;
}

export function newMetadataIds(): MetadataIds {
  return {
    group: newMetadataId(),
    session: newMetadataId(),
    participants: { caller: newMetadataId(), subscriber: newMetadataId() },
    streams: { caller: newMetadataId(), subscriber: newMetadataId() },
  };
}

export interface MetadataParams {
  ids: MetadataIds;
  /** E.164 numbers. */
  numbers: Readonly<Record<Party, string>>;
  /** Host part of the participants' AORs (the SBC's domain; we use our address). */
  domain: string;
  /** When the recorded call started (group associate-time, session start-time). */
  startTime: Date;
}

/** RFC 7865 §6: a complete document with group, session, both participants and both streams. */
export function buildMetadata(p: MetadataParams): string {
  const { ids } = p;
  const at = p.startTime.toISOString();
  const domain = p.domain.includes(':') ? `[${p.domain}]` : p.domain;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<recording xmlns="${METADATA_NS}">`,
    '  <datamode>complete</datamode>',
    `  <group group_id="${xml(ids.group)}"><associate-time>${at}</associate-time></group>`,
    `  <session session_id="${xml(ids.session)}"><group-ref>${xml(ids.group)}</group-ref><start-time>${at}</start-time></session>`,
  ];
  const names: Record<Party, string> = { caller: 'Caller', subscriber: 'Subscriber' };
  for (const party of ['caller', 'subscriber'] as const) {
    out.push(
      `  <participant participant_id="${xml(ids.participants[party])}">` +
        `<nameID aor="sip:${xml(p.numbers[party])}@${xml(domain)}"><name xml:lang="en">${names[party]}</name></nameID></participant>`,
    );
  }
  for (const party of ['caller', 'subscriber'] as const) {
    out.push(
      `  <participantsessionassoc participant_id="${xml(ids.participants[party])}" session_id="${xml(ids.session)}">` +
        `<associate-time>${at}</associate-time></participantsessionassoc>`,
    );
  }
  for (const party of ['caller', 'subscriber'] as const) {
    out.push(`  <stream stream_id="${xml(ids.streams[party])}" session_id="${xml(ids.session)}"><label>${LABELS[party]}</label></stream>`);
  }
  // Each party sends its own stream and hears the other's.
  out.push(
    `  <participantstreamassoc participant_id="${xml(ids.participants.caller)}"><send>${xml(ids.streams.caller)}</send><recv>${xml(ids.streams.subscriber)}</recv></participantstreamassoc>`,
    `  <participantstreamassoc participant_id="${xml(ids.participants.subscriber)}"><send>${xml(ids.streams.subscriber)}</send><recv>${xml(ids.streams.caller)}</recv></participantstreamassoc>`,
    '</recording>',
  );
  return `${out.join('\r\n')}\r\n`;
}

export interface SiprecOffer {
  contentType: string;
  body: Buffer;
  sdp: string;
  metadata: string;
}

/** RFC 7866 §9.1: the metadata part carries Content-Disposition recording-session. */
export function buildSiprecOffer(sdp: SdpParams, metadata: MetadataParams, boundary = `cg-sim-${newMetadataId().replace(/[^A-Za-z0-9]/g, '')}`): SiprecOffer {
  const sdpText = buildSdp(sdp);
  const md = buildMetadata(metadata);
  const body =
    `--${boundary}\r\nContent-Type: application/sdp\r\n\r\n${sdpText}` +
    `--${boundary}\r\nContent-Type: application/rs-metadata+xml\r\nContent-Disposition: recording-session\r\n\r\n${md}` +
    `--${boundary}--\r\n`;
  return { contentType: `multipart/mixed;boundary=${boundary}`, body: Buffer.from(body, 'utf8'), sdp: sdpText, metadata: md };
}

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}
