/**
 * SimulationOptions.lossRate: RTP packets lost on the way, chosen by a seeded PRNG. The sender still
 * numbers every packet (the receiver sees gaps, not a renumbered stream), the same seed loses the same
 * packets, and without the option nothing changes.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { PCMU } from '../../../src/media/codecs/index.js';
import { parseRtp } from '../../../src/media/rtp-packet.js';
import { runSimulation } from '../../../src/simulate/index.js';
import { deriveSeed, seededRandom } from '../../../src/simulate/seeded-random.js';
import { PcmCursor, RtpStreamSender } from '../../../src/simulate/rtp-sender.js';

describe('seededRandom and deriveSeed', () => {
  it('repeat for the same seed and differ between seeds and names', () => {
    const a = seededRandom(5);
    const b = seededRandom(5);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRandom(6)()).not.toBe(xs[0]);
    expect(deriveSeed(1, 'rtp-loss', 'caller')).toBe(deriveSeed(1, 'rtp-loss', 'caller'));
    expect(deriveSeed(1, 'rtp-loss', 'caller')).not.toBe(deriveSeed(1, 'rtp-loss', 'subscriber'));
    expect(deriveSeed(1, 'x')).not.toBe(deriveSeed(2, 'x'));
  });
});

describe('runSimulation lossRate', () => {
  it('refuses a rate outside 0..1 before sending anything (exit 2)', async () => {
    for (const lossRate of [-0.1, 1.5, Number.NaN]) {
      await expect(
        runSimulation({ target: { host: '127.0.0.1', port: 9 }, transport: 'udp', caller: '+13035551000', subscriber: '+12125550123', codec: 'pcmu', lossRate }),
      ).rejects.toMatchObject({ code: 'SIMULATE_USAGE', exitCode: 2 });
    }
  });
});

describe('RtpStreamSender drop', () => {
  const open: Array<{ close(): unknown }> = [];
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
  });

  /** Sends 200 slots through a sender that drops with `rate` from `seed`; returns the sequence offsets received. */
  async function lossPattern(rate: number, seed: number): Promise<{ received: number[]; sender: RtpStreamSender }> {
    const socket = dgram.createSocket('udp4');
    const seqs: number[] = [];
    socket.on('message', (buf) => {
      const p = parseRtp(buf);
      if (!(p instanceof Error)) seqs.push(p.sequence);
    });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    open.push({ close: () => new Promise<void>((r) => socket.close(() => r())) });
    const random = seededRandom(deriveSeed(seed, 'rtp-loss', 'caller'));
    const sender = await RtpStreamSender.open({
      bindAddress: '127.0.0.1',
      payloadType: PCMU.payloadType,
      timestampStep: 160,
      encoder: PCMU.createEncoder(),
      audio: new PcmCursor(new Int16Array(0), 160),
      drop: () => random() < rate,
    });
    open.push(sender);
    sender.setDestination({ address: '127.0.0.1', port: socket.address().port });
    for (let slot = 0; slot < 200; slot++) sender.sendSlot(slot);
    const deadline = Date.now() + 2000;
    while (seqs.length < sender.packetsSent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // Relative to the first sequence number that would have been sent (the base is random per sender).
    const base = seqs.length ? Math.min(...seqs) : 0;
    return { received: seqs.map((s) => (s - base) & 0xffff).sort((a, b) => a - b), sender };
  }

  it('drops about the rate asked for; the sequence keeps counting through the gaps', async () => {
    const { received, sender } = await lossPattern(0.1, 42);
    expect(sender.packetsSent + sender.packetsDropped).toBe(200);
    expect(sender.packetsDropped).toBeGreaterThan(8);
    expect(sender.packetsDropped).toBeLessThan(40);
    expect(received).toHaveLength(sender.packetsSent);
    // Gaps, not renumbering: the highest offset is near 199 though fewer packets came.
    expect(received.at(-1)).toBeGreaterThan(190);
  });

  it('the same seed loses the same packets; another seed others', async () => {
    const a = await lossPattern(0.2, 7);
    const b = await lossPattern(0.2, 7);
    const c = await lossPattern(0.2, 8);
    // Compare the set of lost offsets (robust to the first packet itself being lost).
    const lost = (r: number[]): number[] => {
      const got = new Set(r);
      return Array.from({ length: (r.at(-1) ?? 0) + 1 }, (_, i) => i).filter((i) => !got.has(i));
    };
    expect(a.sender.packetsDropped).toBe(b.sender.packetsDropped);
    expect(lost(a.received)).toEqual(lost(b.received));
    expect(lost(c.received)).not.toEqual(lost(a.received));
  });

  it('with no loss option nothing is dropped', async () => {
    const { received, sender } = await lossPattern(0, 1);
    expect(sender.packetsDropped).toBe(0);
    expect(received).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });
});
