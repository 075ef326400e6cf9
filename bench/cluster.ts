/**
 * `npm run bench -- cluster [calls] [registry]`: two callguard nodes in this process sharing one real
 * redis-server.
 *
 * - redis_ops_per_call_per_s: `calls` real simulated calls (SIPREC + RTP, split over both nodes) held
 *   for 10 s; Redis commands processed in that window (INFO stats) per call per second.
 * - ops_get_calls_ms: GET /v1/calls on node A while `registry` live calls (default 1000) are in the
 *   shared registry, half written by each node's store as its publisher would (synthetic records of
 *   the real shape; holding 1000 real calls on a 2-core box measures RTP, not the API).
 * - failover_ms: INVITE → 200 OK on node B for a recording whose risk state node A stored (the answer
 *   waits for the recording state lookup), next to the same for a fresh recording.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RunningNode } from '../src/app.js';
import type { SimulationEvent } from '../src/simulate/types.js';
import { simulateCall, startTestNode } from '../test/e2e/support.js';
import { startRedisServer } from '../test/support/redis-server.js';
import { ScamLineFactory } from '../test/support/scam-line-recognizer.js';

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 100) / 100;
};

async function commandsProcessed(r: Redis): Promise<number> {
  const info = await r.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
}

/** INVITE sent → 200 received, from the simulator's own event times. */
async function inviteToAnswerMs(node: RunningNode, groupId?: string): Promise<number> {
  let sent = 0;
  let answered = 0;
  await simulateCall(node, {
    duration: 0.3,
    ...(groupId ? { groupId } : {}),
    onEvent: (e: SimulationEvent) => {
      if (e.type === 'request' && e.method === 'INVITE' && !sent) sent = e.atMs;
      if (e.type === 'answered') answered = e.atMs;
    },
  });
  return answered - sent;
}

export async function benchCluster(args: string[]): Promise<unknown> {
  const calls = Number(args[0] ?? 100);
  const registrySize = Number(args[1] ?? 1000);
  const redis = await startRedisServer();
  const env = { REDIS_URL: redis.url, CALLGUARD_ALERT_MAX_PER_HOUR: '100000', CALLGUARD_CALL_TTL: '30' };
  const a = await startTestNode({ ...env, CALLGUARD_NODE_ID: 'bench-a' }, { speech: new ScamLineFactory() });
  const b = await startTestNode({ ...env, CALLGUARD_NODE_ID: 'bench-b' }, { speech: new ScamLineFactory() });
  const r = new Redis(redis.url);
  try {
    // 1. Redis load of real calls.
    const held = Array.from({ length: calls }, (_, i) => simulateCall(i % 2 ? b : a, { duration: 16 }));
    await new Promise((res) => setTimeout(res, 4000));
    const live = a.engine.listCalls().length + b.engine.listCalls().length;
    const c0 = await commandsProcessed(r);
    await new Promise((res) => setTimeout(res, 10_000));
    const c1 = await commandsProcessed(r);
    await Promise.all(held);

    // 2. GET /v1/calls with a big registry.
    const records = Array.from({ length: registrySize }, (_, i) => ({ node: i % 2 ? 'bench-b' : 'bench-a', id: randomUUID() }));
    await Promise.all(
      records.map(({ node, id }) =>
        (node === 'bench-a' ? a : b).store.putCall(
          {
            id,
            node,
            summary: { id, sipCallId: `${id}@src`, node, state: { live: { dialog: 'active' } }, subscriber: '+12*******23', participants: [], streams: [], startedAt: new Date().toISOString(), refreshes: 0, speech: { status: 'off', finals: 0, partials: 0, keyphraseHits: 0 }, risk: { level: 'none', score: 0, category: 'none', alerted: false } },
            state: { live: { dialog: 'active' } },
            snapshot: { status: 'active' },
            updatedAt: Date.now(),
          },
          60_000,
        ),
      ),
    );
    const url = `http://127.0.0.1:${a.addresses.http}/v1/calls`;
    const t: number[] = [];
    let listed = 0;
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      const res = await fetch(url);
      const body = (await res.json()) as { count: number };
      t.push(performance.now() - t0);
      listed = body.count;
    }

    // 3. Failover: node A judges a recording, node B answers its re-INVITE restoring that state.
    const restored: number[] = [];
    const fresh: number[] = [];
    for (let i = 0; i < 20; i++) {
      const groupId = Buffer.from(randomUUID()).toString('base64');
      await simulateCall(a, { duration: 1.2, groupId });
      restored.push(await inviteToAnswerMs(b, groupId));
      fresh.push(await inviteToAnswerMs(b));
    }
    return {
      bench: 'cluster',
      redis_ops_per_call_per_s: { calls_live: live, value: Math.round(((c1 - c0) / 10 / Math.max(1, live)) * 100) / 100 },
      ops_get_calls_ms: { registry_calls: listed, p50: pct(t, 50), p99: pct(t, 99) },
      failover_invite_to_200_ms: { restored: { p50: pct(restored, 50), p95: pct(restored, 95) }, fresh: { p50: pct(fresh, 50), p95: pct(fresh, 95) } },
    };
  } finally {
    r.disconnect();
    await a.close();
    await b.close();
    await redis.close();
  }
}
