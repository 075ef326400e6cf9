/**
 * The pool with real UDP sockets on 127.0.0.1: allocation, RTP in → frames out, source checks,
 * RTCP on port+1, release and reuse, ports held elsewhere, exhaustion.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSenderReport } from '../../../src/media/rtcp.js';
import { UdpPortPool } from '../../../src/media/udp-port-pool.js';
import { PortsExhaustedError, type PcmFrame, type RtpEndpoint } from '../../../src/media/types.js';
import { pcmuConfig, pcmuPacket } from '../../unit/media/stream-harness.js';
import { closeUdpSocket, freeUdpRange } from '../../support/free-udp-range.js';
import { udpPeer } from '../../support/udp-peer.js';

const HOST = '127.0.0.1';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Its own window of ports (the worker pool's test takes 25000-28999). */
const freeRange = (pairs: number) => freeUdpRange(pairs, { from: 20000, span: 5000 }, HOST);

async function pool(pairs: number): Promise<UdpPortPool> {
  const p = new UdpPortPool({ host: HOST, ...(await freeRange(pairs)) });
  cleanups.push(() => p.close());
  return p;
}






const { client, send, waitFor, bindable } = udpPeer(HOST, cleanups, 3000);
const config = pcmuConfig;

describe('UdpPortPool', () => {
  it('receives RTP from the configured source as 20 ms frames; another source port is dropped and counted', async () => {
    const p = await pool(4);
    const ep = await p.allocate();
    expect(ep.port % 2).toBe(0);
    expect(p.inUse).toBe(1);
    const sender = await client();
    const intruder = await client();
    ep.configure(config({ address: HOST, port: sender.address().port }));
    const frames: PcmFrame[] = [];
    ep.onFrame((f) => frames.push(f));
    for (let i = 0; i < 10; i++) {
      await send(sender, pcmuPacket({ seq: i, ts: i * 160 }, 160, i), ep.port);
      if (i === 5) await send(intruder, pcmuPacket({ seq: 6, ts: 960 }, 160, 50), ep.port);
    }
    await waitFor(() => frames.length === 10 && ep.stats().wrongSource === 1);
    expect(frames.every((f) => f.samples.length === 160 && !f.concealed)).toBe(true);
    expect(ep.stats()).toMatchObject({ packets: 10, wrongSource: 1, lost: 0, codec: 'PCMU/8000' });
    expect(ep.stats().lastPacketAt).toBeGreaterThan(Date.now() - 5000);

    // RTCP on port + 1 (RFC 3550 §11)
    await send(sender, writeSenderReport({ ssrc: 0x1111, ntpSeconds: 1, ntpFraction: 0, rtpTimestamp: 1600, packetCount: 10, octetCount: 1600 }), ep.port + 1);
    await waitFor(() => ep.stats().senderReports === 1);
  });

  it('latches to the first source when told to', async () => {
    const p = await pool(2);
    const ep = await p.allocate();
    ep.configure(config('latch'));
    const first = await client();
    const second = await client();
    await send(first, pcmuPacket({ seq: 0, ts: 0 }), ep.port);
    await waitFor(() => ep.stats().packets === 1);
    await send(second, pcmuPacket({ seq: 1, ts: 160 }), ep.port);
    await send(first, pcmuPacket({ seq: 1, ts: 160 }), ep.port);
    await waitFor(() => ep.stats().packets === 2 && ep.stats().wrongSource === 1);
  });

  it('releases ports on close (idempotent) and hands them out again, oldest-released last', async () => {
    const p = await pool(3);
    const eps = [await p.allocate(), await p.allocate(), await p.allocate()];
    const ports = eps.map((e) => e.port);
    expect(new Set(ports).size).toBe(3);
    expect(p.free).toBe(0);
    await expect(p.allocate()).rejects.toBeInstanceOf(PortsExhaustedError);
    await Promise.all([eps[1]!.close(), eps[1]!.close()]);
    expect(p.inUse).toBe(2);
    expect(p.free).toBe(1);
    const again = await p.allocate();
    expect(again.port).toBe(ports[1]);
    // Really unbound: the RTCP port of a closed endpoint can be bound by someone else.
    await eps[0]!.close();
    expect(await bindable(ports[0]! + 1)).toBe(true);
  });

  it('skips a port another socket holds, and rejects with PortsExhaustedError when none is left', async () => {
    const r = await freeRange(2);
    const squatter = createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(r.min + 1, HOST, resolve)); // RTCP port of the first pair
    cleanups.push(() => closeUdpSocket(squatter));
    const p = new UdpPortPool({ host: HOST, ...r });
    cleanups.push(() => p.close());
    const ep = await p.allocate();
    expect(ep.port).toBe(r.min + 2);
    const err = await p.allocate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortsExhaustedError);
    expect(err).toMatchObject({ code: 'MEDIA_PORTS_EXHAUSTED', sipStatus: 503 });
  });

  it('close() closes every endpoint and refuses new allocations', async () => {
    const p = new UdpPortPool({ host: HOST, ...(await freeRange(3)) });
    const eps: RtpEndpoint[] = [await p.allocate(), await p.allocate()];
    await Promise.all([p.close(), p.close()]);
    expect(p.inUse).toBe(0);
    await expect(p.allocate()).rejects.toBeInstanceOf(PortsExhaustedError);
    // Endpoints closed by the pool: closing them again is harmless.
    await Promise.all(eps.map((e) => e.close()));
    expect(await bindable(eps[0]!.port)).toBe(true);
  });

  it('keeps pre-bound pairs ready: handed out without binding, topped up, not counted in use, closed with the pool', async () => {
    const r = await freeRange(6);
    const p = new UdpPortPool({ host: HOST, ...r, prebound: 2 });
    await p.warm();
    expect(p.inUse).toBe(0);
    expect(p.free).toBe(6);
    // The spares really hold their ports.
    expect(await bindable(r.min)).toBe(false);

    const a = await p.allocate();
    expect(a.port).toBe(r.min);
    expect(p.inUse).toBe(1);
    await p.warm();
    expect(p.free).toBe(5);
    const all = [a, ...(await Promise.all([p.allocate(), p.allocate(), p.allocate(), p.allocate(), p.allocate()]))];
    expect(new Set(all.map((e) => e.port)).size).toBe(6);
    await expect(p.allocate()).rejects.toBeInstanceOf(PortsExhaustedError);
    await all[0]!.close();
    await p.warm();
    await p.close();
    // Every port is free again for others: spares included.
    for (let port = r.min; port <= r.max; port += 2) expect(await bindable(port)).toBe(true);
  });

  it('with keepBound, keeps a released pair bound, drops its late packets, and hands it out again after it rested', async () => {
    const r = await freeRange(3);
    const p = new UdpPortPool({ host: HOST, ...r, keepBound: 1, reuseAfterMs: 500 });
    cleanups.push(() => p.close());
    const [a, b] = [await p.allocate(), await p.allocate()];
    const sender = await client();
    a.configure(config({ address: HOST, port: sender.address().port }));
    const oldFrames: PcmFrame[] = [];
    a.onFrame((f) => oldFrames.push(f));
    await send(sender, pcmuPacket({ seq: 0, ts: 0 }), a.port);
    await waitFor(() => oldFrames.length === 1);

    await a.close();
    const closedAt = Date.now();
    await b.close(); // over keepBound: closed, its port back on the free list
    expect(p.inUse).toBe(0);
    expect(p.free).toBe(3);
    // Still resting (checked at once, well within its 500 ms): a fresh port is bound instead.
    const c = await p.allocate();
    expect(c.port).not.toBe(a.port);
    // The kept pair still holds both its ports; the other one does not.
    expect(await bindable(a.port)).toBe(false);
    expect(await bindable(a.port + 1)).toBe(false);
    expect(await bindable(b.port + 1)).toBe(true);
    // A late packet of the old call reaches nobody.
    await send(sender, pcmuPacket({ seq: 1, ts: 160 }), a.port);
    await new Promise((res) => setTimeout(res, 20));
    expect(oldFrames).toHaveLength(1);
    expect(a.stats().packets).toBe(1);

    // Rested: handed out again.
    await new Promise((res) => setTimeout(res, Math.max(0, closedAt + 550 - Date.now())));
    const d = await p.allocate();
    expect(d.port).toBe(a.port);
    d.configure(config({ address: HOST, port: sender.address().port }));
    const frames: PcmFrame[] = [];
    d.onFrame((f) => frames.push(f));
    await send(sender, pcmuPacket({ seq: 7, ts: 1120 }), d.port);
    await waitFor(() => frames.length === 1);
    expect(d.stats().packets).toBe(1);
    expect(oldFrames).toHaveLength(1);

    // Closing the pool unbinds the kept pairs too.
    await d.close();
    await p.close();
    expect(await bindable(a.port)).toBe(true);
    expect(await bindable(a.port + 1)).toBe(true);
  });

  it('with keepBound, takes a resting pair rather than refuse when no other port is free', async () => {
    const p = new UdpPortPool({ host: HOST, ...(await freeRange(1)), keepBound: 4, reuseAfterMs: 60_000 });
    cleanups.push(() => p.close());
    const a = await p.allocate();
    await a.close();
    const b = await p.allocate();
    expect(b.port).toBe(a.port);
    await expect(p.allocate()).rejects.toBeInstanceOf(PortsExhaustedError);
  });
});
