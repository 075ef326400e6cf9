/**
 * The native UAS core's front door (RFC 3261 §8.2, §9.2, §12.2.2, §17.2.3): every parsed message
 * from the transports comes here. Refused sources and malformed requests are answered without
 * state; responses go to their client transaction; retransmissions are absorbed; ACK, CANCEL and
 * OPTIONS are answered here; the rest goes to the initial INVITE (uas-invite.ts) or, once its
 * dialog and CSeq order are checked, to the in-dialog handler (uas-in-dialog.ts). Header rules
 * shared with the drachtio adapter are src/sip/request-rules.ts's.
 */
import { ALLOW, headerRefusal, SUPPORTED } from '../request-rules.js';
import { dialogKey } from './dialog.js';
import { newTag } from './ids.js';
import { describeRequest, responseEnvelope, type IncomingRequest } from './message-incoming.js';
import { ACCEPTED_CONTENT_TYPES, ALLOWED_METHODS, KNOWN_UNSERVED_METHODS, reasonPhrase, type SipRequest } from './message.js';
import { isRespondable, type ParseResult } from './parser.js';
import type { RejectReason } from './server-options.js';
import { InviteServerTransaction } from './transaction-invite-server.js';
import type { TransportSource } from './transport.js';
import type { InDialogHandler } from './uas-in-dialog.js';
import type { InviteHandler } from './uas-invite.js';
import type { UasContext } from './uas-session.js';

/** Parse failures that are limits rather than malformed input. */
const LIMIT_REASONS: Readonly<Partial<Record<string, RejectReason>>> = {
  SIP_TOO_MANY_HEADERS: 'too-many-headers',
  SIP_BODY_TOO_LARGE: 'body-too-large',
  SIP_TOO_LARGE: 'message-too-large',
};

export class RequestRouter {
  constructor(
    private readonly ctx: UasContext,
    private readonly invites: InviteHandler,
    private readonly inDialog: InDialogHandler,
    /** Whether messages are handled at all (listening or closing). */
    private readonly accepting: () => boolean,
  ) {}

  onMessage(result: ParseResult, source: TransportSource): void {
    const { counters } = this.ctx;
    try {
      if (!this.accepting()) {
        counters.dropped++;
        return;
      }
      // Before anything else, so a refused source cannot reach a dialog, a transaction or the parser's answers.
      if (!(result.ok && result.message.kind === 'response') && !this.sourceAllowed(source)) {
        this.refuseSource(result, source);
        return;
      }
      if (!result.ok) {
        counters.parseErrors++;
        const limit = LIMIT_REASONS[result.error.code];
        if (limit) counters.rejected[limit]++;
        this.onParseError(result.error.sipStatus, result.error.reasonPhrase, result.partial, source);
        return;
      }
      const msg = result.message;
      if (msg.kind === 'response') {
        if (!this.ctx.txl.onResponse(msg)) counters.dropped++;
      } else this.onRequest(msg, source);
    } catch (err) {
      this.ctx.log.error({ err }, 'sip message handling failed');
    }
  }

  private sourceAllowed(source: TransportSource): boolean {
    const allow = this.ctx.opts.allowSource;
    return !allow || allow(source.address);
  }

  /**
   * 403 to every request from a refused source, in-dialog ones included (ACK: dropped). Stateless
   * (RFC 3261 §8.2.7): a source we do not serve gets no transaction and no timers; a retransmission
   * is simply refused again.
   */
  private refuseSource(result: ParseResult, source: TransportSource): void {
    this.ctx.counters.rejected['source-not-allowed']++;
    const req = result.ok ? (result.message.kind === 'request' ? result.message : undefined) : result.partial;
    const env = req && isRespondable(req) ? responseEnvelope(req, source) : null;
    if (env) this.ctx.txl.respondStateless(env.base, env.target, 403, reasonPhrase(403));
    if (this.ctx.log.isLevelEnabled('debug')) this.ctx.log.debug({ from: source.address, answered: env !== null }, 'sip request from a refused source');
  }

  /** Malformed: answer statelessly if Via, From, To, Call-ID and CSeq are there, else drop. */
  private onParseError(status: number, reason: string, partial: SipRequest | undefined, source: TransportSource): void {
    const log = this.ctx.log;
    if (!partial || !isRespondable(partial)) {
      this.ctx.counters.dropped++;
      if (log.isLevelEnabled('debug')) log.debug({ reason, from: source.address }, 'sip unparseable message dropped');
      return;
    }
    const env = responseEnvelope(partial, source);
    if (!env) {
      this.ctx.counters.dropped++;
      return;
    }
    this.ctx.txl.respondStateless(env.base, env.target, status, reason);
    if (log.isLevelEnabled('debug')) log.debug({ status, reason, from: source.address }, 'sip malformed request answered');
  }

