/**
 * The simulator's RTP: 50 packets/s per stream on a real socket, sequence and timestamp continuity
 * (RFC 3550 §5.1), a timestamp that follows the clock across a hold while the sequence does not,
 * and a pacer that catches up after a stall instead of drifting.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PCMU } from '../../../src/media/codecs/index.js';
import { parseRtp, type RtpPacket } from '../../../src/media/rtp-packet.js';
import { PcmCursor, RtpPacer, RtpStreamSender } from '../../../src/simulate/rtp-sender.js';

const open: Array<{ close(): unknown }> = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const o of open.splice(0)) await o.close();
});

async function receiver(): Promise<{ port: number; packets: RtpPacket[] }> {
  const socket = dgram.createSocket('udp4');
  const packets: RtpPacket[] = [];
  socket.on('message', (buf) => {
    const p = parseRtp(buf);
    if (!(p instanceof Error)) packets.push(p);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  open.push({ close: () => new Promise<void>((r) => socket.close(() => r())) });
  return { port: socket.address().port, packets };
}

async function sender(audio = new Int16Array(0), onAudioEnded?: () => void): Promise<RtpStreamSender> {
  const s = await RtpStreamSender.open({
    bindAddress: '127.0.0.1',
    payloadType: PCMU.payloadType,
    timestampStep: 160,
    encoder: PCMU.createEncoder(),
    audio: new PcmCursor(audio, 160),
    ...(onAudioEnded ? { onAudioEnded } : {}),
  });
  open.push(s);
  return s;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RtpStreamSender + RtpPacer on real sockets', () => {
  it('sends 50 packets a second per stream, continuous in sequence and timestamp', async () => {
    const rx = [await receiver(), await receiver()];
    const tx = [await sender(), await sender()];
    tx.forEach((s, i) => s.setDestination({ address: '127.0.0.1', port: rx[i]!.port }));
    const pacer = new RtpPacer(tx);
    const started = performance.now();
    pacer.start();
    await sleep(1000);
    pacer.stop();
    // On a loaded machine the sleep overshoots: the pace is judged against the time that really passed.
    const elapsed = performance.now() - started;
    await sleep(30); // the last datagrams in flight on loopback

    for (const [i, { packets }] of rx.entries()) {
      expect(packets.length).toBeGreaterThanOrEqual(48);
      expect(packets.length).toBeLessThanOrEqual(Math.floor(elapsed / 20) + 2);
      expect(packets.length).toBe(tx[i]!.packetsSent);
      const first = packets[0]!;
      expect(first.marker).toBe(true);
      expect(first.payloadType).toBe(0);
      expect(first.payload.length).toBe(160);
      for (let k = 1; k < packets.length; k++) {
        const p = packets[k]!;
        expect(p.marker).toBe(false);
        expect(p.ssrc).toBe(first.ssrc);
        expect(p.sequence).toBe((first.sequence + k) & 0xffff);
        expect(p.timestamp).toBe((first.timestamp + 160 * k) % 2 ** 32);
      }
    }
    // Independent streams: their own SSRC.
    expect(rx[0]!.packets[0]!.ssrc).not.toBe(rx[1]!.packets[0]!.ssrc);
  });

  it('across a hold: no packets, sequence continues, timestamp jumps by the time held, marker on resume', async () => {
    const rx = await receiver();
    const tx = await sender();
    tx.setDestination({ address: '127.0.0.1', port: rx.port });
    const pacer = new RtpPacer([tx]);
    pacer.start();
    await sleep(200);
    tx.pause();
    const beforeHold = rx.packets.length;
    await sleep(200);
    await sleep(20);
    const duringHold = rx.packets.length;
    tx.resume();
    await sleep(200);
    pacer.stop();
    await sleep(30);

    expect(duringHold - beforeHold).toBeLessThanOrEqual(1); // at most one already on the wire
    const ps = rx.packets;
    const resumedAt = ps.findIndex((p, k) => k > 0 && p.marker);
    expect(resumedAt).toBeGreaterThan(0);
    const last = ps[resumedAt - 1]!;
    const next = ps[resumedAt]!;
    expect(next.sequence).toBe((last.sequence + 1) & 0xffff);
    const jumped = (next.timestamp - last.timestamp + 2 ** 32) % 2 ** 32;
    // About 200 ms held = 1600 ticks more than one packet's 160; always a whole number of packets.
    expect(jumped % 160).toBe(0);
    expect(jumped / 160).toBeGreaterThanOrEqual(9);
    expect(jumped / 160).toBeLessThanOrEqual(14);
    expect(ps.filter((p) => p.marker)).toHaveLength(2);
  });

  it('sends nothing without a destination (a stream the answer rejected)', async () => {
    const tx = await sender();
    const pacer = new RtpPacer([tx]);
    pacer.start();
    await sleep(60);
    pacer.stop();
    expect(tx.packetsSent).toBe(0);
  });
});

describe('RtpPacer schedule', () => {
  it('sends every slot that fell due during a stall, then keeps the original grid', () => {
    vi.useFakeTimers();
    let now = 1000;
    const slots: number[] = [];
    const fake = { sendSlot: (k: number) => slots.push(k) } as unknown as RtpStreamSender;
    const pacer = new RtpPacer([fake], 20, () => now);
    pacer.start();
    expect(slots).toEqual([0]);
    // The event loop was blocked for 1 s: the next tick owes 50 slots (1..50), not one.
    now += 1000;
    vi.advanceTimersByTime(20);
    expect(slots).toHaveLength(51);
    expect(slots.at(-1)).toBe(50);
    // Back on the grid: slot 51 is due at t0 + 1020 ms, not 20 ms after the late tick.
    now += 19;
    vi.advanceTimersByTime(1000);
    expect(slots).toHaveLength(51);
    now += 1;
    vi.advanceTimersByTime(1000);
    expect(slots).toHaveLength(52);
    pacer.stop();
    now += 1000;
    vi.advanceTimersByTime(1000);
    expect(slots).toHaveLength(52);
  });
});

describe('PcmCursor', () => {
  it('yields 20 ms frames, pads the last, then silence; ended flips after the last audio frame', () => {
    const audio = Int16Array.from({ length: 400 }, (_, i) => i + 1);
    const c = new PcmCursor(audio, 160);
    expect(Array.from(c.next().subarray(0, 2))).toEqual([1, 2]);
    expect(c.next()[0]).toBe(161);
    expect(c.ended).toBe(false);
    const third = c.next();
    expect(third[79]).toBe(400);
    expect(third[80]).toBe(0);
    expect(c.ended).toBe(true);
    expect(c.next().every((s) => s === 0)).toBe(true);
  });

  it('reports the end of the audio once, with the packet that carried its last frame', async () => {
    const rx = await receiver();
    const ended = vi.fn();
    const tx = await sender(new Int16Array(320).fill(1000), ended);
    tx.setDestination({ address: '127.0.0.1', port: rx.port });
    tx.sendSlot(0);
    expect(ended).not.toHaveBeenCalled();
    tx.sendSlot(1);
    tx.sendSlot(2);
    expect(ended).toHaveBeenCalledTimes(1);
    expect(tx.packetsSent).toBe(3);
  });
});
