/**
 * `npm run bench -- media`: holds N recorded calls and streams RTP to all of them, stepping N up until
 * more than 0.1 % of packets are lost. Flags: --calls=250,500,… --seconds=10 --workers=N (the node's
 * CALLGUARD_MEDIA_WORKERS; default: the node's own default).
 */
import { availableParallelism } from 'node:os';
import { runSipp } from '../test/e2e/support.js';
import { readFileSync } from 'node:fs';
import { cpuTicks, descendants, rssKb, threadCpuTicks } from './proc.js';
import { blast } from './rtp-blast.js';
import { build, listCalls, spawnServer, waitForHttp, type CallView } from './server.js';

export async function benchMedia(args: string[]): Promise<unknown> {
  const steps = (args.find((a) => a.startsWith('--calls='))?.slice(8) ?? '250,500,1000,1500,2000').split(',').map(Number);
  const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 10);
  const workers = args.find((a) => a.startsWith('--workers='))?.slice(10);
  build();
  const results = [];
  let held = 0;
  for (const n of steps) {
    const sipPort = 26060 + (process.pid % 1000);
    const httpPort = 29080 + (process.pid % 1000);
    const server = spawnServer(sipPort, httpPort, {
      // Apart from the other benches' ranges (sip 40000+, mixed 30000+, overload 20000+): a port
      // another bench's sender still streams to would latch this node's stream to the wrong source.
      CALLGUARD_RTP_PORTS: '10000-19999',
      CALLGUARD_MEDIA_LATCH: 'always',
      // The calls are set up in a 250/s burst to measure media, not admission: early shedding
      // (npm run bench -- overload measures it) would answer part of the burst 503.
      CALLGUARD_SIP_OVERLOAD_LAG_MS: '0',
      ...(workers !== undefined ? { CALLGUARD_MEDIA_WORKERS: workers } : {}),
    });
    try {
      await waitForHttp(`http://127.0.0.1:${httpPort}/readyz`, 20_000);
      const rss0 = rssKb(server.pid!);
      const setupRate = 250;
      // Calls outlast the step however slowly they were set up (up to the 60 s wait below): a call
      // that ended before its stats were read would count as loss. The step ends them (sipp killed).
      const holdMs = Math.ceil((n / setupRate) * 1000) + 60_000 + seconds * 1000 + 15_000;
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
      const main0 = threadCpuTicks(server.pid!, server.pid!);
      const drops0 = udpRcvbufErrors();
      const t0 = Date.now();
      const sender = await blast(ports, seconds);
      const elapsed = (Date.now() - t0) / 1000;
      const cpuSeconds = (cpuTicks(server.pid!) - ticks0) / 100;
      const mainSeconds = (threadCpuTicks(server.pid!, server.pid!) - main0) / 100;
      const rss1 = rssKb(server.pid!);
      // Workers push stats every 0.5 s and the actor reads them every 2 s: wait for the last packets.
      await new Promise((r) => setTimeout(r, 3500));
      const after = await listCalls(httpPort);
      let received = 0;
      // Per stream: the expected count is seconds × 50; short streams show where packets went missing.
      const perStream: number[] = [];
      for (const c of after) for (const s of c.streams) perStream.push(s.media?.packets ?? 0);
      for (const p of perStream) received += p;
      const expected = Math.round(seconds * 50);
      const sentTotal = sender.sent;
      const loss = sentTotal ? Math.max(0, 1 - received / sentTotal) : 1;
      const step = {
        calls: n,
        streams: ports.length,
        packets_sent: sentTotal,
        packets_received: received,
        loss_percent: Math.round(loss * 10000) / 100,
        packets_per_s: Math.round(sentTotal / elapsed),
        server_cpu_percent: Math.round((cpuSeconds / elapsed) * 100),
        server_main_thread_cpu_percent: Math.round((mainSeconds / elapsed) * 100),
        sender_cpu_percent: Math.round((sender.cpuSeconds / elapsed) * 100),
        sender: sender.sender,
        ...(sender.note ? { sender_note: sender.note } : {}),
        cpu_us_per_packet: Math.round(((cpuSeconds * 1e6) / Math.max(1, received)) * 10) / 10,
        // Datagrams the kernel dropped for a full socket buffer (machine-wide: other benches count too).
        kernel_rcvbuf_drops: udpRcvbufErrors() - drops0,
        streams_short: perStream.filter((p) => p < expected).length,
        streams_empty: perStream.filter((p) => p === 0).length,
        rss_mb: Math.round(rss1 / 1024),
        rss_kb_per_call: Math.round((rss1 - rss0) / n),
      };
      results.push(step);
      server.kill('SIGTERM');
      for (const pid of descendants(process.pid)) if (commOf(pid) === 'sipp') process.kill(pid, 'SIGKILL');
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
    media_workers: workers ?? `auto (${availableParallelism()})`,
    seconds_per_step: seconds,
    max_concurrent_calls_under_0_1_percent_loss: held,
    steps: results,
  };
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return ''; // gone
  }
}

/** UDP RcvbufErrors from /proc/net/snmp: datagrams dropped because the receiving socket was full. */
function udpRcvbufErrors(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  return Number(values[names.indexOf('RcvbufErrors')] ?? NaN);
}
