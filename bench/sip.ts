/**
 * `npm run bench -- sip`: drives sipp at increasing call rates against a real `callguard serve`
 * process (built from this tree) and reports, per rate, calls attempted and failed, p50/p99
 * INVITE→200 latency and the server's CPU; then the highest rate sustained without failures with p99
 * under 50 ms.
 */
import { runSipp } from '../test/e2e/support.js';
import { cpuTicks, percentile } from './proc.js';
import { build, spawnServer, waitForHttp } from './server.js';

export async function benchSip(args: string[]): Promise<unknown> {
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
