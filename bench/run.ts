/**
 * Benchmarks, printed as JSON. `npm run bench -- media` holds N recorded calls and streams RTP to
 * all of them, stepping N up until more than 0.1 % of packets are lost. `npm run bench -- sip` drives sipp at increasing call rates against a
 * real `callguard serve` process (built from this tree) and reports, per rate, calls attempted and
 * failed, p50/p99 INVITE→200 latency and the server's CPU; then the highest rate sustained without
 * failures with p99 under 50 ms.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { resolve } from 'node:path';
import { runSipp } from '../test/e2e/support.js';
import { cpuTicks, percentile, rssKb } from './proc.js';

const root = resolve(import.meta.dirname, '..');

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not become ready at ${url}`);
}

/** The bench's reader token: the node runs on defaults (auth on), and the bench reads /v1/calls with it. */
const BENCH_TOKEN = `bench-${randomBytes(12).toString('hex')}`;

/** A `callguard serve` built from this tree, on the given ports, quiet, with one subscriber. */
function spawnServer(sipPort: number, httpPort: number, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['dist/src/cli.js', 'serve'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      CALLGUARD_SIP_PORT: String(sipPort),
      CALLGUARD_HTTP_PORT: String(httpPort),
      CALLGUARD_SUBSCRIBERS: '+12125550123',
      CALLGUARD_LOG_LEVEL: 'warn',
      CALLGUARD_MAX_PENDING_OFFERS: '5000',
      // SIP and media are measured without recognizers (npm run bench -- speech measures those).
      CALLGUARD_SPEECH: 'none',
      CALLGUARD_API_TOKENS: `reader:${BENCH_TOKEN}`,
      ...env,
    },
  });
}

/** Build output goes to stderr so stdout stays one JSON document. */
function build(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 2, 2] });
}

async function benchSip(args: string[]): Promise<unknown> {
  const rates = (args.find((a) => a.startsWith('--rates='))?.slice(8) ?? '100,250,500,750,1000,1250').split(',').map(Number);
  const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 5);
  build();
  const sipPort = 25060 + (process.pid % 1000);
  const httpPort = 28080 + (process.pid % 1000);
  const server = spawnServer(sipPort, httpPort, { CALLGUARD_RTP_PORTS: '40000-49999' });
  try {
    await waitForHttp(`http://127.0.0.1:${httpPort}/readyz`, 20_000);
    const steps = [];
    let sustained = 0;
    for (const rate of rates) {
      const calls = rate * seconds;
      const ticks0 = cpuTicks(server.pid!);
      const t0 = Date.now();
      const run = await runSipp({
        scenario: 'uac-call-bye.xml',
        port: sipPort,
        calls,
        rate,
        rateLimit: calls,
        traceRtt: true,
        timeoutSeconds: seconds * 4 + 20,
      });
      const elapsed = (Date.now() - t0) / 1000;
      const cpu = ((cpuTicks(server.pid!) - ticks0) / 100 / elapsed) * 100;
      const rtts = [...run.rtts].sort((a, b) => a - b);
      const failed = Number.isNaN(run.stats.failed) ? calls - rtts.length : run.stats.failed;
      const step = {
        rate,
        calls,
        successful: run.stats.successful,
        failed,
        achieved_calls_per_s: Math.round((run.stats.successful / elapsed) * 10) / 10,
        p50_ms: percentile(rtts, 50),
        p99_ms: percentile(rtts, 99),
        max_ms: rtts.at(-1) ?? NaN,
        server_cpu_percent: Math.round(cpu),
      };
      steps.push(step);
      if (failed === 0 && run.code === 0 && step.p99_ms < 50) sustained = rate;
      else break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return {
      bench: 'sip',
      scenario: 'INVITE(SIPREC, 2 m-lines) → 200 → ACK → BYE → 200, UDP, loopback',
      seconds_per_step: seconds,
      sustained_calls_per_s: sustained,
      steps,
    };
  } finally {
    server.kill('SIGTERM');
  }
}

