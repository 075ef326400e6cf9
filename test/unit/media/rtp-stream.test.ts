/**
 * The receive pipeline without sockets: reorder, duplicates, loss, late packets, sequence wrap,
 * SSRC change, re-framing, telephone-events, CN and timestamp jumps, hold, SRTP, sources.
 * Each packet carries a distinct constant sample value, so a frame tells which packet it came from.
 */
import { describe, expect, it } from 'vitest';
import { G722 } from '../../../src/media/codecs/g722.js';
import { linearToMulaw, MULAW_TO_LINEAR } from '../../../src/media/codecs/pcmu.js';
import { encodeTelephoneEvent } from '../../../src/media/codecs/telephone-event.js';
import { JitterEstimator } from '../../../src/media/jitter.js';
import { writeSenderReport } from '../../../src/media/rtcp.js';
import { writeRtp } from '../../../src/media/rtp-packet.js';
import { encodeKeySalt, SrtpSession } from '../../../src/media/srtp.js';
import type { StreamConfig } from '../../../src/media/types.js';
import { concat, goertzel, tone } from './dsp.js';
import { Harness, pcmuPacket, SRC } from './stream-harness.js';

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const expectMarks = (h: Harness, marks: number[]): void => expect(h.marks()).toEqual(marks.map((m) => (m < 0 ? -1 : m % 100)));

