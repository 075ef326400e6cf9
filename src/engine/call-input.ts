/** What the call actor is told about its recording: its input, its streams, each metadata revision. */
import type { CallInput, CallStream, MetadataRevision } from '../../machines/call.js';
import type { RtpEndpoint } from '../media/types.js';
import { chooseCodec } from '../siprec/index.js';
import type { CallParticipant, OfferedSdp, RecordingMetadata } from '../siprec/types.js';

export function revision(at: number, metadata: RecordingMetadata | undefined, degraded: boolean): MetadataRevision {
  return {
    at,
    dataMode: metadata?.dataMode ?? 'complete',
    participants: metadata?.participants.length ?? 0,
    streams: metadata?.streams.length ?? 0,
    degraded: degraded || !metadata,
  };
}

export function describeStreams(sdp: OfferedSdp, media: Map<number, RtpEndpoint>, participants: CallParticipant[]): CallStream[] {
  return sdp.media.map((m) => {
    // Metadata associates by label; Cisco NBR headers by media index (its offers carry no labels).
    const senders = participants.filter((p) =>
      m.label !== undefined ? p.sendLabels.includes(m.label) : (p.sendMediaIndexes ?? []).includes(m.index),
    );
    // One sender: a separate stream. Several or none: mixed or unknown; roles are not guessed from order.
    const sender = senders.length === 1 ? senders[0] : undefined;
    const ep = media.get(m.index);
    const codec = ep ? chooseCodec(m) : undefined;
    return {
      index: m.index,
      ...(m.label !== undefined ? { label: m.label } : {}),
      ...(sender ? { participantId: sender.id, role: sender.role } : {}),
      direction: m.direction,
      held: m.held,
      ...(codec ? { codec: `${codec.name}/${codec.clockRate}` } : {}),
      port: ep?.port ?? 0,
    };
  });
}

/** The party that is not the subscriber: the one the subscriber is being warned about. */
export function callerOf(input: Pick<CallInput, 'participants' | 'subscriber'>): string | undefined {
  const other = input.participants.find((p) => p.role === 'caller' && p.number && p.number !== input.subscriber);
  return other?.number;
}
