/**
 * The drachtio adapter inside an established dialog: drachtio-srf's Dialog events (ack, destroy,
 * modify, update) turned into lifecycle events and re-offers to the engine.
 */
import type { EndReason, ReofferKind, SipBody } from '../types.js';
import { sipBodyOf, type TimerDecision } from './drachtio-message.js';
import type { SrfDialog, SrfRequest, SrfResponse } from './srf-binding.js';
import { sourceAllowed, type DrachtioContext, type PendingRequest, type Session } from './uas-session.js';

export class InDialogHandler {
  constructor(private readonly ctx: DrachtioContext) {}

  /** Listens to the dialog createUAS made, before any of its events can be dispatched. */
  attach(s: Session, dialog: SrfDialog): void {
    dialog.on('destroy', (req, reason) => this.onDestroy(s, req, reason));
    // A 'modify' listener and no 'refresh'/'hold' ones: every re-INVITE reaches the engine, which
    // tells a refresh (same o= version) from a change itself, as with the native adapter.
    dialog.on('modify', (req, res) => this.onReoffer(s, req, res, 'invite'));
    dialog.on('update', (req, res) => this.onReoffer(s, req, res, 'update'));
    dialog.on('ack', () => this.ctx.lifecycle.acked(s));
  }

  /**
   * BYE from the SRC, or one drachtio-server sent for us (ACK timeout, session timer, CANCEL after
   * 200). drachtio-srf's Dialog has already answered the SRC's BYE with 200 when it emits 'destroy',
   * so the allow-list cannot refuse a BYE (unlike re-INVITE and UPDATE, see handleReoffer): a BYE
   * names a dialog only an allowed INVITE could have made, and ending it is all it can do.
   */
  private onDestroy(s: Session, req: SrfRequest, reason: string | undefined): void {
    if (s.phase === 'terminated') return;
    this.ctx.lifecycle.endPending(s, 487);
    this.ctx.lifecycle.end(s, req.source === 'application' ? serverByeReason(reason) : 'bye');
  }

  /** A re-INVITE or UPDATE: hold/resume, metadata update or session refresh. */
  private onReoffer(s: Session, req: SrfRequest, res: SrfResponse, kind: ReofferKind): void {
    try {
      this.handleReoffer(s, req, res, kind);
    } catch (err) {
      this.ctx.log.error({ err, session: s.id }, 'drachtio re-offer handling failed');
      this.ctx.responder.respond(res, 500);
    }
  }

  private handleReoffer(s: Session, req: SrfRequest, res: SrfResponse, kind: ReofferKind): void {
    const { responder, lifecycle, log } = this.ctx;
    // The allow-list holds inside dialogs too (as with the native adapter): drachtio-server matches
    // the dialog by Call-ID and tags, from whatever address. The dialog stays as it was.
    if (!sourceAllowed(this.ctx.opts, req)) {
      this.ctx.rejected['source-not-allowed']++;
      responder.respond(res, 403);
      if (log.isLevelEnabled('debug')) log.debug({ session: s.id, from: req.source_address, kind }, 'drachtio in-dialog request from a refused source');
      return;
    }
    if (!lifecycle.handler || (s.phase !== 'answered' && s.phase !== 'confirmed')) {
      // Our BYE is in flight: the dialog is gone as far as the engine is concerned.
      responder.respond(res, 481);
      return;
    }
    const parsed = responder.parse(res, req.raw);
    if (!parsed) return;
    const h = parsed.headers;
    if (responder.refusedByHeaders(res, h)) return;
    const isInvite = kind === 'invite';
    const hasOffer = parsed.body.length > 0;
    const retryAfter = lifecycle.previousOfferPending(s, isInvite, hasOffer);
    if (retryAfter !== null) {
      responder.respond(res, 500, 'Previous Offer Pending', { 'Retry-After': retryAfter });
      return;
    }
    const decision = lifecycle.negotiateReoffer(s, h);
    if (decision.kind === 'too-small') {
      responder.respond(res, 422, undefined, { 'Min-SE': String(decision.minSE) });
      return;
    }
    const pending: PendingRequest = { isInvite, hasOffer, res };
    const body: SipBody | null = hasOffer ? sipBodyOf(parsed) : null;
    const timer = decision.kind === 'timer' ? decision.timer : undefined;
    lifecycle.reoffer(s, pending, body, kind, timer, (sdp) => this.onReofferAccepted(s, pending, sdp, decision));
  }

  private onReofferAccepted(s: Session, pending: PendingRequest, sdp: string, decision: TimerDecision): void {
    // A re-INVITE always gets our SDP (an offer-less one gets it as our offer, RFC 3261 §14.2);
    // RFC 3311 §5.2: an UPDATE without an offer gets a 2xx without an answer.
    const withSdp = pending.isInvite || pending.hasOffer;
    this.ctx.responder.respond(pending.res, 200, undefined, this.ctx.responder.okHeaders(s.contact, decision, withSdp), withSdp ? sdp : undefined);
    // RFC 4028 §10: drachtio-server re-armed its timer from the request's Session-Expires.
    s.timer = decision.kind === 'timer' ? decision.timer : undefined;
  }
}

/**
 * drachtio-server's own BYEs carry a Reason text (sip-dialog-controller.cpp): "ACK timeout",
 * "Session timer expired", "CANCEL after 200 OK". It sends no others; unknown text is taken as the
 * ACK timeout drachtio-srf assumes.
 */
function serverByeReason(text: string | undefined): EndReason {
  const t = text ?? '';
  if (/session timer/i.test(t)) return 'session-expired';
  if (/cancel/i.test(t)) return 'cancel';
  return 'ack-timeout';
}
