/** A live call as the engine holds it, and the registry of live calls by call id and by SIP session. */
import type { Actor } from 'xstate';
import type { callMachine } from '../../machines/call.js';
import { RISK_LEVELS, type RiskLevel } from '../analysis/types.js';
import type { SessionInfo } from '../sip/types.js';
import type { OfferedSdp, RecordingMetadata } from '../siprec/types.js';
import type { CallResources } from './call-resources.js';

export type CallActor = Actor<typeof callMachine>;

export interface LiveCall {
  id: string;
  sessionId: string;
  actor: CallActor;
  /** RTP endpoints with their media plans, DTMF listeners and recognizers: released in one place. */
  resources: CallResources;
  language?: string;
  ended: boolean;
  offer: OfferedSdp;
  metadata?: RecordingMetadata;
  /**
   * The recording this call belongs to (alert dedup, failover state), fixed at the INVITE; plus any
   * other key later metadata gave it (an SRC may send the group id only in an UPDATE), under which the
   * recording state is stored too so a failover by either key resumes it.
   */
  recordingKeys: string[];
  /** The party the subscriber is warned about, as the INVITE named it (E.164 when known). */
  caller?: string;
  /** The highest risk level reached: the policy steps down after calmer windows, so the last may be lower. */
  peakRisk: RiskLevel;
  answer: string;
  answerVersion: number;
  answerSessionId: string;
  session: SessionInfo;
}

export const higherRisk = (a: RiskLevel, b: RiskLevel): RiskLevel => (RISK_LEVELS.indexOf(b) > RISK_LEVELS.indexOf(a) ? b : a);

/** Live calls by call id and by SIP session id. */
export class CallRegistry {
  private readonly byId = new Map<string, LiveCall>();
  private readonly bySession = new Map<string, LiveCall>();

  get size(): number {
    return this.byId.size;
  }

  add(call: LiveCall): void {
    this.bySession.set(call.sessionId, call);
    this.byId.set(call.id, call);
  }

  remove(call: LiveCall): void {
    this.bySession.delete(call.sessionId);
    this.byId.delete(call.id);
  }

  get(callId: string): LiveCall | undefined {
    return this.byId.get(callId);
  }

  ofSession(sessionId: string): LiveCall | undefined {
    return this.bySession.get(sessionId);
  }

  values(): IterableIterator<LiveCall> {
    return this.byId.values();
  }
}
