/**
 * The drachtio adapter's recording INVITE: the allow-list, the header rules (src/sip/request-rules.ts),
 * per-source limits and session timer, the offer to the engine, and the 200 through createUAS
 * (drachtio-server sends it and retransmits it until the ACK). The session's phases are
 * src/sip/session-lifecycle.ts's; 'answering' lasts while createUAS is in flight.
 */
import { randomUUID } from 'node:crypto';
import { maskNumber } from '../../log.js';
import { newSessionState, sessionInfoOf } from '../session-record.js';
import { nameAddrOf, sipBodyOf, srsContact, transportOf, type TimerDecision } from './drachtio-message.js';
import { DEFAULTS } from './drachtio-options.js';
import type { SrfDialog, SrfRequest, SrfResponse } from './srf-binding.js';
import type { InDialogHandler } from './uas-in-dialog.js';
import { sourceAllowed, type DrachtioContext, type Session } from './uas-session.js';

export class InviteHandler {
  constructor(
    private readonly ctx: DrachtioContext,
    private readonly inDialog: InDialogHandler,
  ) {}

  onInvite(req: SrfRequest, res: SrfResponse): void {
    try {
      this.handleInvite(req, res);
    } catch (err) {
      this.ctx.log.error({ err }, 'drachtio INVITE handling failed');
      this.ctx.responder.respond(res, 500);
    }
  }

  private handleInvite(req: SrfRequest, res: SrfResponse): void {
    const { responder, lifecycle, log } = this.ctx;
    if (!sourceAllowed(this.ctx.opts, req)) {
      this.ctx.rejected['source-not-allowed']++;
      responder.respond(res, 403);
      return;
    }
    const admission = this.ctx.opts.admission;
    if (admission && !admission.admit()) {
      // Shed at once, before parsing the body or any other work: the SBC tries another node.
      this.ctx.rejected.overload++;
      responder.respond(res, 503, undefined, { 'Retry-After': String(admission.retryAfterSeconds) });
      return;
    }
    if (!lifecycle.handler || this.ctx.closing()) {
      responder.respond(res, 503, undefined, { 'Retry-After': String(this.ctx.opts.retryAfterSeconds ?? DEFAULTS.retryAfterSeconds) });
      return;
    }
    const parsed = responder.parse(res, req.raw);
    if (!parsed) return;
    const h = parsed.headers;
    const to = nameAddrOf(h.get('to'));
    if (to.tag !== undefined) {
      // A re-INVITE whose dialog drachtio-srf no longer holds (we released it): RFC 3261 §12.2.2.
      responder.respond(res, 481);
      return;
    }
    if (responder.refusedByHeaders(res, h)) return;
    if (!h.has('contact')) {
      // RFC 3261 §8.1.1.8; drachtio-srf's createUAS cannot build a dialog without it.
      responder.respond(res, 400, 'Missing Contact Header');
      return;
    }
    const sourceAddress = req.source_address;
    if (lifecycle.sourceFull(sourceAddress)) {
      this.ctx.rejected['calls-per-source']++;
      responder.respond(res, 486);
      return;
    }
    const { canUpdate, decision } = lifecycle.negotiateOffer(h);
    if (decision.kind === 'too-small') {
      responder.respond(res, 422, undefined, { 'Min-SE': String(decision.minSE) });
      return;
    }
    const callId = h.get('call-id') ?? '';
    if (parsed.lossy) log.warn({ callId }, 'drachtio INVITE body was not valid UTF-8: the bytes drachtio-srf could not decode are lost');
    const info = sessionInfoOf(`dr-${randomUUID()}`, {
      callId,
      from: nameAddrOf(h.get('from')),
      to,
      requestUri: req.uri,
      source: { address: sourceAddress, port: Number(req.source_port), transport: transportOf(req.protocol) },
      headers: h,
      receivedAt: Date.now(),
    }, decision);
    const s: Session = {
      ...newSessionState(info, sourceAddress, canUpdate),
      req,
      res,
      dialog: null,
      failAnswer: null,
      contact: srsContact(req.protocol, req.receivedOn, this.ctx.hostports()),
    };
    lifecycle.start(s);
    // drachtio-server already answered the CANCEL (200) and the INVITE (487).
    req.on('cancel', () => this.onCancel(s));
    if (log.isLevelEnabled('debug')) {
      log.debug({ session: s.id, callId, from: maskNumber(info.from.uri), to: maskNumber(to.uri) }, 'drachtio offer');
    }
    lifecycle.offer(s, sipBodyOf(parsed), (sdp) => this.onOfferAccepted(s, sdp, decision));
  }

  private onOfferAccepted(s: Session, sdp: string, decision: TimerDecision): void {
    const srf = this.ctx.srf();
    if (!srf) return;
    s.phase = 'answering';
    const headers = this.ctx.responder.okHeaders(s.contact, decision, true);
    this.ctx.responder.count(200);
    s.answering = new Promise<void>((resolve) => {
      let settled = false;
      // Listeners go on the dialog inside this callback: an ACK and BYE read together with the
      // 200's acknowledgement are dispatched right after it, synchronously.
      const settle = (err: unknown, dialog?: SrfDialog): void => {
        if (settled) return;
        settled = true;
        s.failAnswer = null;
        try {
          if (!err && dialog) this.onDialog(s, dialog, decision);
          else this.onAnswerFailed(s, err);
        } catch (e) {
          this.ctx.log.error({ err: e, session: s.id }, 'drachtio dialog set-up failed');
        }
        resolve();
      };
      // The callback never comes when the connection drops before drachtio-server acknowledges
      // the 200: onConnectionClosed settles it through this instead.
      s.failAnswer = (err) => settle(err);
      srf.createUAS(s.req, s.res, { localSdp: sdp, headers }, settle);
    });
  }

  private onDialog(s: Session, dialog: SrfDialog, decision: TimerDecision): void {
    s.answering = null;
    s.dialog = dialog;
    this.inDialog.attach(s, dialog);
    if (s.phase === 'terminated') {
      // Released meanwhile (cannot happen once the 200 is out, but never leave a dialog behind).
      void dialog.destroy().catch(() => undefined);
      return;
    }
    s.phase = 'answered';
    s.timer = decision.kind === 'timer' ? decision.timer : undefined;
    // Closing: no wait for the ACK (as for every dialog close() ends).
    if (this.ctx.closing()) void this.ctx.lifecycle.sendBye(s);
  }

  /** createUAS failed: drachtio-server would not send our 200 (the INVITE was cancelled meanwhile, or the connection is gone). */
  private onAnswerFailed(s: Session, err: unknown): void {
    s.answering = null;
    if (s.phase !== 'answering') return;
    const text = err instanceof Error ? err.message : String(err);
    // drachtio-server answers "unknown transaction" when the stack already finished the INVITE:
    // the CANCEL crossed our 200.
    const cancelled = (err as { status?: number } | null)?.status === 487 || /unknown transaction/i.test(text);
    this.ctx.log.info({ session: s.id, why: text }, 'drachtio 200 not sent');
    this.ctx.lifecycle.end(s, cancelled ? 'cancel' : 'transport-error');
  }

  /** CANCEL while the engine holds the offer (drachtio-server has sent 200 and 487). */
  private onCancel(s: Session): void {
    if (s.phase !== 'offering') return;
    this.ctx.lifecycle.end(s, 'cancel');
  }
}
