/**
 * The native UAS core's initial INVITE (RFC 3261 §13.3): merged requests, the global and
 * per-source limits, session-timer negotiation, the offer to the engine, and the 200 with its
 * retransmission until ACK (§13.3.1.4). The session's phases are src/sip/session-lifecycle.ts's.
 */
import { maskNumber } from '../../log.js';
import { ALLOW, SUPPORTED } from '../request-rules.js';
import { newSessionState, sessionInfoOf } from '../session-record.js';
import type { SipBody } from '../types.js';
import { Dialog } from './dialog.js';
import { parseNameAddr } from './header-values.js';
import { newSessionId, newTag } from './ids.js';
import type { IncomingRequest } from './message-incoming.js';
import { EMPTY_BODY, reasonPhrase } from './message.js';
import type { HeaderPair } from './serializer.js';
import { timerResponseHeaders, type TimerDecision } from './session-timer.js';
import type { SessionRefresher } from './uas-refresh.js';
import { InviteServerTransaction } from './transaction-invite-server.js';
import { isStreamTransport } from './transport.js';
import { toNameAddr, type Session, type UasContext } from './uas-session.js';

export class InviteHandler {
  private readonly maxPendingOffers: number;
  private readonly maxDialogs: number;
  private readonly retryAfter: number;

  constructor(
    private readonly ctx: UasContext,
    private readonly refresher: SessionRefresher,
  ) {
    this.maxPendingOffers = ctx.opts.maxPendingOffers ?? 200;
    this.maxDialogs = ctx.opts.maxDialogs ?? 10_000;
    this.retryAfter = ctx.opts.retryAfterSeconds ?? 5;
  }

  onInitialInvite(req: IncomingRequest): void {
    const { txl, lifecycle, log, counters } = this.ctx;
    // RFC 3261 §8.2.2.2: same From tag, Call-ID and CSeq as a request already handled, but another
    // branch: a merged request (482). The same branch after its transaction ended is a stray
    // retransmission: ignore it rather than offer the call twice.
    const mergeKey = `${req.callId}\u0000${req.fromTag}\u0000${req.cseq.seq}`;
    const prior = this.ctx.byInvite.get(mergeKey);
    if (prior) {
      if (prior.invite.via.branch === req.via.branch) counters.dropped++;
      else txl.reject(req, 482, reasonPhrase(482));
      return;
    }
    const tx = txl.createInviteServer(req);
    const localTag = newTag();
    tx.toTag = localTag;
    if (this.ctx.opts.admission && !this.ctx.opts.admission.admit()) {
      // Shed at once, before the 100 Trying and any other work: the SBC tries another node.
      counters.rejected.overload++;
      txl.respond(tx, req, 503, reasonPhrase(503), { toTag: localTag, headers: [['Retry-After', String(this.ctx.opts.admission.retryAfterSeconds)]] });
      return;
    }
    // RFC 3261 §17.2.1: the handler answers asynchronously, so 100 Trying goes out at once.
    txl.respond(tx, req, 100, reasonPhrase(100), { headers: [] });
    if (!this.ctx.listening()) {
      txl.respond(tx, req, 503, reasonPhrase(503), { toTag: localTag, headers: [['Retry-After', String(this.retryAfter)]] });
      return;
    }
    if (lifecycle.pendingOffers >= this.maxPendingOffers || lifecycle.sessions.size >= this.maxDialogs) {
      counters.rejected.overload++;
      txl.respond(tx, req, 503, reasonPhrase(503), { toTag: localTag, headers: [['Retry-After', String(this.retryAfter)]] });
      if (log.isLevelEnabled('debug')) log.debug({ pending: lifecycle.pendingOffers, sessions: lifecycle.sessions.size }, 'sip overload: 503');
      return;
    }
    const sourceAddress = req.source.address;
    if (lifecycle.sourceFull(sourceAddress)) {
      // One SRC (or one misbehaving one) may not take every slot: 486, as RFC 3261 §21.4.24 has
      // for a callee that cannot take another call, so the SRC tries another SRS.
      counters.rejected['calls-per-source']++;
      txl.respond(tx, req, 486, reasonPhrase(486), { toTag: localTag });
      if (log.isLevelEnabled('debug')) log.debug({ from: sourceAddress, limit: lifecycle.maxCallsPerSource }, 'sip calls-per-source limit: 486');
      return;
    }
    const h = req.msg.headers;
    const { canUpdate, decision } = lifecycle.negotiateOffer(h);
    if (decision.kind === 'too-small') {
      txl.respond(tx, req, 422, reasonPhrase(422), { toTag: localTag, headers: [['Min-SE', String(decision.minSE)]] });
      return;
    }
    const info = sessionInfoOf(newSessionId(), {
      callId: req.callId,
      from: toNameAddr(req.from),
      to: toNameAddr(req.to),
      requestUri: req.msg.uri,
      source: { address: req.source.address, port: req.source.port, transport: req.source.transport },
      headers: h,
      receivedAt: req.receivedAt,
    }, decision);
    const s: Session = {
      ...newSessionState(info, sourceAddress, canUpdate),
      invite: req,
      inviteTx: tx,
      localTag,
      mergeKey,
      dialog: null,
      refresher: null,
      refreshFailure: 'session-expired',
    };
    lifecycle.start(s);
    this.ctx.byInvite.set(mergeKey, s);
    tx.onCancel = () => this.cancelOffer(s);
    if (log.isLevelEnabled('debug')) {
      log.debug({ session: info.id, callId: req.callId, from: maskNumber(req.from.uri), to: maskNumber(req.to.uri) }, 'sip offer');
    }
    const body: SipBody = { contentType: h.get('content-type') ?? '', raw: req.msg.body };
    lifecycle.offer(s, body, (sdp) => this.onOfferAccepted(s, sdp, decision));
    // The body went to the handler; the session does not need to keep the received bytes alive.
    req.msg.body = EMPTY_BODY;
  }

