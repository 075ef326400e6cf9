/**
 * The native UAS core inside an established dialog: the SRC's BYE (RFC 3261 §15.1.2) and its
 * re-INVITEs and UPDATEs (hold/resume, metadata update, session refresh; §14, RFC 3311, RFC 4028).
 * request-router.ts has matched the dialog and checked CSeq order before these run.
 */
import type { SipBody } from '../types.js';
import { ALLOW, SUPPORTED } from '../request-rules.js';
import type { IncomingRequest } from './message-incoming.js';
import { reasonPhrase } from './message.js';
import type { HeaderPair, ResponseOptions } from './serializer.js';
import { timerResponseHeaders, type TimerDecision } from './session-timer.js';
import { InviteServerTransaction } from './transaction-invite-server.js';
import type { InviteHandler } from './uas-invite.js';
import type { SessionRefresher } from './uas-refresh.js';
import type { PendingRequest, Session, UasContext } from './uas-session.js';

export class InDialogHandler {
  constructor(
    private readonly ctx: UasContext,
    private readonly invites: InviteHandler,
    private readonly refresher: SessionRefresher,
  ) {}

  onBye(s: Session, req: IncomingRequest): void {
    const tx = this.ctx.txl.createServer(req);
    this.ctx.txl.respond(tx, req, 200, reasonPhrase(200), {});
    this.ctx.lifecycle.endPending(s, 487);
    this.ctx.lifecycle.end(s, 'bye');
  }

  /** A re-INVITE or UPDATE: hold/resume, metadata update or session refresh. */
  onReoffer(s: Session, req: IncomingRequest): void {
    const { txl, lifecycle } = this.ctx;
    const isInvite = req.method === 'INVITE';
    const tx = txl.createServer(req);
    if (tx instanceof InviteServerTransaction) {
      tx.toTag = s.localTag;
      txl.respond(tx, req, 100, reasonPhrase(100), { headers: [] });
    }
    const hasOffer = req.msg.body.length > 0;
    const retryAfter = lifecycle.previousOfferPending(s, isInvite, hasOffer);
    if (retryAfter !== null) {
      txl.respond(tx, req, 500, 'Previous Offer Pending', { headers: [['Retry-After', retryAfter]] });
      return;
    }
    const h = req.msg.headers;
    const decision = lifecycle.negotiateReoffer(s, h);
    if (decision.kind === 'too-small') {
      txl.respond(tx, req, 422, reasonPhrase(422), { headers: [['Min-SE', String(decision.minSE)]] });
      return;
    }
    const pending: PendingRequest = { tx, req, isInvite, hasOffer };
    if (tx instanceof InviteServerTransaction) {
      tx.onCancel = () => {
        // CANCEL of a re-INVITE: 487, and the dialog carries on unchanged (RFC 3261 §9.2, §14.2).
        if (!s.pending.delete(pending)) return;
        txl.respond(tx, req, 487, reasonPhrase(487));
      };
    }
    const body: SipBody | null = hasOffer ? { contentType: h.get('content-type') ?? '', raw: req.msg.body } : null;
    const timer = decision.kind === 'timer' ? decision.timer : undefined;
    lifecycle.reoffer(s, pending, body, isInvite ? 'invite' : 'update', timer, (sdp) => this.onReofferAccepted(s, pending, sdp, decision));
  }

  private onReofferAccepted(s: Session, pending: PendingRequest, sdp: string, decision: TimerDecision): void {
    const { tx, req } = pending;
    // RFC 3261 §12.2.2: re-INVITE and UPDATE are target refresh requests.
    s.dialog?.refreshTarget(req.msg.headers.list('contact')[0]);
    if (tx instanceof InviteServerTransaction) {
      // A re-INVITE without an offer gets our SDP as the offer in the 2xx (RFC 3261 §14.2); the
      // answer in the ACK is not passed on (the port has no place for it).
      this.invites.answer(s, tx, req, sdp, decision);
    } else {
      // RFC 3311 §5.2: an UPDATE without an offer gets a 2xx without an answer.
      const headers: HeaderPair[] = [
        ['Contact', this.ctx.local.contact(req.source)],
        ['Allow', ALLOW],
        ['Supported', SUPPORTED],
        ...timerResponseHeaders(decision),
      ];
      if (pending.hasOffer) headers.push(['Content-Type', 'application/sdp']);
      const opts: ResponseOptions = { headers };
      if (pending.hasOffer) opts.body = Buffer.from(sdp, 'utf8');
      this.ctx.txl.respond(tx, req, 200, reasonPhrase(200), opts);
    }
    // RFC 4028 §10: a successful refresh request restarts the session timer.
    this.refresher.apply(s, decision);
  }
}