  private onRequest(msg: SipRequest, source: TransportSource): void {
    const { txl, counters, log } = this.ctx;
    const req = describeRequest(msg, source, Date.now());
    if (!req) {
      counters.dropped++;
      return;
    }
    if (log.isLevelEnabled('debug')) log.debug({ method: req.method, callId: req.callId, cseq: req.cseq.seq }, 'sip request');
    const method = req.method;
    if (method === 'ACK') {
      this.onAck(req);
      return;
    }
    // RFC 3261 §17.2.3: a retransmission matches a live server transaction and goes no further.
    const existing = txl.match(req.txKey);
    if (existing) {
      counters.retransmissions++;
      existing.onRetransmission();
      return;
    }
    if (method === 'CANCEL') {
      this.onCancel(req);
      return;
    }
    const inDialog = req.toTag !== undefined;
    // RFC 3261 §8.2.1: methods we recognise but do not serve get 405 with Allow; others 501.
    if (!(ALLOWED_METHODS as readonly string[]).includes(method)) {
      if (KNOWN_UNSERVED_METHODS.has(method)) txl.reject(req, 405, reasonPhrase(405), [['Allow', ALLOW]]);
      else txl.reject(req, 501, reasonPhrase(501), [['Allow', ALLOW]]);
      return;
    }
    if (inDialog) {
      this.onInDialog(req);
      return;
    }
    if (this.refusedByHeaders(req)) return;
    switch (method) {
      case 'INVITE':
        this.invites.onInitialInvite(req);
        return;
      case 'OPTIONS':
        this.onOptions(req);
        return;
      default:
        // BYE and UPDATE only exist inside a dialog (RFC 3261 §12.2.2, RFC 3311 §5.2).
        txl.reject(req, 481, reasonPhrase(481));
    }
  }

  /** The header rules both adapters share (request-rules.ts), answered here without state. */
  private refusedByHeaders(req: IncomingRequest): boolean {
    const refusal = headerRefusal(req.msg.headers);
    if (!refusal) return false;
    this.ctx.txl.reject(req, refusal.status, refusal.reason ?? reasonPhrase(refusal.status), refusal.headers);
    return true;
  }

  private onInDialog(req: IncomingRequest): void {
    const { txl } = this.ctx;
    const s = this.ctx.dialogs.get(dialogKey(req.callId, req.toTag ?? '', req.fromTag));
    if (!s || !s.dialog) {
      // RFC 3261 §12.2.2: no dialog matches: 481.
      txl.reject(req, 481, reasonPhrase(481));
      return;
    }
    if (s.phase === 'terminating' || s.phase === 'terminated') {
      // Our BYE is in flight: a crossing BYE still gets its 200; anything else finds no dialog.
      if (req.method === 'BYE') txl.reject(req, 200, reasonPhrase(200));
      else txl.reject(req, 481, reasonPhrase(481));
      return;
    }
    if (this.refusedByHeaders(req)) return;
    const dialog = s.dialog;
    if (!dialog.acceptRemoteCSeq(req.cseq.seq)) {
      // RFC 3261 §12.2.2: lower CSeq than the last request: out of order.
      txl.reject(req, 500, 'Out Of Order CSeq');
      return;
    }
    if (req.source.transport === dialog.source.transport) dialog.source = req.source;
    switch (req.method) {
      case 'BYE':
        this.inDialog.onBye(s, req);
        return;
      case 'INVITE':
      case 'UPDATE':
        this.inDialog.onReoffer(s, req);
        return;
      case 'OPTIONS':
        this.onOptions(req);
        return;
      default:
        txl.reject(req, 405, reasonPhrase(405), [['Allow', ALLOW]]);
    }
  }

  private onAck(req: IncomingRequest): void {
    // RFC 3261 §17.2.3: the ACK for a non-2xx final carries the INVITE's branch.
    const tx = this.ctx.txl.match(req.txKey);
    if (tx instanceof InviteServerTransaction && (tx.state === 'completed' || tx.state === 'confirmed')) {
      tx.onAck();
      return;
    }
    // The ACK for a 2xx is a request of its own inside the dialog (§13.3.1.4, §17.1.1.3).
    const s = req.toTag !== undefined ? this.ctx.dialogs.get(dialogKey(req.callId, req.toTag, req.fromTag)) : undefined;
    if (!s?.dialog || !s.dialog.onAck(req.cseq.seq)) {
      this.ctx.counters.dropped++;
      return;
    }
    this.ctx.lifecycle.acked(s);
  }

  /** RFC 3261 §9.2: 200 to the CANCEL, and 487 to the INVITE if no final response went out yet. */
  private onCancel(req: IncomingRequest): void {
    const { txl } = this.ctx;
    const inviteKey = req.txKey.endsWith('\u0000CANCEL') ? `${req.txKey.slice(0, -'CANCEL'.length)}INVITE` : req.txKey;
    const inviteTx = txl.match(inviteKey);
    if (!(inviteTx instanceof InviteServerTransaction)) {
      txl.reject(req, 481, reasonPhrase(481));
      return;
    }
    const tx = txl.createServer(req);
    txl.respond(tx, req, 200, reasonPhrase(200), { toTag: inviteTx.toTag ?? newTag(), headers: [] });
    if (!inviteTx.isFinal) inviteTx.onCancel?.();
  }

  private onOptions(req: IncomingRequest): void {
    const tx = this.ctx.txl.createServer(req);
    this.ctx.txl.respond(tx, req, 200, reasonPhrase(200), {
      toTag: newTag(),
      headers: [
        ['Allow', ALLOW],
        ['Accept', ACCEPTED_CONTENT_TYPES],
        ['Supported', SUPPORTED],
      ],
    });
  }
}
