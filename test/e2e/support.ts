/**
 * e2e helpers: a callguard node started in this process on free ports, and sipp (Debian
 * sip-tester) as the real SRC driving it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { startNode, type NodeOverrides, type RunningNode } from '../../src/app.js';
import { loadConfig, type Env } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { NativeSessionServer } from '../../src/sip/native/native-session-server.js';
import { runSimulation } from '../../src/simulate/index.js';
import type { SimulationOptions, SimulationResult } from '../../src/simulate/types.js';
import { MemorySubscriberStore } from '../../src/state/memory/memory-subscriber-store.js';
import { startRedisServer, type RedisServer, type RedisServerOptions } from '../support/redis-server.js';
import { TestSmsc } from '../support/smsc-server.js';

export const SCENARIOS = resolve(import.meta.dirname, 'scenarios');
export const SUBSCRIBER = '+12125550123';
export const CALLER = '+13035551000';

let rtpBase = 30000 + (process.pid % 50) * 600;

/** A node on 127.0.0.1 with ephemeral SIP/HTTP ports and its own RTP range. */
export async function startTestNode(env: Env = {}, overrides: NodeOverrides = {}): Promise<RunningNode> {
  const lo = rtpBase;
  rtpBase += 600;
  const config = loadConfig({
    CALLGUARD_SIP_PORT: '0',
    CALLGUARD_HTTP_PORT: '0',
    CALLGUARD_RTP_PORTS: `${lo}-${lo + 599}`,
    CALLGUARD_SUBSCRIBERS: SUBSCRIBER,
    CALLGUARD_LOG_LEVEL: 'silent',
    CALLGUARD_SIP_T1: '100',
    // Tests that transcribe say so; the rest should not start a decoder per call.
    CALLGUARD_SPEECH: 'none',
    // Alert SMS go to a file of the test's own, never the working directory.
    CALLGUARD_SMS: `file:${join(tmpdir(), `callguard-test-sms-${process.pid}-${lo}.jsonl`)}`,
    // Tests of the API itself turn auth on; the rest read it without tokens.
    CALLGUARD_AUTH: 'off',
    // The suite loads both cores on purpose, so a node's loop runs late now and then: early 503
    // shedding (tested on its own: admission, queue-probe, methods tests; measured by the overload
    // bench) would refuse calls these tests count on.
    CALLGUARD_SIP_OVERLOAD_LAG_MS: '0',
    ...env,
  });
  return startNode(config, silentLogger(), { processMetrics: false, ...overrides });
}

/**
 * A subscriber store with SUBSCRIBER provisioned that answers after `delayMs` (as Redis under load
 * might): it leaves time to CANCEL an INVITE or to retransmit it before the answer.
 */
export async function slowSubscriberStore(delayMs: number): Promise<MemorySubscriberStore> {
  const store = new MemorySubscriberStore();
  await store.put({ number: SUBSCRIBER, provisionedAt: 0 });
  return Object.assign(Object.create(store) as MemorySubscriberStore, {
    filterProvisioned: async (n: readonly string[]) => {
      await new Promise((r) => setTimeout(r, delayMs));
      return store.filterProvisioned(n);
    },
  });
}

/**
 * Polls GET /v1/calls/:id of the node's (first) live call, one request at a time, keeping the last
 * body. A request that fails because the call or the node just went away is ignored; stop() waits
 * for the one in flight so nothing outlives the test.
 */
