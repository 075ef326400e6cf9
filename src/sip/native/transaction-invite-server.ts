/**
 * INVITE server transaction, RFC 3261 §17.2.1 as updated by RFC 6026 (the Accepted state).
 *
 *   proceeding ─1xx─▶ proceeding
 *   proceeding ─2xx─▶ accepted  ─Timer L─▶ terminated   (2xx retransmission is the dialog's job, §13.3.1.4)
 *   proceeding ─3xx-6xx─▶ completed ─ACK─▶ confirmed ─Timer I─▶ terminated
 *                          completed ─Timer H─▶ terminated (no ACK)
 *
 * A retransmitted INVITE never reaches the TU: it re-sends the last response instead.
 */
import type { TimerHandle } from './timers.js';
import type { TransactionDeps } from './transaction.js';

export type InviteServerState = 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';

export interface InviteServerHooks {
  send(data: Buffer): void;
  onTerminated(tx: InviteServerTransaction): void;
  /** Timer H fired: the ACK for our failure response never came. */
  onAckTimeout?(tx: InviteServerTransaction): void;
}

export class InviteServerTransaction {
  state: InviteServerState = 'proceeding';
  /** Status of the last response sent (0 before any). */
  lastStatus = 0;
  /** To tag our responses carry, so a CANCEL's 200 can carry the same one (RFC 3261 §9.2). */
  toTag?: string;
  /** Set by the TU: what a matching CANCEL does while no final response was sent. */
  onCancel?: () => void;
  private last: Buffer | null = null;
  private timerG: TimerHandle | null = null;
  private timerH: TimerHandle | null = null;
  private timerI: TimerHandle | null = null;

  constructor(
    readonly key: string,
    private readonly deps: TransactionDeps,
    private readonly hooks: InviteServerHooks,
  ) {}

  /** Sends a response; returns false when a final response was already sent. */
  respond(status: number, data: Buffer): boolean {
    if (this.state !== 'proceeding') return false;
    this.last = data;
    this.lastStatus = status;
    this.hooks.send(data);
    if (status < 200) return true;
    const { timers, t, reliable } = this.deps;
    if (status < 300) {
      // RFC 6026: Accepted. Absorb INVITE retransmissions for Timer L = 64*T1.
      this.state = 'accepted';
      this.deps.linger.add(this);
      return true;
    }
    this.state = 'completed';
    // RFC 3261 §17.2.1: Timer G retransmits the final response over unreliable transports.
    if (!reliable) this.scheduleG(t.t1);
    this.timerH = timers.set(64 * t.t1, () => {
      this.hooks.onAckTimeout?.(this);
      this.terminate();
    });
    return true;
  }

  private scheduleG(interval: number): void {
    this.timerG = this.deps.timers.set(interval, () => {
      if (this.state !== 'completed' || !this.last) return;
      this.hooks.send(this.last);
      this.scheduleG(Math.min(2 * interval, this.deps.t.t2));
    });
  }

  /**
   * A retransmission of the INVITE: re-send the last provisional or final response (§17.2.1).
   * In Accepted, RFC 6026 says absorb; re-sending the 2xx is harmless and lets a UAC whose 2xx
   * was lost see our To tag at once rather than at the next dialog-layer retransmission.
   */
  onRetransmission(): void {
    if (this.last && (this.state === 'proceeding' || this.state === 'completed' || this.state === 'accepted')) {
      this.hooks.send(this.last);
    }
  }

  /** The ACK for a non-2xx final response (same branch as the INVITE, §17.1.1.3). */
  onAck(): boolean {
    if (this.state !== 'completed') return this.state === 'confirmed';
    this.state = 'confirmed';
    this.timerG?.cancel();
    this.timerH?.cancel();
    // Timer I absorbs ACK retransmissions: T4 on UDP, zero on reliable transports.
    if (this.deps.reliable) this.terminate();
    else this.timerI = this.deps.timers.set(this.deps.t.t4, () => this.terminate());
    return true;
  }

  get isFinal(): boolean {
    return this.state !== 'proceeding';
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.timerG?.cancel();
    this.timerH?.cancel();
    this.timerI?.cancel();
    this.onCancel = undefined;
    this.hooks.onTerminated(this);
  }
}
