/**
 * The publisher's periodic refresh: every live call's record is written again (its TTL restarts),
 * REFRESH_SLICE records per turn of the event loop, and a call that ended meanwhile is not written.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CallPublisher, REFRESH_SLICE } from '../../../src/cluster/call-publisher.js';
import type { Engine } from '../../../src/engine/index.js';
import { silentLogger } from '../../../src/log.js';
import { MemoryStateStore } from '../../../src/state/memory/memory-state-store.js';

let publisher: CallPublisher | undefined;
afterEach(async () => {
  await publisher?.close();
  publisher = undefined;
});

describe('CallPublisher refresh', () => {
  it('writes every live call, a slice per turn of the event loop', async () => {
    const n = REFRESH_SLICE * 3 + 7;
    const live = new Set(Array.from({ length: n }, (_, i) => `call-${i}`));
    let built = 0;
    let builtAtFirstYield: number | undefined;
    const engine = {
      callIds: () => [...live],
      viewOf: (id: string) => {
        if (!live.has(id)) return undefined;
        if (built++ === 0) setImmediate(() => (builtAtFirstYield = built));
        // The call ending half-way through the refresh is not written.
        if (built === REFRESH_SLICE + 1) live.delete(`call-${n - 1}`);
        return { summary: { id }, state: 'live', snapshot: {} };
      },
      recordingStatesOf: () => [],
    } as unknown as Engine;
    const store = new MemoryStateStore();
    // The constructor's first refresh is the one measured; the periodic one is far off (TTL 30 s).
    publisher = new CallPublisher({ engine, store, nodeId: 'n1', logger: silentLogger(), callTtlMs: 30_000, recordingTtlMs: 60_000 });
    for (let waited = 0; (await store.listCalls()).length < n - 1 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    const ids = (await store.listCalls()).map((r) => r.id);
    expect(ids).toHaveLength(n - 1);
    expect(ids).not.toContain(`call-${n - 1}`);
    expect(builtAtFirstYield).toBe(REFRESH_SLICE);
    expect((await store.listNodes()).map((node) => node.id)).toEqual(['n1']);
  });
});
