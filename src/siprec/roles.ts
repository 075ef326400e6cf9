/**
 * Who is who in a recorded call: the protected subscriber (a participant whose number, normalised
 * to E.164, is provisioned) and everyone else ('caller'). Roles come from metadata — never from
 * m-line order, which peers' issue trackers show swapping caller and callee (Ribbon sends the
 * caller's audio on label 2) — and each participant's streams come from its send associations
 * (participantstreamassoc / draft <send>) → stream id → stream label.
 *
 * Fallbacks, in order, when metadata has no usable number (absent, degraded, or only placeholders
 * such as Avaya's `sip:ASBCE@asbce.com` and Webex user ids):
 *   1. Cisco network-based recording: `X-Cisco-Recording-Participant: sip:…;media-index="0"`, one
 *      per party; media-index is the m-line index that party sends;
 *   2. the INVITE's From (or its P-Asserted-Identity) and To.
 * When no participant is provisioned, an `X-Callguard-Subscriber: <number>` header (name configurable
 * through ResolveInput.subscriberHeader) naming a provisioned subscriber decides; otherwise there is
 * no subscriber and the engine refuses (403).
 */
import { parseAddress, parseAddressList } from './name-addr.js';
import { normaliseNumber } from './numbers.js';
import type { CallParticipant, RecordingMetadata } from './types.js';

export interface ResolveInput {
  metadata?: RecordingMetadata;
  /** The request's From and To header values (or bare URIs). */
  from?: string;
  to?: string;
  /** All values of a request header, case-insensitive. */
  headers: (name: string) => string[];
  defaultCountry: string;
  /** Header that may name the subscriber (configurable per deployment); X-Callguard-Subscriber by default. */
  subscriberHeader?: string;
}

export type ParticipantSource = 'metadata' | 'headers' | 'subscriber-header';

export interface ResolvedParticipants {
  participants: CallParticipant[];
  /** E.164 of the protected subscriber; undefined when nobody in the call is provisioned. */
  subscriber?: string;
  source: ParticipantSource;
}

/** A participant before roles, with the "placed the call" hint used to break ties. */
interface Candidate {
  participant: CallParticipant;
  calling?: boolean;
}

export const SUBSCRIBER_HEADER = 'X-Callguard-Subscriber';
export const CISCO_PARTICIPANT_HEADER = 'X-Cisco-Recording-Participant';

export function resolveParticipants(
  input: ResolveInput,
  isSubscriber: (e164: string) => boolean,
): ResolvedParticipants {
  const fromMetadata = input.metadata ? metadataCandidates(input.metadata) : [];
  let candidates = fromMetadata;
  let source: ParticipantSource = 'metadata';
  if (!hasNumber(fromMetadata)) {
    const cisco = ciscoCandidates(input);
    const fromTo = cisco.length > 0 && hasNumber(cisco) ? cisco : fromToCandidates(input);
    if (hasNumber(fromTo)) {
      candidates = fromTo;
      source = 'headers';
    } else if (fromMetadata.length === 0) {
      // Nothing has a number anywhere: keep whichever parties we could name.
      candidates = cisco.length > 0 ? cisco : fromTo;
      source = 'headers';
    }
  }

  // Ask the provisioning lookup once per distinct number.
  const provisioned = new Map<string, boolean>();
  const isProvisioned = (n: string): boolean => {
    let v = provisioned.get(n);
    if (v === undefined) {
      v = isSubscriber(n);
      provisioned.set(n, v);
    }
    return v;
  };

  // Several provisioned parties (subscriber calling subscriber): protect the called one, since
  // scams target the callee; then one with no hint; the caller last.
  let chosen: Candidate | undefined;
  for (const c of candidates) {
    const n = c.participant.number;
    if (n === undefined || !isProvisioned(n)) continue;
    if (chosen === undefined || rank(c) < rank(chosen)) chosen = c;
  }
  if (chosen !== undefined) {
    const participants = candidates.map((c) => ({ ...c.participant, role: c === chosen ? ('subscriber' as const) : ('caller' as const) }));
    return { participants, subscriber: chosen.participant.number, source };
  }

  const participants = candidates.map((c) => ({ ...c.participant, role: 'caller' as const }));
  for (const value of input.headers(input.subscriberHeader || SUBSCRIBER_HEADER)) {
    const n = normaliseNumber(value, input.defaultCountry);
    if (n !== undefined && isProvisioned(n)) {
      // The SRC named the subscriber but none of the parties carries that number (an internal
      // user id, an extension): we know whom to protect, not which stream is theirs.
      return { participants, subscriber: n, source: 'subscriber-header' };
    }
  }
  return { participants, source };
}

