/**
 * `SimulationOptions.lossRate` on the wire: a 2 s recorded call into a node started in this process
 * loses about the share of RTP packets asked for, and the node counts them as lost (sequence gaps),
 * not as a shorter stream.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningNode } from '../../src/app.js';
import { simulateCall, startTestNode } from './support.js';

describe('simulated packet loss into a node', () => {
  let node: RunningNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node?.close();
  });

  it('drops a seeded share of each stream, and the node sees the gaps as loss', { timeout: 15_000 }, async () => {
    const tone = Int16Array.from({ length: 16000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
    const before = node.engine.mediaTotals();
    const result = await simulateCall(node, {
      callerAudio: { kind: 'pcm', samples: tone, sampleRate: 8000 },
      subscriberAudio: { kind: 'pcm', samples: tone, sampleRate: 8000 },
      duration: 2,
      lossRate: 0.1,
      lossSeed: 3,
    });
    expect(result).toMatchObject({ answered: true, clean: true });
    const dropped = result.packetsDropped!;
    for (const party of ['caller', 'subscriber'] as const) {
      const total = result.packetsSent[party] + dropped[party];
      expect(total).toBeGreaterThanOrEqual(95); // 2 s at 50 packets/s
      expect(dropped[party] / total).toBeGreaterThan(0.03);
      expect(dropped[party] / total).toBeLessThan(0.2);
    }
    // The call's endpoints close after its BYE; with media workers their final counts arrive then.
    const sent = result.packetsSent.caller + result.packetsSent.subscriber;
    await vi.waitFor(() => expect(node.engine.mediaTotals().packets - before.packets).toBe(sent), { timeout: 3000 });
    const after = node.engine.mediaTotals();
    // A packet lost at the very end of a stream leaves no gap behind it to count.
    expect(after.lost - before.lost).toBeGreaterThanOrEqual(dropped.caller + dropped.subscriber - 4);
    expect(after.lost - before.lost).toBeLessThanOrEqual(dropped.caller + dropped.subscriber);
  });
});
