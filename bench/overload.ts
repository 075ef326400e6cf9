/**
 * `npm run bench -- overload`: what an SBC sees when it offers a node more than it can answer. Finds the
 * rate R the node sustains (or takes `--rate=R`), offers 2×R calls/s for ~10 s with a scenario that
 * accepts a 200, a 503 or a 486 as the outcome, and reports each outcome's count and INVITE→response
 * times, whether the 503s carry Retry-After, other failures, whether the node is still alive, and how
 * long after the load ends a normal rate (50/s for 3 s) is served with p99 under 50 ms and no failures
 * again. Issue 15's floors: answered p99 < 100 ms, 503 within 50 ms, nothing crashes, recovery ≤ 5 s.
 * It measures whatever the node does: it assumes no 503 exists.
 */
import { resolve } from 'node:path';
import { SIP_SETTINGS } from '../src/config/sip.js';
import { runSipp } from '../test/e2e/support.js';
import { killDescendants, sleep, stopProcess } from './cleanup.js';
import { cpuPercent, latency, namedRtts, sippCounters } from './figures.js';
import { build, spawnServer, waitForHttp } from './server.js';
import { flag, sipStep, sustains, ticksOf, warmUp, type SipStep } from './sip-step.js';

const OFFER_SCENARIO = resolve(import.meta.dirname, 'scenarios', 'uac-call-expect-200-or-503.xml');

export async function benchOverload(args: string[]): Promise<unknown> {
  const given = Number(flag(args, 'rate', '0'));
  const rates = flag(args, 'rates', '100,250,500,750,1000,1250,1500').split(',').map(Number);
  const seconds = Number(flag(args, 'seconds', '10'));
  const probeRate = Number(flag(args, 'probe-rate', '50'));
  const probeSeconds = Number(flag(args, 'probe-seconds', '3'));
  build();
  const sipPort = 45060 + (process.pid % 1000);
  const httpPort = 47080 + (process.pid % 1000);
  const server = spawnServer(sipPort, httpPort, {
    // 2 streams a call, RTP on even ports: room for the default 5,000 calls while the node queues.
    CALLGUARD_RTP_PORTS: '20000-39999',
    // The node's own limit on INVITEs in progress, not the other benches' raised one.
    CALLGUARD_MAX_PENDING_OFFERS: SIP_SETTINGS.CALLGUARD_MAX_PENDING_OFFERS.default,
  });
  const alive = (): boolean => server.exitCode === null && server.signalCode === null;
  try {
    await waitForHttp(`http://127.0.0.1:${httpPort}/readyz`, 20_000);
    const pid = server.pid!;
    await warmUp(sipPort, pid);
    const search: SipStep[] = [];
    let sustained = given;
    if (!given) {
      for (const rate of rates) {
        const step = await sipStep({ port: sipPort, pid, rate, seconds: 3 });
        search.push(step);
        if (!sustains(step)) break;
        sustained = rate;
        await sleep(1000);
      }
      await sleep(2000);
    }
    const offered = 2 * Math.max(sustained, rates[0] ?? 100);
    const calls = offered * seconds;
    const ticks0 = ticksOf(pid);
    const t0 = performance.now();
    const overload = runSipp({
      scenario: OFFER_SCENARIO,
      port: sipPort,
      calls,
      rate: offered,
      rateLimit: calls,
      traceRtt: true,
      keys: { hold_ms: '100' },
      timeoutSeconds: seconds * 4 + 40,
    });
    // The load ends when sipp has offered its last INVITE; the probes start there, while the answers,
    // ACKs and BYEs of the load may still be in flight — what the SBC's next calls meet.
    await sleep(seconds * 1000);
    const loadEnd = performance.now();
    const loadTicks = ticksOf(pid) - ticks0;
    const probes: Array<{ start_s: number } & SipStep> = [];
    let recovered: number | null = null;
    while (alive() && (performance.now() - loadEnd) / 1000 < 60) {
      const start = (performance.now() - loadEnd) / 1000;
      const probe = await sipStep({ port: sipPort, pid, rate: probeRate, seconds: probeSeconds });
      probes.push({ start_s: Math.round(start * 10) / 10, ...probe });
      if (sustains(probe)) {
        recovered = Math.round(start * 10) / 10;
        break;
      }
    }
    const run = await overload;
    const elapsed = (performance.now() - t0) / 1000;
    const counters = sippCounters(run.statCsv);
    const rtts = namedRtts(run.rttCsv);
    const count = (name: string): number => counters[name] ?? 0;
    const answered = { calls: count('answered'), ...latency(rtts['answered'] ?? []) };
    const refused = {
      calls: count('refused_503'),
      ...latency(rtts['refused'] ?? []),
      with_retry_after: count('retry_after'),
      without_retry_after: count('no_retry_after'),
    };
    const busy = { calls: count('busy_486'), ...latency(rtts['busy'] ?? []) };
    const ended = answered.calls + refused.calls + busy.calls;
    const stillAlive = alive() && (await fetch(`http://127.0.0.1:${httpPort}/readyz`).then((r) => r.ok, () => false));
    return {
      bench: 'overload',
      scenario: 'INVITE(SIPREC) → 200 → ACK → 100 ms → BYE, or → 503/486 → ACK, UDP, loopback; the node on its defaults',
      sustained_calls_per_s: sustained,
      sustained_from: given ? '--rate' : 'search (3 s steps, no failures, p99 < 50 ms)',
      ...(sustained ? {} : { note: `no rate sustained: offered twice the lowest, ${rates[0] ?? 100}/s` }),
      offered_calls_per_s: offered,
      offered_seconds: seconds,
      offered_calls: calls,
      answered_200: answered,
      refused_503: refused,
      busy_486: busy,
      // Timeouts, other responses, calls sipp never finished.
      other_failures: Math.max(count('FailedCall'), calls - ended),
      server_alive: stillAlive,
      server_cpu_percent_during_load: cpuPercent(loadTicks, (loadEnd - t0) / 1000),
      sipp_seconds: Math.round(elapsed * 10) / 10,
      recovered_after_s: recovered,
      probes,
      floor: {
        answered_p99_ms: 100,
        refused_p99_ms: 50,
        recovery_s: 5,
        met:
          answered.p99_ms < 100 &&
          (refused.calls === 0 || refused.p99_ms < 50) &&
          answered.calls + refused.calls === calls &&
          stillAlive &&
          recovered !== null &&
          recovered <= 5,
      },
      search,
    };
  } finally {
    await stopProcess(server);
    killDescendants();
  }
}
