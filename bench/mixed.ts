/**
 * `npm run bench -- mixed`: call setup while the node is busy with media. Holds N calls (default 1,000)
 * streaming 2 PCMU streams each at 50 packets/s, then offers new calls at 100/s for ~10 s and reports
 * their INVITE→200 p50/p99 and failures, the media's loss and the server's CPU; before the media, the
 * same setup rate on the idle node as the baseline. Issue 15's floor: p99 under 50 ms. The media comes
 * from bench/rtp-blast.ts (the media bench's sender: C with sendmmsg, so it takes little of the cores).
 */
import { killDescendants, sleep, stopProcess } from './cleanup.js';
import { holdCalls } from './held-calls.js';
import { blast } from './rtp-blast.js';
import { build, listCalls, spawnServer, waitForHttp } from './server.js';
import { flag, sipStep, warmUp } from './sip-step.js';

export async function benchMixed(args: string[]): Promise<unknown> {
  const held = Number(flag(args, 'calls', '1000'));
  const rate = Number(flag(args, 'rate', '100'));
  const seconds = Number(flag(args, 'seconds', '10'));
  build();
  const sipPort = 27060 + (process.pid % 1000);
  const httpPort = 24080 + (process.pid % 1000);
  // Held calls take 2 streams each, RTP on even ports: 30000-39999 holds 2,500 calls.
  const server = spawnServer(sipPort, httpPort, { CALLGUARD_RTP_PORTS: '30000-39999', CALLGUARD_MEDIA_LATCH: 'always' });
  try {
    await waitForHttp(`http://127.0.0.1:${httpPort}/readyz`, 20_000);
    const pid = server.pid!;
    await warmUp(sipPort, pid);
    const baseline = await sipStep({ port: sipPort, pid, rate, seconds });

    // Held until the bench ends their sipp: longer than any wait for them plus the measurement.
    const { calls, offered, runs } = await holdCalls({ sipPort, httpPort, target: held, rate: 250, holdSeconds: 600 });
    const ports = calls.flatMap((c) => c.streams.map((s) => s.port)).filter((p) => p > 0);
    // The media runs 3 s before the measurement (the node settles into it) and past its end.
    const mediaSeconds = 3 + seconds + 5;
    const media = blast(ports, mediaSeconds);
    await sleep(3000);
    const t0 = Date.now();
    const during = await sipStep({ port: sipPort, pid, rate, seconds });
    const setupSeconds = (Date.now() - t0) / 1000;
    const sent = await media;
    // The actor reads stream stats every 2 s: wait for the last packets to be counted.
    await sleep(2500);
    const heldPorts = new Set(ports);
    let received = 0;
    for (const c of await listCalls(httpPort)) {
      for (const s of c.streams) if (heldPorts.has(s.port)) received += s.media?.packets ?? 0;
    }
    const sentTotal = sent.sent;
    // The held calls' sipp would retransmit its BYEs to a stopped node for half a minute: end it.
    await stopProcess(server);
    killDescendants();
    await Promise.all(runs);
    return {
      bench: 'mixed',
      setup: `INVITE(SIPREC) → 200 → ACK → BYE at ${rate}/s for ${seconds} s while ${calls.length} held calls stream 2 PCMU streams each (50 packets/s), recognizer disabled, loopback`,
      held_calls: calls.length,
      held_calls_offered: offered,
      streams: ports.length,
      p99_ms: during.p99_ms,
      floor: { p99_ms: 50, met: during.p99_ms < 50 && during.failed === 0 && calls.length >= held },
      setup_under_media: during,
      media: {
        sender: sent.sender,
        ...(sent.note ? { note: sent.note } : {}),
        sender_cpu_percent: Math.round((sent.cpuSeconds / mediaSeconds) * 100),
        // The setup ran inside the media's window (else its tail ran on an idle node).
        covered_setup: setupSeconds <= mediaSeconds - 3,
        packets_sent: sentTotal,
        packets_received: received,
        loss_percent: sentTotal ? Math.round(Math.max(0, 1 - received / sentTotal) * 10000) / 100 : NaN,
        packets_per_s: Math.round(sentTotal / mediaSeconds),
        target_packets_per_s: ports.length * 50,
      },
      server_cpu_percent: during.cpu_percent,
      baseline_without_media: baseline,
    };
  } finally {
    await stopProcess(server);
    killDescendants();
  }
}
