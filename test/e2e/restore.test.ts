/**
 * A recording resumed from stored state: a valid state carries the risk and the alerted flag into the
 * new actor; a malformed one (another version, a corrupted key) costs the call its history, not the call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app.js';
import type { RecordingState } from '../../src/state/types.js';
import { simulateCall, startTestNode, waitFor } from './support.js';

describe('recording state restore', () => {
  let node: RunningNode | undefined;
  afterEach(async () => {
    await node?.close();
    node = undefined;
  });

  const risk = (over: Partial<RecordingState['risk']> = {}): RecordingState['risk'] => ({
    level: 'high',
    score: 0.93,
    peakScore: 0.93,
    lowerStreak: 0,
    analyses: 4,
    alerted: true,
    category: 'government',
    tactics: ['impersonation', 'payment'],
    ...over,
  });

  async function riskDuringCall(groupId: string): Promise<{ level: string; alerted: boolean }> {
    let seen: { level: string; alerted: boolean } | undefined;
    const sim = simulateCall(node!, { groupId, duration: 1 });
    await waitFor(() => {
      const [c] = node!.engine.listCalls();
      if (c) seen = c.risk;
      return c !== undefined;
    }, 5000);
    const result = await sim;
    expect(result.answered).toBe(true);
    return seen!;
  }

  it('resumes a stored risk and alerted flag', async () => {
    node = await startTestNode();
    await node.store.putRecording({ recording: 'Z3JvdXAtdmFsaWQ=', risk: risk(), alertAnnounced: true, node: 'other', updatedAt: Date.now() }, 60_000);
    expect(await riskDuringCall('Z3JvdXAtdmFsaWQ=')).toMatchObject({ level: 'high', alerted: true });
    expect(node.engine.alerts.length).toBe(0);
  });

  it('starts fresh, and answers, when the stored state is malformed', async () => {
    node = await startTestNode();
    const broken = { recording: 'Z3JvdXAtYnJva2Vu', risk: { level: 'high', alerted: true }, alertAnnounced: true, node: 'other', updatedAt: Date.now() } as unknown as RecordingState;
    await node.store.putRecording(broken, 60_000);
    expect(await riskDuringCall('Z3JvdXAtYnJva2Vu')).toMatchObject({ level: 'none', alerted: false });
    // The call's ports are released once its media worker has closed them (a message round trip).
    await waitFor(() => node!.engine.stats().rtpPortsInUse === 0, 2000);
    expect(node.engine.stats().rtpPortsInUse).toBe(0);
  });
});
