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
 * A party is provisioned by its key: its E.164 number, or, when it has none, the identity the SRC names
 * it by (a BroadWorks 14-digit user, an extension, user@host; numbers.ts normaliseIdentity). When the
 * headers were chosen for their numbers and nobody there is provisioned, the metadata's parties and then
 * Cisco's are asked by identity (a BroadWorks recording's metadata names its user `86074075017412` while
 * the INVITE's From may carry a number). The INVITE's From/To are never preferred over metadata that
 * names parties: in SIPREC they name the recording session, not necessarily who talks.
 * When no participant is provisioned, an `X-Callguard-Subscriber: <number>` header (name configurable
 * through ResolveInput.subscriberHeader) naming a provisioned subscriber decides; otherwise there is
 * no subscriber and the engine refuses (403).
 */
import { parseAddress, parseAddressList } from './name-addr.js';
import { isE164, normaliseIdentity } from './numbers.js';
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
  /** The protected subscriber's key (E.164, or identity); undefined when nobody in the call is provisioned. */
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

/** What a participant is provisioned by: its E.164 number, else its identity. */
export const participantKey = (p: Pick<CallParticipant, 'number' | 'identity'>): string | undefined => p.number ?? p.identity;

export function resolveParticipants(
  input: ResolveInput,
  isSubscriber: (key: string) => boolean,
): ResolvedParticipants {
  const fromMetadata = input.metadata ? metadataCandidates(input.metadata) : [];
  // The headers are parsed only when the metadata has no number (the common SIPREC INVITE needs neither).
  let cisco: Candidate[] | undefined;
  let fromTo: Candidate[] | undefined;
  const ciscoOf = (): Candidate[] => (cisco ??= ciscoCandidates(input));
  const fromToOf = (): Candidate[] => (fromTo ??= fromToCandidates(input));
  let candidates = fromMetadata;
  let source: ParticipantSource = 'metadata';
  if (!hasNumber(fromMetadata)) {
    const c = ciscoOf();
    const headers = c.length > 0 && hasNumber(c) ? c : fromToOf();
    if (hasNumber(headers)) {
      candidates = headers;
      source = 'headers';
    } else if (fromMetadata.length === 0) {
      // Nothing has a number anywhere: keep whichever parties we could name.
      candidates = c.length > 0 ? c : fromToOf();
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

  const provisionedIn = (cs: Candidate[]): Candidate | undefined => {
    // Several provisioned parties (subscriber calling subscriber): protect the called one, since
    // scams target the callee; then one with no hint; the caller last.
    let chosen: Candidate | undefined;
    for (const c of cs) {
      const key = participantKey(c.participant);
      if (key === undefined || !isProvisioned(key)) continue;
      if (chosen === undefined || rank(c) < rank(chosen)) chosen = c;
    }
    return chosen;
  };
  let chosen = provisionedIn(candidates);
  if (chosen === undefined && source === 'headers') {
    // Numbers chose the headers and nobody there is provisioned: a party the SRC names may be, by identity.
    for (const [cs, src] of [[fromMetadata, 'metadata'], [ciscoOf(), 'headers']] as const) {
      if (cs === candidates) continue;
      chosen = provisionedIn(cs);
      if (chosen !== undefined) {
        candidates = cs;
        source = src;
        break;
      }
    }
  }
  if (chosen !== undefined) {
    const participants = candidates.map((c) => ({ ...c.participant, role: c === chosen ? ('subscriber' as const) : ('caller' as const) }));
    return { participants, subscriber: participantKey(chosen.participant)!, source };
  }

  const participants = candidates.map((c) => ({ ...c.participant, role: 'caller' as const }));
  for (const value of input.headers(input.subscriberHeader || SUBSCRIBER_HEADER)) {
    const n = normaliseIdentity(value, input.defaultCountry);
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
    else if (p.identity !== undefined) participant.identity = p.identity;
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
      setKey(participant, a.uri, input.defaultCountry);
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
      const n = normaliseIdentity(a.uri, input.defaultCountry);
      if (n !== undefined && isE164(n) && assertedNumber === undefined) {
        assertedNumber = n;
        assertedName = a.display;
      }
    }
  }
  if (from !== undefined || assertedNumber !== undefined) {
    const participant: CallParticipant = { id: 'from', role: 'caller', sendLabels: [] };
    if (assertedNumber !== undefined) participant.number = assertedNumber;
    else if (from !== undefined) setKey(participant, from.uri, input.defaultCountry);
    const name = from?.display ?? assertedName;
    if (name !== undefined) participant.name = name;
    out.push({ participant, calling: true });
  }
  const to = input.to === undefined ? undefined : parseAddress(input.to);
  if (to !== undefined) {
    const participant: CallParticipant = { id: 'to', role: 'caller', sendLabels: [] };
    setKey(participant, to.uri, input.defaultCountry);
    if (to.display !== undefined) participant.name = to.display;
    out.push({ participant, calling: false });
  }
  return out;
}

/** The participant's E.164 number, or its identity when the URI names no number. */
function setKey(participant: CallParticipant, uri: string, defaultCountry: string): void {
  const key = normaliseIdentity(uri, defaultCountry);
  if (key === undefined) return;
  if (isE164(key)) participant.number = key;
  else participant.identity = key;
}