interface CallView {
  id: string;
  streams: Array<{ index: number; port: number; media?: { packets: number; lost: number } }>;
}

async function listCalls(httpPort: number): Promise<CallView[]> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/v1/calls`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
  if (!res.ok) throw new Error(`GET /v1/calls: ${res.status}`);
  return ((await res.json()) as { calls: CallView[] }).calls;
}

/**
 * Sends G.711 RTP (160-byte μ-law payload, 20 ms) to every stream port, 50 packets/s each, paced
 * against a monotonic clock, from a few sockets. Returns packets sent per port.
 */
async function blastRtp(ports: number[], seconds: number): Promise<Map<number, number>> {
  const sockets = await Promise.all(
    [0, 1, 2, 3].map(
      () =>
        new Promise<Socket>((resolveSock) => {
          const s = createSocket('udp4');
          s.bind(0, '127.0.0.1', () => resolveSock(s));
        }),
    ),
  );
  const sent = new Map<number, number>(ports.map((p) => [p, 0]));
  const packets = ports.map((port, i) => {
    const b = Buffer.alloc(12 + 160, 0xff);
    b[0] = 0x80;
    b[1] = 0; // PCMU
    b.writeUInt32BE(0x1000 + i, 8); // SSRC
    return { port, buf: b, seq: i * 7, ts: i * 1000 };
  });
  const t0 = performance.now();
  const total = Math.round(seconds * 50);
  let tick = 0;
  while (tick < total) {
    const due = Math.min(total, Math.floor((performance.now() - t0) / 20) + 1);
    for (; tick < due; tick++) {
      for (let i = 0; i < packets.length; i++) {
        const p = packets[i]!;
        // A fresh copy: dgram sends asynchronously and must not see the next packet's header.
        const b = Buffer.from(p.buf);
        b.writeUInt16BE(p.seq & 0xffff, 2);
        b.writeUInt32BE(p.ts >>> 0, 4);
        p.seq++;
        p.ts += 160;
        sockets[i & 3]!.send(b, p.port, '127.0.0.1');
        sent.set(p.port, (sent.get(p.port) ?? 0) + 1);
      }
    }
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + tick * 20 - performance.now())));
  }
  await new Promise((r) => setTimeout(r, 200));
  for (const s of sockets) s.close();
  return sent;
}

async function benchMedia(args: string[]): Promise<unknown> {
  const steps = (args.find((a) => a.startsWith('--calls='))?.slice(8) ?? '250,500,1000,1500,2000').split(',').map(Number);
  const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 10);
  build();
  const results = [];
  let held = 0;
  for (const n of steps) {
    const sipPort = 26060 + (process.pid % 1000);
    const httpPort = 29080 + (process.pid % 1000);
    const server = spawnServer(sipPort, httpPort, { CALLGUARD_RTP_PORTS: '30000-39999', CALLGUARD_MEDIA_LATCH: 'always' });
    try {
      await waitForHttp(`http://127.0.0.1:${httpPort}/readyz`, 20_000);
      const rss0 = rssKb(server.pid!);
      const setupRate = 250;
      const holdMs = Math.ceil((n / setupRate) * 1000) + seconds * 1000 + 8000;
      const sipp = runSipp({
        scenario: 'uac-call-bye.xml',
        port: sipPort,
        calls: n,
        rate: setupRate,
        rateLimit: n,
        keys: { hold_ms: String(holdMs) },
        timeoutSeconds: Math.ceil(holdMs / 1000) + 60,
      });
      const until = Date.now() + 60_000;
      let calls: CallView[] = [];
      while (Date.now() < until) {
        calls = await listCalls(httpPort);
        if (calls.length >= n) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const ports = calls.flatMap((c) => c.streams.map((s) => s.port)).filter((p) => p > 0);
      const ticks0 = cpuTicks(server.pid!);
      const t0 = Date.now();
      const sent = await blastRtp(ports, seconds);
      const elapsed = (Date.now() - t0) / 1000;
      const cpuSeconds = (cpuTicks(server.pid!) - ticks0) / 100;
      const rss1 = rssKb(server.pid!);
      // The actor reads stream stats every 2 s: wait for the last packets to be counted.
      await new Promise((r) => setTimeout(r, 2500));
      const after = await listCalls(httpPort);
      let received = 0;
      for (const c of after) for (const s of c.streams) received += s.media?.packets ?? 0;
      const sentTotal = [...sent.values()].reduce((a, b) => a + b, 0);
      const loss = sentTotal ? Math.max(0, 1 - received / sentTotal) : 1;
      const step = {
        calls: n,
        streams: ports.length,
        packets_sent: sentTotal,
        packets_received: received,
        loss_percent: Math.round(loss * 10000) / 100,
        packets_per_s: Math.round(sentTotal / elapsed),
        server_cpu_percent: Math.round((cpuSeconds / elapsed) * 100),
        cpu_us_per_packet: Math.round(((cpuSeconds * 1e6) / Math.max(1, received)) * 10) / 10,
        rss_mb: Math.round(rss1 / 1024),
        rss_kb_per_call: Math.round((rss1 - rss0) / n),
      };
      results.push(step);
      server.kill('SIGTERM');
      await sipp.catch(() => undefined);
      if (step.loss_percent > 0.1 || calls.length < n) break;
      held = n;
    } finally {
      server.kill('SIGKILL');
    }
  }
  return {
    bench: 'media',
    setup: 'N recorded calls, 2 PCMU streams each at 50 packets/s, recognizer disabled, loopback',
    seconds_per_step: seconds,
    max_concurrent_calls_under_0_1_percent_loss: held,
    steps: results,
  };
}

