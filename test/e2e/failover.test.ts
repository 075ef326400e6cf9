/**
 * Two callguard processes sharing one real redis-server, sending through one test SMSC. A scam call
 * recorded on node A (caller's voice by flite, offline recognizer, local analyzer) raises the one SMS
 * and is visible through node B's API. Node A is SIGKILLed mid-call; the SRC re-sends the recording
 * INVITE (same group id) to node B, whose actor resumes with the same risk and alerted state — and the
 * subscriber gets no second SMS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfflineRecognizerFactory } from '../../src/speech/offline/index.js';
import { requireBinary } from '../support/binaries.js';
import { freePort } from '../support/free-port.js';
import { SUBSCRIBER, simulateTo, startSharedBackends, waitFor, type SharedBackends } from './support.js';

const root = resolve(import.meta.dirname, '../..');
const ready =
  requireBinary('redis-server', 'redis-server') &&
  requireBinary('pocketsphinx_continuous', 'pocketsphinx') &&
  requireBinary('flite', 'flite') &&
  OfflineRecognizerFactory.available();

const TOKEN = 'reader-and-more-0123456789';

interface Node {
  child: ChildProcess;
  sip: number;
  http: number;
  out: () => string;
}

async function startNodeProcess(id: string, env: Record<string, string>): Promise<Node> {
  const sip = await freePort();
  const http = await freePort();
  const child = spawn(resolve(root, 'node_modules/.bin/tsx'), ['src/cli.ts', 'serve'], {
    cwd: root,
    env: {
      ...process.env,
      ...env,
      CALLGUARD_NODE_ID: id,
      CALLGUARD_SIP_PORT: String(sip),
      CALLGUARD_HTTP_PORT: String(http),
      CALLGUARD_RTP_PORTS: id === 'node-a' ? '48000-48199' : '48200-48399',
      CALLGUARD_SUBSCRIBERS: SUBSCRIBER,
      CALLGUARD_SPEECH: 'offline',
      CALLGUARD_API_TOKENS: `admin:${TOKEN}`,
      CALLGUARD_CALL_TTL: '3',
      CALLGUARD_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const until = Date.now() + 30_000;
  while (!out.includes('callguard ready')) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`${id} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, sip, http, out: () => out };
}

const api = async <T>(node: Node, path: string): Promise<T> => {
  const res = await fetch(`http://127.0.0.1:${node.http}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
};

const until = (cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> => waitFor(cond, ms, 100, what);

interface CallList {
  calls: Array<{ id: string; node: string; risk: { level: string; alerted: boolean } }>;
}

describe.skipIf(!ready)('failover between two nodes sharing Redis', () => {
  let backends: SharedBackends;
  let a: Node;
  let b: Node;

  beforeAll(async () => {
    backends = await startSharedBackends({ appendOnly: true });
    [a, b] = await Promise.all([startNodeProcess('node-a', backends.env), startNodeProcess('node-b', backends.env)]);
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
      callerAudio: { kind: 'say', text: 'This is the tax office. You owe back taxes. Pay today with gift cards or you will be arrested.' },
      duration: 60,
      signal: first.signal,
    }).catch(() => undefined);

    // The alert fires on A, and B's API shows A's call with its risk.
    await until(() => backends.smsc.messages().length === 1, 30_000, 'the SMS from node A');
    await until(
      async () => (await api<CallList>(b, '/v1/calls')).calls.some((c) => c.node === 'node-a' && c.risk.alerted),
      10_000,
      "node A's call, alerted, on node B",
    );
    const [seenOnB] = (await api<CallList>(b, '/v1/calls')).calls;
    expect(seenOnB).toMatchObject({ node: 'node-a', risk: { level: 'high', alerted: true } });
    const detail = await api<{ snapshot: unknown }>(b, `/v1/calls/${seenOnB!.id}`);
    expect(JSON.stringify(detail.snapshot)).not.toContain(SUBSCRIBER.slice(1));

    // Node A dies mid-call.
    a.child.kill('SIGKILL');
    first.abort();
    await onA;

    // The SRC fails over: the same recording (group id) to node B, and the caller says nothing new.
    const again = new AbortController();
    const onB = simulateTo(b.sip, { groupId, duration: 30, signal: again.signal }).catch(() => undefined);
    await until(async () => (await api<CallList>(b, '/v1/calls')).calls.some((c) => c.node === 'node-b'), 10_000, 'the call on node B');
    const resumed = (await api<CallList>(b, '/v1/calls')).calls.find((c) => c.node === 'node-b')!;
    expect(resumed.risk).toMatchObject({ level: 'high', alerted: true });
    expect(b.out()).toContain('recording resumed from another node');

    // A's registry record expires (CALLGUARD_CALL_TTL 3 s) and no second SMS went out.
    await until(async () => !(await api<CallList>(b, '/v1/calls')).calls.some((c) => c.node === 'node-a'), 15_000, "node A's call to expire");
    expect(backends.smsc.messages()).toHaveLength(1);
    again.abort();
    await onB;
  });
});
