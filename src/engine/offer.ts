/**
 * Answers a new recording (INVITE): SIPREC body → roles → RTP ports → SDP answer → call actor. Keeps
 * the offers being answered, so a CANCEL that arrives meanwhile is honoured with 487.
 */
import { maskNumber } from '../log.js';
import { PortsExhaustedError } from '../media/types.js';
import type { OfferAnswer, SessionInfo, SipBody } from '../sip/types.js';
import type { CallActors } from './call-actors.js';
import { CallResources } from './call-resources.js';
import { startCall } from './call-start.js';
import type { EngineContext } from './engine-context.js';
import { allocateAndAnswer, NoUsableStreamError } from './media-answer.js';
import { checkRecordingBody, refuse } from './recording-body.js';
import { loadRecordingState, recordingKeyOf } from './recording-state.js';
import { resolveRoles } from './roles.js';

export class OfferHandler {
  /** Offers being answered, by session id; cancelled once the SRC gave up on it. */
  private readonly pending = new Map<string, { cancelled: boolean }>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly actors: CallActors,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  /** The SRC ended a session: true when it was an offer still being answered (it ends as 487). */
  cancel(sessionId: string): boolean {
    const pend = this.pending.get(sessionId);
    if (!pend) return false;
    pend.cancelled = true;
    return true;
  }

  async offer(session: SessionInfo, body: SipBody): Promise<OfferAnswer> {
    const { ctx } = this;
    const { config } = ctx.deps;
    ctx.counters.offers++;
    const reject = (status: number, reason: string, headers?: Record<string, string>): OfferAnswer => {
      ctx.counters.rejected++;
      ctx.log.info({ sipCallId: session.callId, status, reason }, 'recording refused');
      return refuse(status, reason, headers);
    };
    if (ctx.isClosing()) return reject(503, 'Shutting Down', { 'Retry-After': '5' });
    if (ctx.calls.size + this.pending.size >= config.sip.maxCalls) {
      return reject(503, 'Too Many Recordings', { 'Retry-After': '5' });
    }
    const checked = checkRecordingBody(body, config.defaultCountry, { requireSdp: true });
    if (!checked.ok) {
      if (!checked.hostileMetadata) return reject(checked.status, checked.reason);
      // A DTD or entities in rs-metadata is an attack (XXE, billion laughs), not an SRC's mistake: refuse
      // the request itself rather than record it as if the metadata were merely unreadable.
      ctx.counters.metadataRefused++;
      return reject(checked.status, checked.reason, { Reason: 'SIP;cause=400;text="rs-metadata with a DTD or entities"' });
    }
    const { metadata, metadataError } = checked.body;
    const sdp = checked.body.sdp!; // required by the check above
    if (metadataError) {
      // Degraded, not fatal: roles fall back to the INVITE's headers.
      ctx.log.warn({ sipCallId: session.callId, code: metadataError.code }, 'metadata unusable, recording with degraded metadata');
    }

    const pend = { cancelled: false };
    this.pending.set(session.id, pend);
    try {
      // One round trip each, concurrently: who is protected, and whether this recording already lived
      // on another node (an SRC failing over) whose risk and alert must carry on here.
      const [roles, restored] = await Promise.all([
        resolveRoles(session, metadata, config, ctx.deps.subscribers),
        loadRecordingState(ctx.deps.recordings, recordingKeyOf(metadata, session.callId), ctx.log),
      ]);
      if (!roles.subscriber) {
        return reject(403, 'Subscriber Not Provisioned', {
          Reason: 'SIP;cause=403;text="no participant is a provisioned subscriber"',
        });
      }
      const resources = new CallResources(ctx);
      const answerSessionId = randomId();
      let answer: string;
      try {
        answer = await allocateAndAnswer(ctx.deps, resources, session, sdp, answerSessionId, 1);
      } catch (err) {
        await resources.release();
        if (err instanceof PortsExhaustedError) return reject(503, 'Media Ports Exhausted', { 'Retry-After': '5' });
        if (err instanceof NoUsableStreamError) return reject(488, 'No Usable Audio Stream');
        throw err;
      }
      if (pend.cancelled || ctx.isClosing()) {
        await resources.release();
        return reject(487, 'Request Terminated');
      }
      const degraded = metadataError !== undefined;
      const call = startCall(ctx, this.actors, { session, sdp, metadata, degraded, roles, resources, answer, answerSessionId, restored });
      ctx.log.info(
        {
          callId: call.id,
          sipCallId: session.callId,
          subscriber: maskNumber(roles.subscriber),
          streams: sdp.media.length,
          rolesFrom: roles.source,
        },
        'recording started',
      );
      return { ok: true, sdp: answer };
    } finally {
      this.pending.delete(session.id);
    }
  }
}

function randomId(): string {
  return String(Math.floor(Math.random() * 1e12));
}
