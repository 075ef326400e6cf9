import type { CallSummary } from '../engine/index.js';

export interface CallView {
  summary: CallSummary;
  state: unknown;
  snapshot: unknown;
}

/** What the ops API reads about calls: the engine (this node), or the cluster directory (every node). */
export interface CallDirectory {
  listCalls(): CallSummary[] | Promise<CallSummary[]>;
  getCall(id: string): CallView | undefined | Promise<CallView | undefined>;
}

/** Readiness: the SIP stack listens and the node accepts calls. */
export type ReadinessProbe = () => { ready: boolean; reason?: string };
