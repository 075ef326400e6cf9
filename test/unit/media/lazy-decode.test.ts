/**
 * A stream nobody listens to is not decoded (the framer only counts), yet its stats are the same as
 * a listened-to stream's; a listener that attaches later gets frames on the same gap-free timeline.
 */
import { describe, expect, it } from 'vitest';
import { RtpStream } from '../../../src/media/rtp-stream.js';
import type { PcmFrame } from '../../../src/media/types.js';
import { BASE_CONFIG, SRC, markValue, pcmuPacket } from './stream-harness.js';

/** Loss (seq 5), reorder (8 before 7), a duplicate, a 1 s pause, 10 ms packets: every framer path. */
function traffic(): Array<{ buf: Buffer; at: number }> {
  const out: Array<{ buf: Buffer; at: number }> = [];
  let at = 0;
  const order = [0, 1, 2, 3, 4, 6, 8, 7, 9, 9, 10];
  for (const seq of order) out.push({ buf: pcmuPacket({ seq, ts: seq * 160 }, 160, seq), at: (at += 20) });
  at += 1000;
  for (let seq = 11; seq < 31; seq++) out.push({ buf: pcmuPacket({ seq, ts: 10 * 160 + 8000 + (seq - 10) * 80 }, 80, seq), at: (at += 10) });
  return out;
}

function play(stream: RtpStream, packets: Array<{ buf: Buffer; at: number }>): void {
  for (const p of packets) stream.receive(Buffer.from(p.buf), SRC.address, SRC.port, p.at);
  stream.tick(1e9);
}

describe('lazy decode', () => {
  it('counts the same packets, loss, reorder and seconds of audio with and without a frame listener', () => {
    const heard = new RtpStream();
    const unheard = new RtpStream();
    heard.configure(BASE_CONFIG);
    unheard.configure(BASE_CONFIG);
    const frames: PcmFrame[] = [];
    heard.onFrame((f) => frames.push(f));
    const packets = traffic();
    play(heard, packets);
    play(unheard, packets);
    const { lastPacketAt: _a, ...a } = heard.stats();
    const { lastPacketAt: _b, ...b } = unheard.stats();
    expect(b).toEqual(a);
    expect(a).toMatchObject({ packets: 31, lost: 1, reordered: 1, duplicates: 1 });
    expect(a.audioSeconds).toBeCloseTo(frames.length * 0.02, 9);
  });

  it('a listener attaching mid-stream gets frames continuing the timeline; detaching stops the frames', () => {
    const stream = new RtpStream();
    stream.configure(BASE_CONFIG);
    for (let seq = 0; seq < 10; seq++) stream.receive(pcmuPacket({ seq, ts: seq * 160 }, 160, seq), SRC.address, SRC.port, seq * 20);
    const frames: PcmFrame[] = [];
    const off = stream.onFrame((f) => frames.push(f));
    for (let seq = 10; seq < 15; seq++) stream.receive(pcmuPacket({ seq, ts: seq * 160 }, 160, seq), SRC.address, SRC.port, seq * 20);
    expect(frames.map((f) => f.timestamp)).toEqual([200, 220, 240, 260, 280]);
    expect(frames.map((f) => f.samples[0])).toEqual([10, 11, 12, 13, 14].map(markValue));
    off();
    stream.receive(pcmuPacket({ seq: 15, ts: 15 * 160 }, 160, 15), SRC.address, SRC.port, 300);
    expect(frames).toHaveLength(5);
    expect(stream.stats().audioSeconds).toBe(0.32);
  });
});
