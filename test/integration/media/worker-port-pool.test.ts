/**
 * The port pool on real worker threads with real UDP sockets on 127.0.0.1: frames in order for a
 * listened-to stream, stats pushed from the worker, final stats on close and the port freed, a
 * worker that crashes reported and replaced without taking the process down.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPortPool, slicePorts } from '../../../src/media/workers/worker-port-pool.js';
import { PortsExhaustedError, type PcmFrame } from '../../../src/media/types.js';
import { markValue, pcmuConfig, pcmuPacket } from '../../unit/media/stream-harness.js';
import { freeUdpRange } from '../../support/free-udp-range.js';
import { udpPeer } from '../../support/udp-peer.js';

const HOST = '127.0.0.1';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Its own window of ports (the UdpPortPool test takes 20000-24999). */
const freeRange = (pairs: number) => freeUdpRange(pairs, { from: 25000, span: 4000 }, HOST);

async function pool(pairs: number, workers = 2, extra: Partial<ConstructorParameters<typeof WorkerPortPool>[0]> = {}): Promise<WorkerPortPool> {
  const p = new WorkerPortPool({ host: HOST, ...(await freeRange(pairs)), workers, statsMs: 50, restartDelayMs: 50, ...extra });
  cleanups.push(() => p.close());
  await p.warm();
  return p;
}







const { client, send, waitFor, bindable } = udpPeer(HOST, cleanups, 5000);
const config = pcmuConfig;

describe('WorkerPortPool', () => {
  it('cuts the range into even, contiguous slices, fewer when the range is small', () => {
    expect(slicePorts(20000, 20009, 2)).toEqual([
      { min: 20000, max: 20003 },
      { min: 20004, max: 20009 },
    ]);
    expect(slicePorts(20001, 20004, 4)).toEqual([{ min: 20002, max: 20003 }]);
  });

  it('delivers a listened-to stream’s frames in order and pushes stats counting packets and wrong sources', async () => {
    const p = await pool(4);
    const ep = await p.allocate();
    expect(ep.port % 2).toBe(0);
    expect(p.inUse).toBe(1);
    const sender = await client();
    const intruder = await client();
    ep.configure(config({ address: HOST, port: sender.address().port }));
    const frames: PcmFrame[] = [];
    ep.onFrame((f) => frames.push(f));
    // The listen request travels before the first packet is sent (one message channel, in order).
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 20; i++) {
      await send(sender, pcmuPacket({ seq: i, ts: i * 160 }, 160, i), ep.port);
      if (i === 5) await send(intruder, pcmuPacket({ seq: 6, ts: 960 }, 160, 50), ep.port);
    }
    await waitFor(() => frames.length === 20 && ep.stats().packets === 20 && ep.stats().wrongSource === 1);
    expect(frames.map((f) => f.timestamp)).toEqual(Array.from({ length: 20 }, (_, i) => i * 20));
    expect(frames.map((f) => f.samples[0])).toEqual(Array.from({ length: 20 }, (_, i) => markValue(i)));
    expect(frames.every((f) => f.samples.length === 160 && f.sampleRate === 8000 && !f.concealed)).toBe(true);
    expect(ep.stats()).toMatchObject({ packets: 20, wrongSource: 1, lost: 0, codec: 'PCMU/8000', audioSeconds: 0.4 });
    expect(ep.stats().lastPacketAt).toBeGreaterThan(Date.now() - 5000);
  });

  it('close() resolves with the final stats, counted without any listener, and frees the port pair', async () => {
    // Stats pushed rarely: what close() returns can only be the final count.
    const p = await pool(2, 1, { statsMs: 60_000 });
    const ep = await p.allocate();
    const sender = await client();
    ep.configure(config({ address: HOST, port: sender.address().port }));
    for (let i = 0; i < 30; i++) if (i !== 10) await send(sender, pcmuPacket({ seq: i, ts: i * 160 }, 160, i), ep.port);
    expect(ep.stats().packets).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    await ep.close();
    expect(ep.stats()).toMatchObject({ packets: 29, lost: 1, codec: 'PCMU/8000', audioSeconds: 0.6 });
    expect(p.inUse).toBe(0);
    expect(await bindable(ep.port)).toBe(true);
    expect(await bindable(ep.port + 1)).toBe(true);
  });

  it('spreads endpoints over the workers and refuses with PortsExhaustedError when every slice is used', async () => {
    const p = await pool(4, 2);
    const eps = await Promise.all([p.allocate(), p.allocate(), p.allocate(), p.allocate()]);
    expect(new Set(eps.map((e) => e.port)).size).toBe(4);
    expect(p.workers.map((w) => w.inUse)).toEqual([2, 2]);
    await expect(p.allocate()).rejects.toBeInstanceOf(PortsExhaustedError);
    await Promise.all(eps.map((e) => e.close()));
    expect(p.inUse).toBe(0);
  });

  it('reports a worker that crashes, keeps the process and the other worker, and replaces it on its slice', async () => {
    const failures: Array<{ worker: number; code: number; error?: Error }> = [];
    const p = await pool(4, 2, { onWorkerFailure: (f) => failures.push(f) });
    const eps = await Promise.all([p.allocate(), p.allocate()]);
    const crashed = p.workers[0]!;
    // A message the worker does not understand is a bug there: it throws and the thread dies.
    crashed.worker.postMessage({ t: 'no-such-message' });
    await waitFor(() => failures.length === 1);
    expect(failures[0]).toMatchObject({ worker: 0, code: 1 });
    expect(failures[0]!.error?.message).toMatch(/unknown message/);
    // The dead worker's endpoint closes at once (its sockets died with it).
    await Promise.all(eps.map((e) => e.close()));
    await waitFor(() => p.workers[0] !== crashed);
    await p.warm();
    expect(p.workers[0]!.alive).toBe(true);
    const again = await Promise.all([p.allocate(), p.allocate(), p.allocate()]);
    expect(again.every((e) => e.port > 0)).toBe(true);
    await Promise.all(again.map((e) => e.close()));
  });

  it('with a reserve, hands out endpoints allocated ahead, keeps a call’s streams on one worker, and counts the reserve as free', async () => {
    const p = await pool(16, 2, { reserve: 4 });
    await p.warm();
    await waitFor(() => p.workers.every((w) => w.free === 8) && p.free === 16);
    // Allocated ahead: the workers already hold them, yet they are neither in use nor missing from free.
    expect(p.inUse).toBe(0);
    const a = await p.allocate();
    const b = await p.allocate();
    expect(p.inUse).toBe(2);
    expect(p.workers.filter((w) => w.inUse === 2)).toHaveLength(1);
    // A reserved endpoint is a real one: media reaches it once configured.
    const sender = await client();
    b.configure(config({ address: HOST, port: sender.address().port }));
    const frames: PcmFrame[] = [];
    b.onFrame((f) => frames.push(f));
    for (let i = 0; i < 5; i++) await send(sender, pcmuPacket({ seq: i, ts: i * 160 }, 160, i), b.port);
    await waitFor(() => frames.length === 5);
    // Every port can still be had: the reserves are topped up and spent, then PortsExhaustedError.
    const rest = [];
    for (let i = 0; i < 14; i++) rest.push(await p.allocate());
    expect(new Set([a, b, ...rest].map((e) => e.port)).size).toBe(16);
    await expect(p.allocate()).rejects.toBeInstanceOf(PortsExhaustedError);
    await Promise.all([a, b, ...rest].map((e) => e.close()));
    expect(p.inUse).toBe(0);
  });
});
