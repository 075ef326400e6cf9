/** Drives an RtpStream without sockets: packets in, frames and DTMF events out. */
import { MULAW_TO_LINEAR } from '../../../src/media/codecs/pcmu.js';
import { writeRtp } from '../../../src/media/rtp-packet.js';
import { RtpStream, type RtpStreamOptions } from '../../../src/media/rtp-stream.js';
import type { DtmfEvent, PcmFrame, StreamConfig } from '../../../src/media/types.js';

export const SRC = { address: '192.0.2.10', port: 40000 };

export const BASE_CONFIG: StreamConfig = {
  codecs: [
    { payloadType: 0, name: 'PCMU', clockRate: 8000 },
    { payloadType: 9, name: 'G722', clockRate: 8000 },
    { payloadType: 101, name: 'telephone-event', clockRate: 8000 },
    { payloadType: 13, name: 'CN', clockRate: 8000 },
  ],
  source: SRC,
  rtcpMux: false,
  held: false,
};

/** PCMU only, from `source`: what the socket tests configure. */
export const pcmuConfig = (source: StreamConfig['source']): StreamConfig => ({
  codecs: [{ payloadType: 0, name: 'PCMU', clockRate: 8000 }],
  source,
  rtcpMux: false,
  held: false,
});

/** μ-law code that marks packet k (positive, distinct, non-zero when decoded). */
export function markCode(k: number): number {
  return 0x80 + (k % 100);
}

export function markValue(k: number): number {
  return MULAW_TO_LINEAR[markCode(k)]!;
}

export interface PacketSpec {
  seq: number;
  ts: number;
  ssrc?: number;
  pt?: number;
  marker?: boolean;
}

export function pcmuPacket(p: PacketSpec, samples = 160, mark = p.seq): Buffer {
  return writeRtp(
    { payloadType: p.pt ?? 0, sequence: p.seq & 0xffff, timestamp: p.ts >>> 0, ssrc: p.ssrc ?? 0x1111, marker: p.marker ?? false },
    Buffer.alloc(samples, markCode(mark)),
  );
}

export class Harness {
  readonly stream: RtpStream;
  readonly frames: PcmFrame[] = [];
  readonly dtmf: DtmfEvent[] = [];
  now = 0;

  constructor(config: Partial<StreamConfig> = {}, opts: RtpStreamOptions = {}) {
    this.stream = new RtpStream(opts);
    this.stream.configure({ ...BASE_CONFIG, ...config });
    this.stream.onFrame((f) => this.frames.push(f));
    this.stream.onDtmf((e) => this.dtmf.push(e));
  }

  /** Delivers a datagram; arrival time advances by `advanceMs` first. */
  send(buf: Buffer, advanceMs = 20, from = SRC): void {
    this.now += advanceMs;
    this.stream.receive(buf, from.address, from.port, this.now);
  }

  /** The packet mark each frame carries (-1 for a concealed/silent frame). */
  marks(): number[] {
    return this.frames.map((f) => {
      const v = f.samples[0]!;
      if (v === 0) return -1;
      for (let k = 0; k < 100; k++) if (markValue(k) === v) return k;
      return -2;
    });
  }

  concealedCount(): number {
    return this.frames.filter((f) => f.concealed).length;
  }
}