describe('RtpStream: order, loss and duplicates', () => {
  it('plays in-order 20 ms packets as one frame each, timestamped on a 20 ms grid', () => {
    const h = new Harness();
    for (const i of range(0, 50)) h.send(pcmuPacket({ seq: 1000 + i, ts: 5000 + i * 160 }, 160, i));
    expect(h.frames).toHaveLength(50);
    expectMarks(h, range(0, 50));
    expect(h.frames.map((f) => f.timestamp)).toEqual(range(0, 50).map((i) => i * 20));
    expect(h.frames.every((f) => f.samples.length === 160 && f.sampleRate === 8000 && !f.concealed)).toBe(true);
    expect(h.stream.stats()).toMatchObject({
      packets: 50,
      bytes: 50 * 172,
      lost: 0,
      late: 0,
      duplicates: 0,
      reordered: 0,
      codec: 'PCMU/8000',
      ssrc: 0x1111,
      audioSeconds: 1,
      malformed: 0,
      wrongSource: 0,
    });
  });

  it('reorders within the window, counts duplicates and conceals lost packets with silence', () => {
    const h = new Harness();
    // 100 packets: 10, 50 and 51 dropped; 20 and 70 duplicated; 31 before 30; 62 before 60 and 61.
    const order = range(0, 100).filter((i) => ![10, 50, 51].includes(i));
    const swap = (a: number, b: number): void => {
      const ia = order.indexOf(a);
      const ib = order.indexOf(b);
      [order[ia], order[ib]] = [order[ib]!, order[ia]!];
    };
    swap(30, 31);
    order.splice(order.indexOf(62), 1);
    order.splice(order.indexOf(60), 0, 62);
    order.splice(order.indexOf(20) + 1, 0, 20);
    order.splice(order.indexOf(70) + 3, 0, 70);
    for (const i of order) h.send(pcmuPacket({ seq: i, ts: i * 160 }, 160, i));
    h.stream.close();
    expect(h.frames).toHaveLength(100);
    expectMarks(h, range(0, 100).map((i) => ([10, 50, 51].includes(i) ? -1 : i)));
    expect(h.frames.filter((f) => f.concealed).map((f) => f.timestamp)).toEqual([200, 1000, 1020]);
    expect(h.stream.stats()).toMatchObject({ packets: 99, lost: 3, late: 0, duplicates: 2, reordered: 3 });
  });

  it('gives up on a missing packet after 60 ms of media queued behind it; a later arrival is late', () => {
    const h = new Harness();
    const seen: number[] = [];
    h.stream.onFrame(() => seen.push(h.frames.length));
    for (const i of range(0, 10)) h.send(pcmuPacket({ seq: i, ts: i * 160 }, 160, i));
    expect(h.frames).toHaveLength(10);
    h.send(pcmuPacket({ seq: 11, ts: 11 * 160 }, 160, 11));
    h.send(pcmuPacket({ seq: 12, ts: 12 * 160 }, 160, 12));
    expect(h.frames).toHaveLength(10); // 40 ms queued: still waiting for 10
    h.send(pcmuPacket({ seq: 13, ts: 13 * 160 }, 160, 13));
    expect(h.frames).toHaveLength(14); // 60 ms + one packet: 10 is lost, 11–13 played
    h.send(pcmuPacket({ seq: 10, ts: 10 * 160 }, 160, 10));
    expect(h.frames).toHaveLength(14);
    expectMarks(h, [...range(0, 10), -1, 11, 12, 13]);
    // The late packet was not put back in order: it is late, not reordered.
    expect(h.stream.stats()).toMatchObject({ lost: 1, late: 1, duplicates: 0, reordered: 0 });
  });

  it('takes the reorder depth in ms (40 ms → gives up once two packets wait)', () => {
    const h = new Harness({}, { reorderMs: 40 });
    h.send(pcmuPacket({ seq: 0, ts: 0 }, 160, 0));
    h.send(pcmuPacket({ seq: 2, ts: 320 }, 160, 2));
    expect(h.frames).toHaveLength(1);
    h.send(pcmuPacket({ seq: 3, ts: 480 }, 160, 3));
    expectMarks(h, [0, -1, 2, 3]);
    const shallow = new Harness({}, { reorderMs: 20 });
    shallow.send(pcmuPacket({ seq: 0, ts: 0 }, 160, 0));
    shallow.send(pcmuPacket({ seq: 2, ts: 320 }, 160, 2));
    expectMarks(shallow, [0, -1, 2]);
  });

  it('flushes a queue left behind by a stream that went quiet (tick)', () => {
    const h = new Harness();
    h.send(pcmuPacket({ seq: 0, ts: 0 }, 160, 0));
    h.send(pcmuPacket({ seq: 2, ts: 320 }, 160, 2));
    h.stream.tick(h.now + 30);
    expect(h.frames).toHaveLength(1);
    h.stream.tick(h.now + 61);
    expectMarks(h, [0, -1, 2]);
    expect(h.stream.stats().lost).toBe(1);
  });

  it('crosses the 16-bit sequence wrap (65535 → 0), even reordered across it', () => {
    const h = new Harness();
    const seqs = range(0, 100).map((i) => (65500 + i) & 0xffff);
    const order = range(0, 100);
    // 65535 (index 35) arrives after 0 (index 36)
    [order[35], order[36]] = [order[36]!, order[35]!];
    for (const i of order) h.send(pcmuPacket({ seq: seqs[i]!, ts: 0xffff0000 + i * 160 }, 160, i)); // RTP ts wraps too
    expect(h.frames).toHaveLength(100);
    expectMarks(h, range(0, 100));
    expect(h.stream.stats()).toMatchObject({ lost: 0, reordered: 1, duplicates: 0, late: 0 });
  });

  it('treats a jump of thousands of sequence numbers as a restart once a second packet confirms it (A.1)', () => {
    const h = new Harness();
    for (const i of range(0, 5)) h.send(pcmuPacket({ seq: i, ts: i * 160 }, 160, i));
    h.send(pcmuPacket({ seq: 30000, ts: 800 }, 160, 50)); // probation: dropped
    h.send(pcmuPacket({ seq: 30001, ts: 960 }, 160, 51)); // confirmed: new continuation
    h.send(pcmuPacket({ seq: 30002, ts: 1120 }, 160, 52));
    expectMarks(h, [0, 1, 2, 3, 4, 51, 52]);
    expect(h.stream.stats().lost).toBe(0);
  });
});