function rank(c: Candidate): number {
  return c.calling === false ? 0 : c.calling === undefined ? 1 : 2;
}

function hasNumber(cs: Candidate[]): boolean {
  return cs.some((c) => c.participant.number !== undefined);
}

function metadataCandidates(md: RecordingMetadata): Candidate[] {
  const labelOf = new Map<string, string>();
  for (const s of md.streams) if (s.label !== undefined && !labelOf.has(s.id)) labelOf.set(s.id, s.label);
  return md.participants.map((p) => {
    const sendLabels: string[] = [];
    for (const id of p.send) {
      const l = labelOf.get(id);
      if (l !== undefined && !sendLabels.includes(l)) sendLabels.push(l);
    }
    const participant: CallParticipant = { id: p.id, role: 'caller', sendLabels };
    if (p.e164 !== undefined) participant.number = p.e164;
    if (p.name !== undefined) participant.name = p.name;
    const c: Candidate = { participant };
    if (p.callingParty !== undefined) c.calling = p.callingParty;
    return c;
  });
}

function ciscoCandidates(input: ResolveInput): Candidate[] {
  const out: Candidate[] = [];
  for (const value of input.headers(CISCO_PARTICIPANT_HEADER)) {
    for (const a of parseAddressList(value)) {
      const idxText = a.params.get('media-index');
      const idx = idxText === undefined ? undefined : Number.parseInt(idxText, 10);
      const participant: CallParticipant = {
        id: `cisco-recording-participant:${idx !== undefined && Number.isInteger(idx) ? idx : out.length}`,
        role: 'caller',
        sendLabels: [],
      };
      if (idx !== undefined && Number.isInteger(idx) && idx >= 0) participant.sendMediaIndexes = [idx];
      const n = normaliseNumber(a.uri, input.defaultCountry);
      if (n !== undefined) participant.number = n;
      if (a.display !== undefined) participant.name = a.display;
      out.push({ participant });
    }
  }
  return out;
}

function fromToCandidates(input: ResolveInput): Candidate[] {
  const out: Candidate[] = [];
  const from = input.from === undefined ? undefined : parseAddress(input.from);
  // P-Asserted-Identity (RFC 3325) asserts the From party's identity; prefer its number.
  let assertedNumber: string | undefined;
  let assertedName: string | undefined;
  for (const v of input.headers('P-Asserted-Identity')) {
    for (const a of parseAddressList(v)) {
      const n = normaliseNumber(a.uri, input.defaultCountry);
      if (n !== undefined && assertedNumber === undefined) {
        assertedNumber = n;
        assertedName = a.display;
      }
    }
  }
  if (from !== undefined || assertedNumber !== undefined) {
    const participant: CallParticipant = { id: 'from', role: 'caller', sendLabels: [] };
    const n = assertedNumber ?? (from === undefined ? undefined : normaliseNumber(from.uri, input.defaultCountry));
    if (n !== undefined) participant.number = n;
    const name = from?.display ?? assertedName;
    if (name !== undefined) participant.name = name;
    out.push({ participant, calling: true });
  }
  const to = input.to === undefined ? undefined : parseAddress(input.to);
  if (to !== undefined) {
    const participant: CallParticipant = { id: 'to', role: 'caller', sendLabels: [] };
    const n = normaliseNumber(to.uri, input.defaultCountry);
    if (n !== undefined) participant.number = n;
    if (to.display !== undefined) participant.name = to.display;
    out.push({ participant, calling: false });
  }
  return out;
}
