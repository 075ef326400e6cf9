/**
 * Two callguard processes sharing one real redis-server, sending through one test SMSC. A scam call
 * recorded on node A (caller's voice by flite, offline recognizer, local analyzer) raises the one SMS
 * and is visible through node B's API. Node A is SIGKILLed mid-call; the SRC re-sends the recording
 * INVITE (same group id) to node B, whose actor resumes with the same risk and alerted state — and the
 * subscriber gets no second SMS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfflineRecognizerFactory } from '../../src/speech/offline/index.js';
import { requireBinary } from '../support/binaries.js';
import { startNodeProcess, until, type NodeProcess } from '../support/node-process.js';
import { SPOKEN_SCAM, SUBSCRIBER, simulateTo, startSharedBackends, type SharedBackends } from './support.js';

const ready =
  requireBinary('redis-server', 'redis-server') &&
  requireBinary('pocketsphinx_continuous', 'pocketsphinx') &&
  requireBinary('flite', 'flite') &&
  OfflineRecognizerFactory.available();

const TOKEN = 'reader-and-more-0123456789';

interface CallList {
  calls: Array<{ id: string; node: string; risk: { level: string; alerted: boolean } }>;
}

describe.skipIf(!ready)('failover between two nodes sharing Redis', () => {
  let backends: SharedBackends;
  let a: NodeProcess;
  let b: NodeProcess;

  beforeAll(async () => {
    backends = await startSharedBackends({ appendOnly: true });
    const env = { ...backends.env, CALLGUARD_SUBSCRIBERS: SUBSCRIBER, CALLGUARD_SPEECH: 'offline', CALLGUARD_CALL_TTL: '3' };
    [a, b] = await Promise.all([
      startNodeProcess('node-a', { ...env, CALLGUARD_RTP_PORTS: '48000-48199' }, { token: TOKEN }),
      startNodeProcess('node-b', { ...env, CALLGUARD_RTP_PORTS: '48200-48399' }, { token: TOKEN }),
    ]);
  }, 60_000);

  afterAll(async () => {
    for (const n of [a, b]) n?.child.kill('SIGKILL');
    await backends?.close();
  });

  it('resumes the recording on node B with its risk and alerted state, and sends no second SMS', { timeout: 90_000 }, async () => {
    const groupId = 'ZmFpbG92ZXItZTJlLWdyb3VwLTE=';
    const first = new AbortController();
    const onA = simulateTo(a.sip, {
      groupId,
      callerAudio: { kind: 'say', text: SPOKEN_SCAM },
      duration: 60,
      signal: first.signal,
    }).catch(() => undefined);

    // The alert fires on A, and B's API shows A's call with its risk.
    await until(() => backends.smsc.messages().length === 1, 30_000, 'the SMS from node A');
    await until(
      async () => (await b.api<CallList>('/v1/calls')).calls.some((c) => c.node === 'node-a' && c.risk.alerted),
      10_000,
      "node A's call, alerted, on node B",
    );
    const [seenOnB] = (await b.api<CallList>('/v1/calls')).calls;
    expect(seenOnB).toMatchObject({ node: 'node-a', risk: { level: 'high', alerted: true } });
    const detail = await b.api<{ snapshot: unknown }>(`/v1/calls/${seenOnB!.id}`);
    expect(JSON.stringify(detail.snapshot)).not.toContain(SUBSCRIBER.slice(1));

    // Node A dies mid-call.
    a.child.kill('SIGKILL');
    first.abort();
    await onA;

    // The SRC fails over: the same recording (group id) to node B, and the caller says nothing new.
    const again = new AbortController();
    const onB = simulateTo(b.sip, { groupId, duration: 30, signal: again.signal }).catch(() => undefined);
    await until(async () => (await b.api<CallList>('/v1/calls')).calls.some((c) => c.node === 'node-b'), 10_000, 'the call on node B');
    const resumed = (await b.api<CallList>('/v1/calls')).calls.find((c) => c.node === 'node-b')!;
    expect(resumed.risk).toMatchObject({ level: 'high', alerted: true });
    expect(b.out()).toContain('recording resumed from another node');

    // A's registry record expires (CALLGUARD_CALL_TTL 3 s) and no second SMS went out.
    await until(async () => !(await b.api<CallList>('/v1/calls')).calls.some((c) => c.node === 'node-a'), 15_000, "node A's call to expire");
    expect(backends.smsc.messages()).toHaveLength(1);
    again.abort();
    await onB;
  });
});