/**
 * Local analyzer speed: p50/p95/p99 of one analyze() over a long window (60 caller + 60 subscriber
 * turns, a 20-minute call) and over each window of a realistic call as it grows.
 */
async function benchAnalysis(): Promise<unknown> {
  const { LocalAnalyzer } = await import('../src/analysis/local/index.js');
  const analyzer = new LocalAnalyzer();
  const long = Array.from({ length: 120 }, (_, i) =>
    i % 2
      ? { speaker: 'subscriber' as const, text: 'Okay, hold on, let me find my glasses, my computer is slow today.' }
      : { speaker: 'caller' as const, text: 'Ma’am, sit in front of your computer, your IP address has been compromised and we need to fix it today.' },
  );
  const time = (runs: number, f: () => void): { p50: number; p95: number; p99: number } => {
    const t: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      f();
      t.push(performance.now() - t0);
    }
    t.sort((a, b) => a - b);
    const r = (p: number) => Math.round(percentile(t, p) * 1000) / 1000;
    return { p50: r(50), p95: r(95), p99: r(99) };
  };
  const growing = long.slice(0, 40);
  return {
    bench: 'analysis',
    long_window_120_turns_ms: time(500, () => void analyzer.analyzeSync({ window: long })),
    // All 40 analyses of a call that grows to 40 turns, one after each turn.
    growing_window_40_analyses_total_ms: time(200, () => {
      for (let n = 1; n <= growing.length; n++) analyzer.analyzeSync({ window: growing.slice(0, n) });
    }),
  };
}

const [which = 'sip', ...rest] = process.argv.slice(2);
const benches: Record<string, (a: string[]) => Promise<unknown>> = {
  sip: benchSip,
  media: benchMedia,
  speech: async (a) => (await import('./speech.js')).benchSpeech(a),
  analysis: benchAnalysis,
  alerts: async (a) => (await import('./alerts.js')).benchAlerts(a),
  cluster: async (a) => (await import('./cluster.js')).benchCluster(a),
  siprec: async () => (await import('./siprec.js')).benchSiprec(),
  asr: async (a) => (await import('./asr.js')).benchAsr(a),
};
const fn = benches[which];
if (!fn) {
  process.stderr.write(`unknown bench "${which}"; known: ${Object.keys(benches).join(', ')}\n`);
  process.exit(2);
}
fn(rest).then(
  (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
