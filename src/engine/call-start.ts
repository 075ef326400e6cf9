/** Starts a call's actor once its offer is answered, and tells the registry when what it shows changes. */
import { randomUUID } from 'node:crypto';
import type { CallInput } from '../../machines/call.js';
import type { OfferedSdp, RecordingMetadata } from '../siprec/types.js';
import type { SessionInfo } from '../sip/types.js';
import type { RecordingState } from '../state/types.js';
import type { CallActors } from './call-actors.js';
import { callerOf, describeStreams, revision } from './call-input.js';
import type { CallResources } from './call-resources.js';
import type { EngineContext } from './engine-context.js';
import { higherRisk, type CallActor, type LiveCall } from './live-call.js';
import { recordingKeyOf, restoredInput } from './recording-state.js';
import type { ResolvedRoles } from './roles.js';

/** An answered offer: everything a call starts from. */
export interface AnsweredOffer {
  session: SessionInfo;
  sdp: OfferedSdp;
  metadata: RecordingMetadata | undefined;
  /** The metadata was unusable: roles came from the INVITE's headers. */
  degraded: boolean;
  roles: ResolvedRoles;
  resources: CallResources;
  answer: string;
  answerSessionId: string;
  /** The recording's state from another node (an SRC failing over). */
  restored: RecordingState | undefined;
}

export function startCall(ctx: EngineContext, actors: CallActors, offer: AnsweredOffer): LiveCall {
  const { session, sdp, metadata, roles, resources, restored } = offer;
  const { config } = ctx.deps;
  const at = ctx.now();
  const id = randomUUID();
  const restoredState = restored && restoredInput(restored);
  const input: CallInput = {
    id,
    sessionId: session.id,
    sipCallId: session.callId,
    groupId: metadata?.groupId,
    recordingSessionId: metadata?.sessionId,
    subscriber: roles.subscriber as string,
    participants: roles.participants,
    rolesFrom: roles.source,
    metadata: revision(at, metadata, offer.degraded),
    timer: session.timer,
    source: `${session.source.transport}:${session.source.address}:${session.source.port}`,
    startedAt: session.receivedAt,
    mediaTimeoutMs: config.media?.timeoutMs ?? 60_000,
    transcriptLimits: config.speech?.transcript ?? { windowMs: 120_000, maxUtterances: 50 },
    ...(restoredState ? { restored: restoredState } : {}),
  };
  if (restored) {
    ctx.log.info({ callId: id, recordingLevel: restored.risk.level, alerted: restored.alertAnnounced, from: restored.node }, 'recording resumed from another node');
  }
  const actor = actors.create(input);
  const caller = callerOf(input);
  const call: LiveCall = {
    id,
    sessionId: session.id,
    actor,
    resources,
    ended: false,
    offer: sdp,
    metadata,
    recordingKeys: [recordingKeyOf(metadata, session.callId)],
    ...(caller ? { caller } : {}),
    peakRisk: 'none',
    answer: offer.answer,
    answerVersion: 1,
    answerSessionId: offer.answerSessionId,
    session,
  };
  ctx.calls.add(call);
  actor.start();
  actor.send({ type: 'sip.answered', streams: describeStreams(sdp, resources.media, roles.participants), at });
  resources.wire(call);
  ctx.emit({ type: 'started', callId: id });
  watch(ctx, call);
  return call;
}

/** Follows the actor: its peak risk (metrics), and an `updated` event when what others show changes. */
function watch(ctx: EngineContext, call: LiveCall): void {
  const { actor } = call;
  call.peakRisk = higherRisk(call.peakRisk, actor.getSnapshot().context.risk.level);
  actor.subscribe((snap) => {
    call.peakRisk = higherRisk(call.peakRisk, snap.context.risk.level);
  });
  // What the registry and the dashboard show changes rarely; media statistics every second do not count.
  const shownOf = (snap: ReturnType<CallActor['getSnapshot']>): string => {
    const c = snap.context;
    return JSON.stringify([snap.value, c.risk.level, c.risk.alerted, c.risk.category, c.streams.map((st) => [st.index, st.held, st.codec]), c.speech.status, call.recordingKeys.length]);
  };
  let shown = shownOf(actor.getSnapshot());
  actor.subscribe((snap) => {
    if (snap.status !== 'active') return;
    const now = shownOf(snap);
    if (now === shown) return;
    shown = now;
    ctx.emit({ type: 'updated', callId: call.id });
  });
}