describe('RtpStream: SSRC changes and timestamp jumps', () => {
  it('continues the timeline on an SSRC change without fill, and ignores stragglers of the old source', () => {
    const h = new Harness();
    for (const i of range(0, 50)) h.send(pcmuPacket({ seq: 100 + i, ts: 1000 + i * 160, ssrc: 0xa }, 160, i));
    for (const i of range(0, 50)) h.send(pcmuPacket({ seq: 40000 + i, ts: 0x70000000 + i * 160, ssrc: 0xb }, 160, 50 + i));
    h.send(pcmuPacket({ seq: 150, ts: 1000 + 50 * 160, ssrc: 0xa }, 160, 7)); // old source, late
    expect(h.frames).toHaveLength(100);
    expectMarks(h, range(0, 100));
    expect(h.frames[50]!.timestamp).toBe(1000);
    expect(h.concealedCount()).toBe(0);
    expect(h.stream.stats()).toMatchObject({ ssrcChanges: 1, ssrc: 0xb, lost: 0, late: 1, packets: 100 });
  });

  it('caps the silence inserted for a timestamp jump (silence suppression) at maxConcealMs', () => {
    for (const [cap, expected] of [
      [undefined, 100], // default 2 s = 100 frames
      [500, 25],
    ] as const) {
      const h = new Harness({}, cap === undefined ? {} : { maxConcealMs: cap });
      for (const i of range(0, 10)) h.send(pcmuPacket({ seq: i, ts: i * 160 }, 160, i));
      // 10 minutes of RTP time later (the sender stopped sending during silence)
      h.send(pcmuPacket({ seq: 10, ts: 1600 + 8000 * 600 }, 160, 10));
      expect(h.frames).toHaveLength(10 + expected + 1);
      expect(h.concealedCount()).toBe(expected);
      expect(h.marks().at(-1)).toBe(10);
      expect(h.stream.stats().lost).toBe(0);
    }
  });

  it('fills a gap below the cap exactly, so the timeline matches the sender clock (CN = silence)', () => {
    const h = new Harness();
    for (const i of range(0, 10)) h.send(pcmuPacket({ seq: i, ts: i * 160 }, 160, i));
    // RFC 3389 CN at 1600, then speech again 1 s later.
    h.send(writeRtp({ payloadType: 13, sequence: 10, timestamp: 1600, ssrc: 0x1111 }, Buffer.from([60])));
    h.send(pcmuPacket({ seq: 11, ts: 1600 + 8000 }, 160, 11), 1000);
    expect(h.frames).toHaveLength(10 + 50 + 1);
    expect(h.concealedCount()).toBe(50);
    expect(h.frames.at(-1)!.timestamp).toBe(1200);
    expect(h.stream.stats()).toMatchObject({ lost: 0, malformed: 0, packets: 12 });
  });

  it('produces no concealment while held, and none for the held period after resuming', () => {
    const h = new Harness();
    for (const i of range(0, 5)) h.send(pcmuPacket({ seq: i, ts: i * 160 }, 160, i));
    h.stream.configure({ ...HOLD_TEST_CONFIG, held: true });
    h.send(pcmuPacket({ seq: 5, ts: 5 * 160 + 4000 }, 160, 5)); // music-on-hold after a jump
    h.send(pcmuPacket({ seq: 7, ts: 7 * 160 + 4000 }, 160, 7));
    h.send(pcmuPacket({ seq: 8, ts: 8 * 160 + 4000 }, 160, 8));
    h.send(pcmuPacket({ seq: 9, ts: 9 * 160 + 4000 }, 160, 9));
    h.send(pcmuPacket({ seq: 10, ts: 10 * 160 + 4000 }, 160, 10));
    expect(h.concealedCount()).toBe(0);
    h.stream.configure({ ...HOLD_TEST_CONFIG, held: false });
    h.send(pcmuPacket({ seq: 11, ts: 11 * 160 + 800000 }, 160, 11));
    expect(h.concealedCount()).toBe(0);
    expectMarks(h, [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11]);
    expect(h.stream.stats().lost).toBe(1);
  });
});

const HOLD_TEST_CONFIG: StreamConfig = {
  codecs: [
    { payloadType: 0, name: 'PCMU', clockRate: 8000 },
    { payloadType: 101, name: 'telephone-event', clockRate: 8000 },
  ],
  source: SRC,
  rtcpMux: false,
  held: false,
};

