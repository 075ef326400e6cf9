import type { CallSummary } from '../engine.js';

/** What the ops API reads about calls. The engine implements it; the multi-node registry will too. */
export interface CallDirectory {
  listCalls(): CallSummary[];
  getCall(id: string): { summary: CallSummary; state: unknown; snapshot: unknown } | undefined;
}

/** Readiness: the SIP stack listens and the node accepts calls. */
export type ReadinessProbe = () => { ready: boolean; reason?: string };
