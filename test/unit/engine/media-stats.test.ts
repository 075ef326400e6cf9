/**
 * The media statistics sweep: every live call in slices with the event loop's I/O in between; past
 * REFRESHED_PER_SWEEP calls each is read into its actor in turn, except a call whose media may have
 * timed out, which is read at every sweep.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStats, REFRESHED_PER_SWEEP, SWEEP_SLICE } from '../../../src/engine/media-stats.js';
import type { CallRegistry } from '../../../src/engine/live-call.js';

const stats = { packets: 5, lost: 1, late: 0, jitterMs: 2, audioSeconds: 0.1, wrongSource: 0, srtpAuthFailures: 0, lastPacketAt: 7 };
const NOW = 1000;

/** Calls whose media last arrived at `lastPacketAt(i)`, with a 500 ms media timeout from their start at 0. */
function registry(n: number, pushes: string[], lastPacketAt: (i: number) => number = () => 7): CallRegistry {
  const calls = Array.from({ length: n }, (_, i) => ({
    id: `c${i}`,
    ended: i === 3, // an ended call is skipped
    resources: { media: new Map([[0, { stats: () => ({ ...stats, lastPacketAt: lastPacketAt(i) }) }]]) },
    actor: {
      send: (e: { type: string; streams: unknown[] }) => pushes.push(`c${i}:${e.type}:${e.streams.length}`),
      getSnapshot: () => ({ context: { mediaTimeoutMs: 500, startedAt: 0 } }),
    },
  }));
  return { values: () => calls.values() } as unknown as CallRegistry;
}

let ms: MediaStats | undefined;
afterEach(() => ms?.close());

describe('MediaStats sweep', () => {
  it('reads every live call into its actor once, SWEEP_SLICE calls per turn of the event loop', async () => {
    const pushes: string[] = [];
    const n = SWEEP_SLICE * 3 + 5;
    expect(n).toBeLessThanOrEqual(REFRESHED_PER_SWEEP); // so every call is read at every sweep
    let atFirstYield: number | undefined;
    const calls = registry(n, pushes);
    ms = new MediaStats(calls, () => NOW, 20);
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

  it('past REFRESHED_PER_SWEEP calls reads each in turn, and a call whose media stopped at every sweep', async () => {
    const pushes: string[] = [];
    const n = REFRESHED_PER_SWEEP * 5;
    // c7's media stopped long ago (timed out: its actor must hear at every sweep); the rest stream now.
    const calls = registry(n, pushes, (i) => (i === 7 ? 7 : NOW));
    ms = new MediaStats(calls, () => NOW, 15);
    const count = (id: string): number => pushes.filter((p) => p.startsWith(`${id}:`)).length;
    for (let waited = 0; count('c7') < 12 && waited < 10_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    ms.close();
    const sweeps = count('c7'); // one read per sweep
    expect(sweeps).toBeGreaterThanOrEqual(12);
    for (let i = 0; i < n; i++) {
      if (i === 3 || i === 7) continue;
      const reads = count(`c${i}`);
      // Every call had its turn, about once in five sweeps: never every sweep, never starved.
      expect(reads).toBeGreaterThanOrEqual(Math.floor(sweeps / 5) - 1);
      expect(reads).toBeLessThanOrEqual(Math.ceil(sweeps / 5) + 1);
    }
    // The turns are spread: no sweep reads much more than its fifth.
    expect(pushes.length).toBeLessThanOrEqual(sweeps * (n / 5 + 1) + n);
  });

  it('live() gives the actor\'s streams with the numbers read now, whatever the actor last heard', () => {
    let packets = 5;
    const call = {
      id: 'c0',
      ended: false,
      resources: { media: new Map([[1, { stats: () => ({ ...stats, packets }) }]]) },
      actor: {
        send: () => undefined,
        getSnapshot: () => ({
          context: {
            streams: [
              { index: 0, label: 'a', port: 0, media: { ...stats, packets: 1 } },
              { index: 1, label: 'b', port: 4000, media: { ...stats, packets: 1 } },
            ],
          },
        }),
      },
    };
    ms = new MediaStats({ values: () => [call].values() } as unknown as CallRegistry, () => NOW, 60_000);
    packets = 42;
    const streams = ms.live(call as unknown as Parameters<MediaStats['live']>[0]);
    expect(streams.map((s) => [s.index, s.media?.packets])).toEqual([[0, 1], [1, 42]]); // stream 0 has no endpoint
    expect(streams[1]).toMatchObject({ label: 'b', port: 4000 });
  });
});