describe('RtpStream: re-framing', () => {
  for (const ptime of [10, 30, 40]) {
    it(`re-frames ${ptime} ms packets into exact 20 ms frames without altering the audio`, () => {
      const h = new Harness();
      const samplesPer = ptime * 8;
      const signal = tone([700], 8000, 1.2, 6000);
      const packets = signal.length / samplesPer;
      const encoded: Buffer[] = [];
      for (let i = 0; i < packets; i++) {
        const pcm = signal.subarray(i * samplesPer, (i + 1) * samplesPer);
        const payload = Buffer.from(Array.from(pcm, (s) => linearToMulaw(s)));
        encoded.push(payload);
        h.send(writeRtp({ payloadType: 0, sequence: i, timestamp: i * samplesPer, ssrc: 9 }, payload), ptime);
      }
      const expected = concat(encoded.map((p) => Int16Array.from(p, (c) => MULAW_TO_LINEAR[c]!)));
      expect(h.frames).toHaveLength((signal.length / 160) | 0);
      expect(h.frames.every((f) => f.samples.length === 160 && !f.concealed)).toBe(true);
      expect(h.frames.map((f) => f.timestamp)).toEqual(range(0, h.frames.length).map((i) => i * 20));
      expect(Array.from(concat(h.frames.map((f) => f.samples)))).toEqual(Array.from(expected.subarray(0, h.frames.length * 160)));
    });
  }

  it('re-frames a lost 30 ms packet into 1.5 frames of concealment, keeping the timeline', () => {
    const h = new Harness();
    for (const i of [0, 1, 3, 4, 5, 6, 7]) h.send(pcmuPacket({ seq: i, ts: i * 240 }, 240, i), 30);
    h.stream.close();
    // 8 packets × 30 ms = 240 ms = 12 frames
    expect(h.frames).toHaveLength(12);
    const silent = h.frames.map((f) => f.samples.filter((s) => s === 0).length);
    expect(silent.reduce((a, b) => a + b, 0)).toBe(240);
    expect(h.stream.stats().lost).toBe(1);
  });

  it('decodes G.722 into 320-sample 16 kHz frames (RTP clock 8000, RFC 3551 §4.5.2)', () => {
    const h = new Harness();
    const input = tone([1000], 16000, 0.5, 8000);
    const enc = G722.createEncoder();
    for (let i = 0; i < 25; i++) {
      const payload = enc.encode(input.subarray(i * 320, (i + 1) * 320));
      expect(payload.length).toBe(160);
      h.send(writeRtp({ payloadType: 9, sequence: i, timestamp: i * 160, ssrc: 3 }, payload));
    }
    expect(h.frames).toHaveLength(25);
    expect(h.frames.every((f) => f.sampleRate === 16000 && f.samples.length === 320)).toBe(true);
    const out = concat(h.frames.map((f) => f.samples)).subarray(1600);
    expect(goertzel(out, 1000, 16000)).toBeGreaterThan(100 * goertzel(out, 3000, 16000));
    expect(h.stream.stats().codec).toBe('G722/8000');
  });
});