  private onOfferAccepted(s: Session, sdp: string, decision: TimerDecision): void {
    const req = s.invite;
    const h = req.msg.headers;
    const contact = parseNameAddr(h.list('contact')[0] ?? '');
    const dialog = new Dialog({
      callId: req.callId,
      localTag: s.localTag,
      remoteTag: req.fromTag,
      localUri: req.base.to,
      remoteUri: req.base.from,
      remoteTarget: contact?.uri ?? req.from.uri,
      routeSet: h.list('record-route'),
      remoteCSeq: req.cseq.seq,
      source: req.source,
    });
    s.dialog = dialog;
    this.ctx.dialogs.set(dialog.key, s);
    if (!this.answer(s, s.inviteTx, req, sdp, decision)) {
      // The transaction ended under us (shutdown): nothing was sent.
      this.ctx.lifecycle.end(s, 'transport-error');
      return;
    }
    s.phase = 'answered';
    this.refresher.apply(s, decision);
  }

  /** CANCEL while the handler still holds the offer: 487 at once, ended('cancel'). */
  private cancelOffer(s: Session): void {
    if (s.phase !== 'offering') return;
    this.ctx.txl.respond(s.inviteTx, s.invite, 487, reasonPhrase(487), { toTag: s.localTag });
    this.ctx.lifecycle.end(s, 'cancel');
  }

  /** The 200 to an INVITE or re-INVITE: plain SDP, Contact with +sip.srs, and 2xx retransmission. */
  answer(s: Session, tx: InviteServerTransaction, req: IncomingRequest, sdp: string, decision: TimerDecision): boolean {
    const { txl, local, timers, t } = this.ctx;
    const headers: HeaderPair[] = [
      ['Contact', local.contact(req.source)],
      ['Allow', ALLOW],
      ['Supported', SUPPORTED],
      ...timerResponseHeaders(decision),
      ['Content-Type', 'application/sdp'],
    ];
    const data = txl.buildResponse(req, 200, reasonPhrase(200), { toTag: s.localTag, headers, body: Buffer.from(sdp, 'utf8') });
    if (!txl.respondWith(tx, 200, data)) return false;
    s.dialog?.awaitAck(req.cseq.seq, data, {
      timers,
      t,
      reliable: isStreamTransport(req.source.transport),
      send: (d) => this.ctx.send(req.target, d),
      onTimeout: () => this.onAckTimeout(s),
    });
    return true;
  }

  /** RFC 3261 §13.3.1.4: no ACK within 64*T1: the dialog is confirmed but the session ends with BYE. */
  private onAckTimeout(s: Session): void {
    if (s.phase !== 'answered' && s.phase !== 'confirmed') return;
    this.ctx.log.warn({ session: s.id, callId: s.info.callId }, 'sip no ACK for 2xx: sending BYE');
    s.phase = 'confirmed';
    void this.ctx.lifecycle.endWithBye(s, 'ack-timeout');
  }
}
