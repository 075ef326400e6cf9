/** The media statistics sweep: every live call once per interval, in slices with the event loop's I/O in between. */
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStats, SWEEP_SLICE } from '../../../src/engine/media-stats.js';
import type { CallRegistry } from '../../../src/engine/live-call.js';

const stats = { packets: 5, lost: 1, late: 0, jitterMs: 2, audioSeconds: 0.1, wrongSource: 0, srtpAuthFailures: 0, lastPacketAt: 7 };

function registry(n: number, pushes: string[]): CallRegistry {
  const calls = Array.from({ length: n }, (_, i) => ({
    id: `c${i}`,
    ended: i === 3, // an ended call is skipped
    resources: { media: new Map([[0, { stats: () => ({ ...stats }) }]]) },
    actor: { send: (e: { type: string; streams: unknown[] }) => pushes.push(`c${i}:${e.type}:${e.streams.length}`) },
  }));
  return { values: () => calls.values() } as unknown as CallRegistry;
}

let ms: MediaStats | undefined;
afterEach(() => ms?.close());

describe('MediaStats sweep', () => {
  it('reads every live call into its actor once, SWEEP_SLICE calls per turn of the event loop', async () => {
    const pushes: string[] = [];
    const n = SWEEP_SLICE * 3 + 10;
    let atFirstYield: number | undefined;
    const calls = registry(n, pushes);
    ms = new MediaStats(calls, () => 1000, 20);
    // Queued while the first slice runs: it runs before the sweep's next slice only if the sweep yields.
    const first = calls.values().next().value as { actor: { send: (e: unknown) => void } };
    const send = first.actor.send;
    first.actor.send = (e) => {
      send(e);
      if (atFirstYield === undefined) setImmediate(() => (atFirstYield = pushes.length));
    };
    // However slow the machine: wait for the first sweep to have reached every live call.
    for (let waited = 0; pushes.length < n - 1 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    ms.close();
    expect(atFirstYield).toBe(SWEEP_SLICE - 1); // the first slice holds the ended call
    const firstSweep = pushes.slice(0, n - 1);
    expect(new Set(firstSweep).size).toBe(n - 1);
    expect(firstSweep).not.toContain('c3:media.stats:1');
    expect(firstSweep.every((p) => p.endsWith(':media.stats:1'))).toBe(true);
  });
});
