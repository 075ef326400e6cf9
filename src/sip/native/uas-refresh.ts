/**
 * The native UAS core's own in-dialog requests: RFC 4028 refreshes when we are the refresher (a
 * body-less UPDATE at half the interval, session-timer.ts's UasRefreshSchedule) and our BYE.
 * When the SRC refreshes, the engine's call actor runs the expiry (session-timer.ts explains the
 * division of labour).
 */
import { SipTransactionError } from './errors.js';
import { parseSessionExpires } from './header-values.js';
import { newBranch } from './ids.js';
import { SUPPORTED } from '../request-rules.js';
import type { HeaderPair } from './serializer.js';
import { UasRefreshSchedule, type RefreshResult, type TimerDecision } from './session-timer.js';
import type { ClientOutcome } from './transaction-non-invite-client.js';
import type { Session, UasContext } from './uas-session.js';

export class SessionRefresher {
  constructor(private readonly ctx: UasContext) {}

  /** The timer negotiated for the INVITE, re-INVITE or UPDATE just answered: (re)starts, or stops, our refreshes. */
  apply(s: Session, decision: TimerDecision): void {
    if (decision.kind !== 'timer') {
      s.timer = undefined;
      s.refresher?.stop();
      s.refresher = null;
      return;
    }
    s.timer = decision.timer;
    if (decision.timer.refresher === 'uas' && !decision.cannotRefresh) {
      if (!s.refresher) {
        const log = this.ctx.log;
        s.refresher = new UasRefreshSchedule(
          this.ctx.timers,
          () => this.refreshWithUpdate(s),
          () => this.onRefreshFatal(s),
          (why) => log.info({ session: s.id, why }, 'sip session refreshes by us stopped'),
          (err) => log.error({ err, session: s.id }, 'sip session refresh failed'),
        );
      }
      s.refresher.start(decision.timer.interval);
      return;
    }
    s.refresher?.stop();
    s.refresher = null;
    if (decision.cannotRefresh) {
      this.ctx.log.warn({ session: s.id }, 'sip SRC insists on refresher=uas but does not allow UPDATE: no refreshes will be sent');
    }
  }

  /** The lifecycle's BYE: refreshes and 2xx retransmissions stop, then a non-INVITE client transaction. */
  bye(s: Session): Promise<void> {
    s.refresher?.stop();
    s.refresher = null;
    s.dialog?.stopAckWaits();
    return this.sendInDialog(s, 'BYE', [], false).then((outcome) => {
      if (this.ctx.log.isLevelEnabled('debug')) {
        this.ctx.log.debug({ session: s.id, status: outcome.ok ? outcome.response.status : outcome.error.code }, 'sip BYE done');
      }
    });
  }

  /** RFC 4028 §7.4, §10: a body-less UPDATE, where we are the UAC and so name refresher=uac. */
  private async refreshWithUpdate(s: Session): Promise<RefreshResult> {
    if (s.phase !== 'answered' && s.phase !== 'confirmed') return { kind: 'retry' };
    const policy = this.ctx.lifecycle.policy;
    const interval = s.timer?.interval ?? policy.defaultSessionExpires;
    const outcome = await this.sendInDialog(s, 'UPDATE', [
      ['Session-Expires', `${interval};refresher=uac`],
      ['Min-SE', String(policy.minSE)],
      ['Supported', SUPPORTED],
    ], true);
    if (!outcome.ok) {
      if (outcome.error.code === 'SIP_TRANSACTION_ABORTED') return { kind: 'retry' };
      s.refreshFailure = outcome.error.code === 'SIP_TRANSPORT_ERROR' ? 'transport-error' : 'session-expired';
      return { kind: 'fatal' };
    }
    const status = outcome.response.status;
    if (status >= 200 && status < 300) {
      const se = parseSessionExpires(outcome.response.headers.get('session-expires') ?? '');
      // RFC 4028 §7.2: no Session-Expires in the 2xx means no session timer any more.
      if (!se) {
        s.timer = undefined;
        return { kind: 'refreshed', interval, weRefresh: false };
      }
      // In our UPDATE we are the UAC: refresher=uac means us, which is 'uas' in the dialog's terms.
      const weRefresh = se.refresher !== 'uas';
      s.timer = { interval: se.interval, refresher: weRefresh ? 'uas' : 'uac' };
      return { kind: 'refreshed', interval: se.interval, weRefresh };
    }
    if (status === 408 || status === 481) {
      s.refreshFailure = 'session-expired';
      return { kind: 'fatal' };
    }
    if (status === 405 || status === 501 || status === 420) return { kind: 'unsupported' };
    return { kind: 'retry' };
  }

  private onRefreshFatal(s: Session): void {
    if (s.phase !== 'answered' && s.phase !== 'confirmed') return;
    void this.ctx.lifecycle.endWithBye(s, s.refreshFailure);
  }

  private sendInDialog(s: Session, method: string, headers: HeaderPair[], withContact: boolean): Promise<ClientOutcome> {
    const dialog = s.dialog;
    if (!dialog) return Promise.resolve({ ok: false, error: new SipTransactionError('SIP_TRANSACTION_ABORTED', 'no dialog') });
    const { local, opts } = this.ctx;
    const target = dialog.target();
    const branch = newBranch();
    const via = `SIP/2.0/${target.transport.toUpperCase()} ${local.hostPort(dialog.source)};branch=${branch};rport`;
    const built = dialog.buildRequest(method, {
      via,
      headers,
      ...(withContact ? { contact: local.contact(dialog.source) } : {}),
      ...(opts.userAgent ? { userAgent: opts.userAgent } : {}),
    });
    return this.ctx.txl.request(target, branch, method, built.data);
  }
}
