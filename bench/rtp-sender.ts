/**
 * G.711 RTP at a steady 50 packets/s to many stream ports (the media and mixed benches' load): a
 * 160-byte μ-law payload every 20 ms per port, paced against a monotonic clock (a late tick is caught
 * up at once), from a few sockets, until stopped.
 */
import { createSocket, type Socket } from 'node:dgram';

export interface RtpStreams {
  /** Stops sending, lets the last packets leave, closes the sockets; packets sent per port. */
  stop(): Promise<Map<number, number>>;
}

export async function startRtpStreams(ports: readonly number[]): Promise<RtpStreams> {
  const sockets = await Promise.all(
    [0, 1, 2, 3].map(
      () =>
        new Promise<Socket>((resolveSock) => {
          const s = createSocket('udp4');
          s.bind(0, '127.0.0.1', () => resolveSock(s));
        }),
    ),
  );
  const streams = ports.map((port, i) => {
    const b = Buffer.alloc(12 + 160, 0xff);
    b[0] = 0x80;
    b[1] = 0; // PCMU
    b.writeUInt32BE(0x1000 + i, 8); // SSRC
    return { port, buf: b, seq: i * 7, ts: i * 1000, sent: 0 };
  });
  let stopping = false;
  const t0 = performance.now();
  const loop = (async () => {
    let tick = 0;
    while (!stopping) {
      const due = Math.floor((performance.now() - t0) / 20) + 1;
      for (; tick < due; tick++) {
        for (let i = 0; i < streams.length; i++) {
          const p = streams[i]!;
          // A fresh copy: dgram sends asynchronously and must not see the next packet's header.
          const b = Buffer.from(p.buf);
          b.writeUInt16BE(p.seq & 0xffff, 2);
          b.writeUInt32BE(p.ts >>> 0, 4);
          p.seq++;
          p.ts += 160;
          p.sent++;
          sockets[i & 3]!.send(b, p.port, '127.0.0.1');
        }
      }
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + tick * 20 - performance.now())));
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      await new Promise((r) => setTimeout(r, 200));
      for (const s of sockets) s.close();
      return new Map(streams.map((s) => [s.port, s.sent]));
    },
  };
}

/** Streams for `seconds`, then stops: what bench/media.ts does per step. */
export async function blastRtp(ports: readonly number[], seconds: number): Promise<Map<number, number>> {
  const streams = await startRtpStreams(ports);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return streams.stop();
}
