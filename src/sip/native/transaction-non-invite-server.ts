/**
 * Non-INVITE server transaction, RFC 3261 §17.2.2.
 *
 *   trying ─1xx─▶ proceeding ─final─▶ completed ─Timer J─▶ terminated
 *
 * Retransmitted requests are absorbed: nothing in Trying, the last response after that.
 */
import type { TransactionDeps } from './transaction.js';

export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export interface NonInviteServerHooks {
  send(data: Buffer): void;
  onTerminated(tx: NonInviteServerTransaction): void;
}

export class NonInviteServerTransaction {
  state: NonInviteServerState = 'trying';
  lastStatus = 0;
  private last: Buffer | null = null;

  constructor(
    readonly key: string,
    private readonly deps: TransactionDeps,
    private readonly hooks: NonInviteServerHooks,
  ) {}

  respond(status: number, data: Buffer): boolean {
    if (this.state !== 'trying' && this.state !== 'proceeding') return false;
    this.last = data;
    this.lastStatus = status;
    this.hooks.send(data);
    if (status < 200) {
      this.state = 'proceeding';
      return true;
    }
    this.state = 'completed';
    // Timer J = 64*T1 on unreliable transports, zero on reliable ones.
    if (this.deps.reliable) this.terminate();
    else this.deps.linger.add(this);
    return true;
  }

  onRetransmission(): void {
    if (this.last && (this.state === 'proceeding' || this.state === 'completed')) this.hooks.send(this.last);
  }

  get isFinal(): boolean {
    return this.state === 'completed' || this.state === 'terminated';
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.hooks.onTerminated(this);
  }
}