export function pollLiveCall<T>(node: RunningNode, everyMs = 100): { latest(): T | undefined; stop(): Promise<void> } {
  let last: T | undefined;
  let callId: string | undefined;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      callId ??= node.engine.listCalls()[0]?.id;
      if (callId) {
        try {
          const res = await fetch(`http://127.0.0.1:${node.addresses.http}/v1/calls/${callId}`);
          if (res.ok) last = (await res.json()) as T;
        } catch {
          // the call ended or the node closed between two polls
        }
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    latest: () => last,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

export interface SippRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Contents of sipp's error trace, when it wrote one. */
  errors: string;
  /** Per-call response times (ms) when rtt tracing was asked for. */
  rtts: number[];
  /** The raw rtt trace (`Date_ms;response_time_ms;rtd`) and final statistics CSV, for named timers and counters (bench/). */
  rttCsv: string;
  statCsv: string;
  /** Counters from the final statistics screen. */
  stats: { successful: number; failed: number };
}

export interface SippOptions {
  scenario: string;
  port: number;
  transport?: 'udp' | 'tcp';
  calls?: number;
  rate?: number;
  rateLimit?: number;
  keys?: Record<string, string>;
  timeoutSeconds?: number;
  traceRtt?: boolean;
  /** sipp's local RTP port (-mp), for scenarios that stream audio. */
  mediaPort?: number;
}

/** Runs one sipp scenario to completion; never hangs past its timeout. */
export function runSipp(o: SippOptions): Promise<SippRun> {
  const dir = mkdtempSync(join(tmpdir(), 'cg-sipp-'));
  const keys = { caller: CALLER, subscriber: SUBSCRIBER, hold_ms: '0', session_expires: '1800', ...o.keys };
  const args = [
    `127.0.0.1:${o.port}`,
    '-sf', isAbsolute(o.scenario) ? o.scenario : join(SCENARIOS, o.scenario),
    ...(o.mediaPort ? ['-mp', String(o.mediaPort)] : []),
    '-i', '127.0.0.1',
    '-t', o.transport === 'tcp' ? 't1' : 'u1',
    '-m', String(o.calls ?? 1),
    '-r', String(o.rate ?? 10),
    '-l', String(o.rateLimit ?? 1000),
    '-timeout', `${o.timeoutSeconds ?? 30}s`,
    '-timeout_error',
    '-max_recv_loops', '100000',
    '-nostdin',
    '-trace_err',
    '-trace_stat', '-stf', join(dir, 'stat.csv'),
    ...(o.traceRtt ? ['-trace_rtt', '-rtt_freq', '1'] : []),
    // A bare <pause/> lasts -d ms: sipp takes no keywords in pause attributes.
    '-d', keys.hold_ms,
    ...Object.entries(keys).flatMap(([k, v]) => ['-key', k, v]),
  ];
  return new Promise((resolvePromise) => {
    const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), ((o.timeoutSeconds ?? 30) + 15) * 1000);
    child.on('close', (code) => {
      clearTimeout(killer);
      const files = readdirSync(dir);
      const read = (suffix: string): string =>
        files.filter((f) => f.endsWith(suffix)).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
      const rttCsv = read('_rtt.csv');
      const rtts = rttCsv
        .split('\n')
        .map((l) => l.split(';'))
        .filter((c) => c.length >= 2 && /^\d/.test(c[0] ?? ''))
        .map((c) => Number(c[1]));
      const statCsv = read('stat.csv');
      const statLines = statCsv.trim().split('\n');
      const header = (statLines[0] ?? '').split(';');
      const last = (statLines.at(-1) ?? '').split(';');
      const col = (name: string): number => Number(last[header.indexOf(name)] ?? NaN);
      const run: SippRun = {
        code,
        stdout,
        stderr,
        errors: read('_errors.log'),
        rtts,
        rttCsv,
        statCsv,
        stats: { successful: col('SuccessfulCall(C)'), failed: col('FailedCall(C)') },
      };
      rmSync(dir, { recursive: true, force: true });
      resolvePromise(run);
    });
  });
}

/** A failure message that shows what sipp saw. */
export function explain(run: SippRun): string {
  return `sipp exit ${run.code}\n${run.errors.slice(0, 4000)}\n${run.stderr.slice(0, 2000)}`;
}

/** Polls `cond` (which may be async) every `stepMs` until it holds; names `what` in the timeout error. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, stepMs = 20, what?: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(what === undefined ? 'condition not met in time' : `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** `callguard simulate` against `node` over UDP, CALLER → SUBSCRIBER in PCMU, with any option overridden. */
export function simulateCall(node: RunningNode, extra: Partial<SimulationOptions> = {}): Promise<SimulationResult> {
  return simulateTo(node.addresses.sipUdp!, extra);
}

/** The same against a SIP UDP port on 127.0.0.1 (a node in another process). */
export function simulateTo(sipPort: number, extra: Partial<SimulationOptions> = {}): Promise<SimulationResult> {
  return runSimulation({
    target: { host: '127.0.0.1', port: sipPort },
    transport: 'udp',
    caller: CALLER,
    subscriber: SUBSCRIBER,
    codec: 'pcmu',
    ...extra,
  });
}

/** A real redis-server and a test SMSC shared by the nodes of a test, and the env pointing a node at both. */
export interface SharedBackends {
  redis: RedisServer;
  smsc: TestSmsc;
  /** REDIS_URL, and alerts over SMPP to the SMSC. */
  env: Record<string, string>;
  /** Stops the SMSC, then Redis. */
  close(): Promise<void>;
}

export async function startSharedBackends(redisOptions: RedisServerOptions = {}): Promise<SharedBackends> {
  const redis = await startRedisServer(redisOptions);
  let smsc: TestSmsc;
  try {
    smsc = await new TestSmsc().start();
  } catch (err) {
    await redis.close();
    throw err;
  }
  return {
    redis,
    smsc,
    env: {
      REDIS_URL: redis.url,
      CALLGUARD_SMS: 'smpp',
      CALLGUARD_SMPP_URL: smsc.url,
      CALLGUARD_SMPP_SYSTEM_ID: smsc.systemId,
      CALLGUARD_SMPP_PASSWORD: smsc.password,
    },
    async close() {
      await smsc.stop();
      await redis.close();
    },
  };
}

/** The node's SIP stack as the native one (e2e tests run it), for its transaction-level counters. */
export function nativeSip(node: RunningNode): NativeSessionServer {
  if (!(node.sip instanceof NativeSessionServer)) throw new Error('this test needs CALLGUARD_SIP_STACK=native');
  return node.sip;
}

/**
 * A scam line the offline recognizer hears well enough in flite's kal16 voice (simulate's) to alert
 * on its own: several tactics, each in words it is sure of (docs/speech.md). Shared so every spoken
 * test says the same thing.
 */
export const SPOKEN_SCAM = 'This is officer Brown from the police department. There is a warrant for your arrest. To avoid jail you must pay the fine today with gift cards. Do not tell anyone about this call.';
export const SPOKEN_BENIGN = "Hi, this is the dentist's office calling to confirm your appointment on Tuesday at three.";