describe('RtpStream: telephone-events (RFC 4733)', () => {
  const te = (seq: number, ts: number, event: number, duration: number, end = false): Buffer =>
    writeRtp({ payloadType: 101, sequence: seq, timestamp: ts, ssrc: 0x1111, marker: duration === 160 }, encodeTelephoneEvent({ event, end, volume: 10, duration }));

  it('reports each digit once, with its start on the media timeline and its duration', () => {
    const h = new Harness();
    let seq = 0;
    for (const i of range(0, 10)) h.send(pcmuPacket({ seq: seq++, ts: i * 160 }, 160, i));
    // '5' starting at ts 1600 (200 ms), 7 updates, then the end packet three times (§2.5.1.4).
    for (const d of [160, 320, 480, 640, 800, 960]) h.send(te(seq++, 1600, 5, d));
    for (let r = 0; r < 3; r++) h.send(te(seq++, 1600, 5, 1120, true));
    expect(h.dtmf).toEqual([{ digit: '5', at: 200, durationMs: 140 }]);
    // Speech resumes after the event: the 140 ms the digit lasted are filled.
    for (const i of range(0, 5)) h.send(pcmuPacket({ seq: seq++, ts: 2720 + i * 160 }, 160, 20 + i));
    expect(h.frames).toHaveLength(10 + 7 + 5);
    expect(h.concealedCount()).toBe(7);
    // '#' whose end packets are all lost: reported when 'A' starts.
    h.send(te(seq++, 3520, 11, 160));
    h.send(te(seq++, 3520, 11, 320));
    seq += 3;
    h.send(te(seq++, 4800, 12, 160));
    expect(h.dtmf.map((e) => e.digit)).toEqual(['5', '#']);
    expect(h.dtmf[1]).toEqual({ digit: '#', at: 440, durationMs: 40 });
    // 'A' never ends and nothing follows: reported once the stream is idle for dtmfIdleMs.
    h.stream.tick(h.now + 500);
    expect(h.dtmf).toHaveLength(2);
    h.stream.tick(h.now + 1001);
    expect(h.dtmf.map((e) => e.digit)).toEqual(['5', '#', 'A']);
    h.stream.tick(h.now + 5000);
    expect(h.dtmf).toHaveLength(3);
    expect(h.stream.stats().lost).toBe(3);
  });

  it('ignores end retransmissions that arrive reordered or after the next event began', () => {
    const h = new Harness();
    h.send(pcmuPacket({ seq: 0, ts: 0 }, 160, 0));
    h.send(te(1, 160, 1, 160));
    h.send(te(3, 160, 1, 400, true));
    h.send(te(2, 160, 1, 320)); // reordered update
    h.send(te(4, 160, 1, 400, true));
    h.send(te(5, 800, 2, 160, true));
    h.send(te(6, 160, 1, 400, true)); // straggler of the first event
    h.stream.close();
    expect(h.dtmf).toEqual([
      { digit: '1', at: 20, durationMs: 50 },
      { digit: '2', at: 100, durationMs: 20 },
    ]);
  });
});

