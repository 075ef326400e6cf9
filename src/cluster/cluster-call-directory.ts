/**
 * The ops API's view of calls across nodes: every node's records from the shared registry, with this
 * node's own calls answered live from the engine (fresher than the last refresh).
 */
import type { CallSummary, Engine } from '../engine/index.js';
import type { CallDirectory, CallView } from '../ops/types.js';
import type { CallRegistry } from '../state/types.js';

export class ClusterCallDirectory implements CallDirectory {
  constructor(
    private readonly engine: Pick<Engine, 'listCalls' | 'getCall'>,
    private readonly registry: CallRegistry,
  ) {}

  async listCalls(): Promise<CallSummary[]> {
    const local = this.engine.listCalls();
    const seen = new Set(local.map((c) => c.id));
    const remote = await this.registry.listCalls();
    // Stored summaries are the owning node's CallSummary, kept opaque by the store.
    const others = remote.filter((r) => !seen.has(r.id)).map((r) => r.summary as unknown as CallSummary);
    return [...local, ...others];
  }

  async getCall(id: string): Promise<CallView | undefined> {
    const here = this.engine.getCall(id);
    if (here) return here;
    const r = await this.registry.getCall(id);
    return r ? { summary: r.summary as unknown as CallSummary, state: r.state, snapshot: r.snapshot } : undefined;
  }
}
