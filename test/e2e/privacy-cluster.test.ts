/**
 * Privacy across a cluster: after a scam call and a benign call through two callguard processes
 * sharing one redis-server, nothing holds the conversation or the caller's number — not a Redis key or
 * value, not the logs at the default level, not a file in the nodes' working directory — except the
 * SMS sink's own record of the warning it sent.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulation } from '../../src/simulate/index.js';
import { OfflineRecognizerFactory } from '../../src/speech/offline/index.js';
import { requireBinary } from '../support/binaries.js';
import { startNodeProcess, stopNodeProcess, until, type NodeProcess } from '../support/node-process.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { CALLER, SPOKEN_BENIGN, SPOKEN_SCAM, SUBSCRIBER } from './support.js';

const ready =
  requireBinary('redis-server', 'redis-server') &&
  requireBinary('pocketsphinx_continuous', 'pocketsphinx') &&
  requireBinary('flite', 'flite') &&
  OfflineRecognizerFactory.available();

const TOKEN = 'privacy-admin-token-0123456789';
/** Said only by the callers, never in an analyzer's explanation: finding them anywhere means the transcript leaked. */
const TRANSCRIPT_ONLY = ['officer brown', 'warrant', 'the fine', 'dentist', 'appointment', 'tuesday'];
const CALLER_DIGITS = CALLER.replace('+', '');

describe.skipIf(!ready)('privacy across two nodes', () => {
  let redis: RedisServer;
  let dir: string;
  let a: NodeProcess;
  let b: NodeProcess;

  beforeAll(async () => {
    redis = await startRedisServer();
    dir = mkdtempSync(join(tmpdir(), 'callguard-privacy-cluster-'));
    const env = { REDIS_URL: redis.url, CALLGUARD_SPEECH: 'offline', CALLGUARD_SUBSCRIBERS: SUBSCRIBER, CALLGUARD_SMS: 'file:sms.jsonl' };
    a = await startNodeProcess('node-a', { ...env, CALLGUARD_RTP_PORTS: '48400-48599' }, { cwd: dir, token: TOKEN });
    b = await startNodeProcess('node-b', { ...env, CALLGUARD_RTP_PORTS: '48600-48799' }, { cwd: dir, token: TOKEN });
  }, 60_000);

  afterAll(async () => {
    for (const n of [a, b]) if (n) n.child.kill('SIGKILL');
    await redis?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const call = (port: number, say: string) =>
    runSimulation({
      target: { host: '127.0.0.1', port },
      transport: 'udp',
      caller: CALLER,
      subscriber: SUBSCRIBER,
      codec: 'pcmu',
      callerAudio: { kind: 'say', text: say },
      // 10.9 s of speech: under the full suite's load the decoder ends the last utterance late, and
      // what a decoder has not finished when the call ends is lost (close() flushes for 1 s).
      duration: 16,
    });

  it('leaves no transcript, audio or caller number in Redis, the logs or the working directory', { timeout: 90_000 }, async () => {
    const [scam, benign] = await Promise.all([call(a.sip, SPOKEN_SCAM), call(b.sip, SPOKEN_BENIGN)]);
    expect(scam.answered && benign.answered).toBe(true);
    await until(async () => (await a.api<{ stats: { sent: number } }>('/v1/alerts')).stats.sent === 1, 20_000, 'the alert to be sent').catch(
      async (err: Error) => {
        // What CI needs to tell a missed detection from a slow queue (the logs hold no content).
        const stats = await a.api<{ stats: unknown }>('/v1/alerts').then((r) => JSON.stringify(r.stats), String);
        throw new Error(`${err.message}; alert stats ${stats}; node-a log:\n${a.out().slice(-4000)}`);
      },
    );
    const sink = readFileSync(join(dir, 'sms.jsonl'), 'utf8');
    expect(sink.trim().split('\n')).toHaveLength(1);

    // Redis: every key and every value (strings, hashes, lists, sets, sorted sets, streams).
    const r = new Redis(redis.url);
    const dump: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        dump.push(key);
        const type = await r.type(key);
        if (type === 'string') dump.push((await r.get(key)) ?? '');
        else if (type === 'hash') dump.push(JSON.stringify(await r.hgetall(key)));
        else if (type === 'list') dump.push(JSON.stringify(await r.lrange(key, 0, -1)));
        else if (type === 'set') dump.push(JSON.stringify(await r.smembers(key)));
        else if (type === 'zset') dump.push(JSON.stringify(await r.zrange(key, '0', '-1')));
        else if (type === 'stream') dump.push(JSON.stringify(await r.xrange(key, '-', '+')));
      }
    } while (cursor !== '0');
    r.disconnect();
    const redisText = dump.join('\n').toLowerCase();
    expect(dump.length).toBeGreaterThan(5);
    // The shared registry and the alert record are there (masked), so the scan looked at real data.
    expect(redisText).toContain('callguard:alert:');
    for (const w of TRANSCRIPT_ONLY) expect(redisText, `Redis holds "${w}"`).not.toContain(w);
    expect(redisText).not.toContain(CALLER_DIGITS);
    expect(redisText).not.toContain('riff');

    // Logs at the default level, both nodes, including a graceful shutdown.
    await Promise.all([stopNodeProcess(a), stopNodeProcess(b)]);
    const logs = (a.out() + b.out()).toLowerCase();
    expect(logs).toContain('recording started');
    for (const w of TRANSCRIPT_ONLY) expect(logs, `logs hold "${w}"`).not.toContain(w);
    expect(logs).not.toContain(CALLER_DIGITS);
    expect(logs).not.toContain(SUBSCRIBER.replace('+', ''));

    // The working directory: nothing but the SMS sink, which does hold the (masked-caller) warning.
    const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => statSync(join(dir, f)).isFile());
    expect(files).toEqual(['sms.jsonl']);
    expect(sink).not.toContain(CALLER_DIGITS);
    for (const w of TRANSCRIPT_ONLY) expect(sink.toLowerCase()).not.toContain(w);
  });
});
