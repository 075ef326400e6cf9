/**
 * Answers a re-offer in a call (re-INVITE or UPDATE): a bare session refresh, hold and resume, new
 * streams, a metadata update. Always a full SDP; the actor is told what changed.
 */
import type { CallEvent } from '../../machines/call.js';
import { PortsExhaustedError } from '../media/types.js';
import { mergeMetadata } from '../siprec/index.js';
import { participantKey } from '../siprec/roles.js';
import type { OfferedSdp } from '../siprec/types.js';
import type { OfferAnswer, ReofferKind, SessionTimer, SipBody } from '../sip/types.js';
import { describeStreams, revision } from './call-input.js';
import type { EngineContext } from './engine-context.js';
import type { LiveCall } from './live-call.js';
import { allocateAndAnswer, NoUsableStreamError } from './media-answer.js';
import { checkRecordingBody, refuse } from './recording-body.js';
import { recordingKeyOf } from './recording-state.js';
import { resolveRoles } from './roles.js';

const NO_CALL = (): OfferAnswer => refuse(481, 'Call/Transaction Does Not Exist');

export async function reoffer(
  ctx: EngineContext,
  call: LiveCall | undefined,
  body: SipBody | null,
  kind: ReofferKind,
  timer: SessionTimer | undefined,
): Promise<OfferAnswer> {
  if (!call) return NO_CALL();
  const { config } = ctx.deps;
  const at = ctx.now();
  if (!body || body.raw.length === 0) {
    // A bare refresh (RFC 4028): same answer, same version.
    call.actor.send({ type: 'sip.reoffer', at, timer: timer ?? null });
    return { ok: true, sdp: call.answer };
  }
  const checked = checkRecordingBody(body, config.defaultCountry, { requireSdp: false });
  if (!checked.ok) {
    // As for an initial offer: hostile metadata is refused; the session stays as it was (RFC 3261 §14.2).
    if (checked.hostileMetadata) ctx.counters.metadataRefused++;
    return refuse(checked.status, checked.reason);
  }
  const { sdp, metadata, metadataError } = checked.body;

  const event: Extract<CallEvent, { type: 'sip.reoffer' }> = { type: 'sip.reoffer', at, timer: timer ?? null };
  if (metadata || metadataError) {
    if (metadata) {
      call.metadata = call.metadata && metadata.dataMode === 'partial' ? mergeMetadata(call.metadata, metadata) : metadata;
      const key = recordingKeyOf(call.metadata, call.session.callId);
      if (!call.recordingKeys.includes(key)) call.recordingKeys.push(key);
    }
    event.metadata = revision(at, metadata ?? call.metadata, metadataError !== undefined);
    if (metadata) {
      const roles = await resolveRoles(call.session, call.metadata, config, ctx.deps.subscribers);
      // The call may have ended (BYE, CANCEL, media timeout) while the store answered.
      if (call.ended) return NO_CALL();
      // The protected subscriber never changes mid-call; the other roles follow the metadata.
      const subscriber = call.actor.getSnapshot().context.subscriber;
      event.participants = roles.participants.map((p) =>
        participantKey(p) === subscriber ? { ...p, role: 'subscriber' } : { ...p, role: 'caller' },
      );
    }
  }
  const participants = event.participants ?? call.actor.getSnapshot().context.participants;
  const { resources } = call;
  if (sdp && !isSameOffer(call.offer, sdp)) {
    try {
      const version = call.answerVersion + 1;
      call.answer = await allocateAndAnswer(ctx.deps, resources, call.session, sdp, call.answerSessionId, version);
      if (call.ended) {
        // Ended while binding: the call's release already ran, so what was just bound is ours to release.
        await resources.release();
        return NO_CALL();
      }
      resources.wire(call);
      call.answerVersion = version;
      call.offer = sdp;
    } catch (err) {
      if (err instanceof PortsExhaustedError) return refuse(503, 'Media Ports Exhausted', { 'Retry-After': '5' });
      if (err instanceof NoUsableStreamError) return refuse(488, 'No Usable Audio Stream');
      throw err;
    }
    event.streams = describeStreams(sdp, resources.media, participants);
  } else if (event.participants) {
    event.streams = describeStreams(call.offer, resources.media, participants);
  }
  ctx.log.debug({ callId: call.id, kind, sdp: Boolean(sdp), metadata: Boolean(metadata) }, 're-offer');
  call.actor.send(event);
  return { ok: true, sdp: call.answer };
}

/** Same o= session id and version: RFC 3264 §8 says nothing changed (a refresh). */
function isSameOffer(a: OfferedSdp, b: OfferedSdp): boolean {
  return a.originSessionId === b.originSessionId && a.originVersion === b.originVersion;
}
