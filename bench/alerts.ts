/**
 * `npm run bench -- alerts [calls] [jobs]`: how fast a scam judgement becomes an SMS at the operator's SMSC.
 *
 * - latency: a callguard node (BullMQ on a real redis-server, SMPP to the test SMSC) receives one
 *   simulated call at a time whose caller "says" a scam line (scripted recognizer, real analyzer,
 *   policy, queue and SMPP client); time from that utterance to the SMSC receiving submit_sm.
 * - throughput: `jobs` alerts enqueued at once straight into the BullMQ queue with the SMPP provider;
 *   alerts/s from the first enqueue to the last submit_sm, at the default worker concurrency and at 32.
 */
import { randomUUID } from 'node:crypto';
import { alertSender } from '../src/alerts/alert-service.js';
import { SmppSmsProvider } from '../src/alerts/providers/index.js';
import { createAlertQueue } from '../src/alerts/queue/index.js';
import type { AlertJob } from '../src/alerts/types.js';
import { silentLogger } from '../src/log.js';
import { ScamLineFactory } from '../test/support/scam-line-recognizer.js';
import { simulateCall, startTestNode } from '../test/e2e/support.js';
import { startRedisServer } from '../test/support/redis-server.js';
import { TestSmsc } from '../test/support/smsc-server.js';


const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
};

async function waitUntil(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function latency(calls: number, redisUrl: string, smsc: TestSmsc) {
  const speech = new ScamLineFactory();
  const node = await startTestNode(
    {
      REDIS_URL: redisUrl,
      CALLGUARD_SMS: 'smpp',
      CALLGUARD_SMPP_URL: smsc.url,
      CALLGUARD_SMPP_SYSTEM_ID: smsc.systemId,
      CALLGUARD_SMPP_PASSWORD: smsc.password,
      CALLGUARD_ALERT_MAX_PER_HOUR: '100000',
    },
    { speech },
  );
  await smsc.waitForBound(1);
  const arrivals: number[] = [];
  const ms: number[] = [];
  try {
    for (let i = 0; i < calls; i++) {
      const before = smsc.submits.length;
      const sim = simulateCall(node, { duration: 1.2 });
      await waitUntil(() => smsc.submits.length > before, 10_000);
      arrivals.push(performance.now());
      ms.push(arrivals[i]! - speech.said[i]!);
      await sim;
    }
  } finally {
    await node.close();
  }
  return { calls, utterance_to_submit_sm_ms: { p50: pct(ms, 50), p95: pct(ms, 95), max: pct(ms, 100) } };
}

async function throughput(jobs: number, concurrency: number, redisUrl: string, smsc: TestSmsc) {
  const provider = new SmppSmsProvider({ url: smsc.url, systemId: smsc.systemId, password: smsc.password, windowSize: 64, logger: silentLogger() });
  await provider.start();
  const queue = createAlertQueue({
    redisUrl,
    keyPrefix: `bench-${randomUUID().slice(0, 8)}:`,
    sender: alertSender(provider, { brand: { name: 'Acme Mobile', senderId: 'Acme', replyKeyword: 'NOTSCAM' }, defaultLocale: 'en' }),
    logger: silentLogger(),
    nodeId: 'bench',
    maxPerHour: 0,
    concurrency,
  });
  const before = smsc.messages().length;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: jobs }, (_, i) => {
      const subscriber = `+1212555${String(i % 10_000).padStart(4, '0')}`;
      const job: AlertJob = {
        id: randomUUID(),
        dedupKey: `${subscriber}|${randomUUID()}`,
        callId: randomUUID(),
        subscriber,
        caller: '+13035551000',
        locale: 'en',
        level: 'high',
        score: 0.92,
        category: 'government',
        tactics: ['impersonation', 'payment'],
        explanation: 'The caller claims to be from the IRS and demands payment in gift cards.',
        nodeId: 'bench',
        raisedAt: Date.now(),
      };
      return queue.enqueue(job);
    }),
  );
  const enqueued = performance.now() - t0;
  await waitUntil(() => smsc.messages().length - before >= jobs, 300_000);
  const total = performance.now() - t0;
  await queue.close(1000);
  await provider.close();
  return { jobs, concurrency, enqueue_ms: Math.round(enqueued), alerts_per_s: Math.round((jobs / total) * 1000) };
}

export async function benchAlerts(args: string[]): Promise<unknown> {
  const calls = Number(args[0] ?? 30);
  const jobs = Number(args[1] ?? 2000);
  const redis = await startRedisServer();
  const smsc = await new TestSmsc().start();
  try {
    return {
      bench: 'alerts',
      latency: await latency(calls, redis.url, smsc),
      throughput: [await throughput(jobs, 4, redis.url, smsc), await throughput(jobs, 32, redis.url, smsc)],
    };
  } finally {
    await smsc.stop();
    await redis.close();
  }
}
