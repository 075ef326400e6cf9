/**
 * Non-INVITE client transaction, RFC 3261 §17.1.2, for the BYE and UPDATE requests we send.
 *
 *   trying ─1xx─▶ proceeding ─final─▶ completed ─Timer K─▶ terminated
 *   trying/proceeding ─Timer F or transport error─▶ terminated (timeout)
 *
 * Timer E retransmits over UDP, starting at T1 and doubling up to T2 (T2 once a provisional came).
 */
import { SipTransactionError } from './errors.js';
import type { SipResponse } from './message.js';
import type { TimerHandle } from './timers.js';
import type { TransactionDeps } from './transaction.js';

export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export type ClientOutcome = { ok: true; response: SipResponse } | { ok: false; error: SipTransactionError };

export interface NonInviteClientHooks {
  send(data: Buffer, onError: (err: Error) => void): void;
  onTerminated(tx: NonInviteClientTransaction): void;
}

export class NonInviteClientTransaction {
  state: NonInviteClientState = 'trying';
  readonly done: Promise<ClientOutcome>;
  private resolve: (outcome: ClientOutcome) => void = () => undefined;
  private settled = false;
  private timerE: TimerHandle | null = null;
  private timerF: TimerHandle | null = null;
  private timerK: TimerHandle | null = null;

  constructor(
    readonly key: string,
    private readonly request: Buffer,
    private readonly deps: TransactionDeps,
    private readonly hooks: NonInviteClientHooks,
  ) {
    this.done = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  start(): Promise<ClientOutcome> {
    const { timers, t, reliable } = this.deps;
    this.transmit();
    if (!reliable) this.scheduleE(t.t1);
    this.timerF = timers.set(64 * t.t1, () =>
      this.fail(new SipTransactionError('SIP_TRANSACTION_TIMEOUT', 'no final response before Timer F')),
    );
    return this.done;
  }

  private transmit(): void {
    this.hooks.send(this.request, (err) =>
      this.fail(new SipTransactionError('SIP_TRANSPORT_ERROR', `transport error: ${err.message}`)),
    );
  }

  private scheduleE(interval: number): void {
    this.timerE = this.deps.timers.set(interval, () => {
      if (this.state === 'trying') {
        this.transmit();
        this.scheduleE(Math.min(2 * interval, this.deps.t.t2));
      } else if (this.state === 'proceeding') {
        this.transmit();
        this.scheduleE(this.deps.t.t2);
      }
    });
  }

  onResponse(res: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return; // completed: absorb retransmissions
    if (res.status < 200) {
      this.state = 'proceeding';
      return;
    }
    this.state = 'completed';
    this.timerE?.cancel();
    this.timerF?.cancel();
    this.settle({ ok: true, response: res });
    // Timer K absorbs response retransmissions: T4 on UDP, zero on reliable transports.
    if (this.deps.reliable) this.terminate();
    else this.timerK = this.deps.timers.set(this.deps.t.t4, () => this.terminate());
  }

  private fail(error: SipTransactionError): void {
    if (this.state === 'completed' || this.state === 'terminated') return;
    this.settle({ ok: false, error });
    this.terminate();
  }

  /** Ends the transaction at once (shutdown); a pending outcome resolves as aborted. */
  abort(): void {
    this.fail(new SipTransactionError('SIP_TRANSACTION_ABORTED', 'transaction aborted'));
    this.terminate();
  }

  private settle(outcome: ClientOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(outcome);
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.timerE?.cancel();
    this.timerF?.cancel();
    this.timerK?.cancel();
    this.hooks.onTerminated(this);
  }
}
