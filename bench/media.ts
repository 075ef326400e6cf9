/**
 * `npm run bench -- media`: holds N recorded calls and streams RTP to all of them, stepping N up until
 * more than 0.1 % of packets are lost.
 */
import { createSocket, type Socket } from 'node:dgram';
import { runSipp } from '../test/e2e/support.js';
import { cpuTicks, rssKb } from './proc.js';
import { build, listCalls, spawnServer, waitForHttp, type CallView } from './server.js';

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
export async function benchMedia(args: string[]): Promise<unknown> {
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
