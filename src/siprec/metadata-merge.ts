/**
 * Metadata updates (RFC 7866 §8.1.2, RFC 7865 §5.1 dataMode): a `complete` document replaces what
 * we knew; a `partial` one carries only what changed. Updates arrive in re-INVITEs, in metadata-only
 * UPDATEs (Avaya SBCE, Webex) or not at all (SDP-only re-INVITE: keep the previous metadata).
 */
import type { MetadataParticipant, MetadataStream, RecordingMetadata } from './types.js';

/**
 * Applies `update` to `prev`. Partial: participants and streams are merged by id (fields present
 * in the update win; new ids are appended in update order); a participant's send/recv list is
 * replaced only when the update gives a non-empty one, since an absent association element and an
 * empty one cannot be told apart in the wild (Cisco sends empty `<participantstreamassoc>`).
 * Inputs are not mutated.
 */
export function mergeMetadata(prev: RecordingMetadata | undefined, update: RecordingMetadata): RecordingMetadata {
  if (prev === undefined || update.dataMode === 'complete') return update;

  const participants: MetadataParticipant[] = prev.participants.map((p) => ({ ...p, send: [...p.send], recv: [...p.recv] }));
  const pIndex = new Map<string, number>();
  participants.forEach((p, i) => pIndex.set(p.id, i));
  for (const u of update.participants) {
    const i = pIndex.get(u.id);
    const cur = i === undefined ? undefined : participants[i];
    if (i === undefined || cur === undefined) {
      pIndex.set(u.id, participants.length);
      participants.push({ ...u, send: [...u.send], recv: [...u.recv] });
      continue;
    }
    const merged: MetadataParticipant = { ...cur };
    if (u.aor !== undefined) {
      // a new aor invalidates the old number even when the new one has none
      merged.aor = u.aor;
      if (u.e164 !== undefined) merged.e164 = u.e164;
      else delete merged.e164;
      if (u.identity !== undefined) merged.identity = u.identity;
      else delete merged.identity;
    }
    if (u.name !== undefined) merged.name = u.name;
    if (u.callingParty !== undefined) merged.callingParty = u.callingParty;
    if (u.send.length > 0) merged.send = [...u.send];
    if (u.recv.length > 0) merged.recv = [...u.recv];
    participants[i] = merged;
  }

  const streams: MetadataStream[] = prev.streams.map((s) => ({ ...s }));
  const sIndex = new Map<string, number>();
  streams.forEach((s, i) => sIndex.set(s.id, i));
  for (const u of update.streams) {
    const i = sIndex.get(u.id);
    const cur = i === undefined ? undefined : streams[i];
    if (i === undefined || cur === undefined) {
      sIndex.set(u.id, streams.length);
      streams.push({ ...u });
      continue;
    }
    streams[i] = { ...cur, ...definedOnly(u) };
  }

  const out: RecordingMetadata = {
    dataMode: prev.dataMode,
    namespace: update.namespace || prev.namespace,
    participants,
    streams,
  };
  const recordingId = update.recordingId ?? prev.recordingId;
  const groupId = update.groupId ?? prev.groupId;
  const sessionId = update.sessionId ?? prev.sessionId;
  if (recordingId !== undefined) out.recordingId = recordingId;
  if (groupId !== undefined) out.groupId = groupId;
  if (sessionId !== undefined) out.sessionId = sessionId;
  const repairs = [...(prev.repairs ?? []), ...(update.repairs ?? [])];
  if (repairs.length > 0) out.repairs = repairs;
  return out;
}

function definedOnly(s: MetadataStream): Partial<MetadataStream> {
  const out: Partial<MetadataStream> = {};
  if (s.label !== undefined) out.label = s.label;
  if (s.sessionId !== undefined) out.sessionId = s.sessionId;
  if (s.mode !== undefined) out.mode = s.mode;
  return out;
}