describe('RtpStream: sources, payload types, SRTP, RTCP, jitter', () => {
  it('drops and counts packets from another port when the source is fixed', () => {
    const h = new Harness();
    h.send(pcmuPacket({ seq: 0, ts: 0 }, 160, 0));
    h.send(pcmuPacket({ seq: 1, ts: 160 }, 160, 1), 20, { address: SRC.address, port: SRC.port + 2 });
    h.send(pcmuPacket({ seq: 1, ts: 160 }, 160, 1), 20, { address: '198.51.100.1', port: SRC.port });
    h.send(pcmuPacket({ seq: 1, ts: 160 }, 160, 1), 0, { address: `::ffff:${SRC.address}`, port: SRC.port });
    expect(h.stream.stats()).toMatchObject({ wrongSource: 2, packets: 2 });
    expectMarks(h, [0, 1]);
  });

  it('latches to the first source and sticks to it', () => {
    const h = new Harness({ source: 'latch' });
    const a = { address: '203.0.113.5', port: 7000 };
    const b = { address: '203.0.113.5', port: 7002 };
    h.send(pcmuPacket({ seq: 0, ts: 0 }, 160, 0), 20, a);
    h.send(pcmuPacket({ seq: 1, ts: 160 }, 160, 1), 20, b);
    h.send(pcmuPacket({ seq: 1, ts: 160 }, 160, 1), 0, a);
    expect(h.stream.stats()).toMatchObject({ wrongSource: 1, packets: 2 });
  });

  it('counts unknown payload types and garbage as malformed', () => {
    const h = new Harness();
    h.send(pcmuPacket({ seq: 0, ts: 0, pt: 96 }));
    h.send(Buffer.from('not rtp at all, really'));
    h.send(Buffer.alloc(5));
    expect(h.stream.stats()).toMatchObject({ malformed: 3, packets: 0 });
    expect(h.frames).toHaveLength(0);
  });

  it('accepts static PCMA/CN types the offer did not map, but not dynamic ones', () => {
    const h = new Harness({ codecs: [{ payloadType: 0, name: 'PCMU', clockRate: 8000 }] });
    h.send(pcmuPacket({ seq: 0, ts: 0, pt: 8 }));
    h.send(pcmuPacket({ seq: 1, ts: 160, pt: 101 }));
    expect(h.stream.stats()).toMatchObject({ packets: 1, malformed: 1, codec: 'PCMA/8000' });
  });

  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
    it(`${suite}: decrypts SRTP, drops and counts a tampered packet`, () => {
      const keySalt = Buffer.from(Array.from({ length: 30 }, (_, i) => i * 7 + 1));
      const h = new Harness({ srtp: { suite, keySalt: encodeKeySalt(keySalt.subarray(0, 16), keySalt.subarray(16)) } });
      const tx = new SrtpSession(suite, keySalt);
      const wires: Buffer[] = [];
      for (const i of range(0, 10)) {
        const wire = tx.protectRtp(pcmuPacket({ seq: 65530 + i, ts: i * 160 }, 160, i));
        wires.push(Buffer.from(wire)); // the stream decrypts in place
        if (i === 4) {
          const bad = Buffer.from(wire);
          bad[20]! ^= 0x80;
          h.send(bad);
        }
        h.send(wire, i === 4 ? 0 : 20);
      }
      h.send(Buffer.from(tx.protectRtcp(writeSenderReport({ ssrc: 0x1111, ntpSeconds: 1, ntpFraction: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5 }))));
      expectMarks(h, range(0, 10));
      expect(h.stream.stats()).toMatchObject({ srtpAuthFailures: 1, packets: 10, lost: 0, senderReports: 1 });
      // The same packet again is a network duplicate (SRTP replay window), not an attack.
      h.send(wires[7]!);
      expect(h.stream.stats()).toMatchObject({ srtpAuthFailures: 1, duplicates: 1, packets: 10 });
    });
  }

  it('drops everything, counted, when the configured SRTP key is unusable', () => {
    const h = new Harness({ srtp: { suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: 'c2hvcnQ=' } });
    h.send(pcmuPacket({ seq: 0, ts: 0 }));
    expect(h.stream.stats()).toMatchObject({ srtpAuthFailures: 1, packets: 0 });
  });

  it('counts RTCP sender reports, muxed on the RTP port or on the RTCP port', () => {
    const h = new Harness();
    const sr = writeSenderReport({ ssrc: 0x1111, ntpSeconds: 1, ntpFraction: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5 });
    h.send(Buffer.from(sr));
    h.stream.receiveRtcp(Buffer.from(sr), SRC.address, SRC.port + 1);
    h.stream.receiveRtcp(Buffer.from(sr), '198.51.100.9', SRC.port + 1);
    expect(h.stream.stats()).toMatchObject({ senderReports: 2, wrongSource: 1, packets: 0, malformed: 0 });
  });

  it('estimates interarrival jitter per RFC 3550 A.8', () => {
    const j = new JitterEstimator();
    // Packets every 160 ticks, arriving alternately 40 ticks late and on time: |D| = 40 each time.
    for (let i = 0; i < 400; i++) j.update(i * 160 + (i % 2 ? 40 : 0), i * 160);
    expect(j.jitter).toBeCloseTo(40, 3);
    const h = new Harness();
    // Gaps of 15 and 25 ms instead of 20: every transit difference is 5 ms.
    for (const i of range(0, 300)) h.send(pcmuPacket({ seq: i, ts: i * 160 }, 160, i), i % 2 ? 25 : 15);
    expect(h.stream.stats().jitterMs).toBeCloseTo(5, 1);
  });

  it('keeps listeners isolated: a throwing listener does not stop the others; unsubscribe works', () => {
    const h = new Harness();
    const off = h.stream.onFrame(() => {
      throw new Error('boom');
    });
    h.send(pcmuPacket({ seq: 0, ts: 0 }, 160, 0));
    off();
    h.send(pcmuPacket({ seq: 1, ts: 160 }, 160, 1));
    expect(h.frames).toHaveLength(2);
  });
});
