/**
 * Paced RTP (RFC 3550) for the simulated SRC: one UDP socket per recorded stream, one 20 ms packet
 * per stream per slot.
 *
 * Pacing is drift-free: the pacer fixes t0 on a monotonic clock (performance.now(), immune to
 * wall-clock steps) and slot k is due at t0 + k·20 ms. Each tick sends every slot that is due and
 * sleeps until the next one, so a late timer (GC, a busy event loop) is caught up on the next tick
 * instead of being lost, and 50 packets/s holds over minutes. Timer lateness never accumulates
 * because nothing is scheduled relative to the previous tick.
 *
 * The RTP timestamp follows the slot (sampling instant), not the packet count: after a hold the
 * timestamp jumps by the time held, the sequence number does not (RFC 3550 §5.1), and the marker
 * bit opens each talkspurt (RFC 3551 §4.1): the first packet and the first after a resume.
 */
import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { AudioEncoder } from '../media/codecs/types.js';
import { writeRtp } from '../media/rtp-packet.js';
import type { HostPort } from './uac-transport.js';

export const PTIME_MS = 20;
const TWO_32 = 4294967296;

/**
 * A party's audio as 20 ms frames. Past the end it yields silence: the call goes on after one
 * party stopped talking. It advances only when a frame is taken, so a hold pauses it.
 */
export class PcmCursor {
  private offset = 0;
  private readonly silence: Int16Array;

  constructor(
    private readonly samples: Int16Array,
    readonly frameSamples: number,
  ) {
    this.silence = new Int16Array(frameSamples);
  }

  get ended(): boolean {
    return this.offset >= this.samples.length;
  }

  next(): Int16Array {
    if (this.ended) return this.silence;
    const end = this.offset + this.frameSamples;
    const frame = new Int16Array(this.frameSamples);
    frame.set(this.samples.subarray(this.offset, Math.min(end, this.samples.length)));
    this.offset = end;
    return frame;
  }
}

export interface RtpStreamSenderOptions {
  /** Local address to bind (the one our SDP names). */
  bindAddress: string;
  payloadType: number;
  /** RTP clock ticks per packet: clockRate × 20 ms (160 for PCMU, PCMA and G.722 alike). */
  timestampStep: number;
  encoder: AudioEncoder;
  audio: PcmCursor;
  /** Called once, after the packet that carried the last of the audio. */
  onAudioEnded?: () => void;
  /**
   * Asked once per packet: true loses it on the way (a lossy network). The packet is still built, so
   * its sequence number is consumed (the receiver sees the gap) and a stateful encoder (G.722) stays
   * in step. Default: nothing is lost.
   */
  drop?: () => boolean;
}

export class RtpStreamSender {
  readonly ssrc = randomInt(0, TWO_32 - 1);
  /** RFC 3550 §5.1: sequence and timestamp start at random values. */
  private readonly sequenceBase = randomInt(0, 0x10000);
  private readonly timestampBase = randomInt(0, TWO_32 - 1);
  /** Packets built, sent or lost: the sequence number follows this. */
  private built = 0;
  private sent = 0;
  private dropped = 0;
  private isPaused = false;
  private markNext = true;
  private audioEndReported = false;
  private dest: HostPort | null = null;
  private closing: Promise<void> | undefined;
  /** Send errors (ICMP unreachable on some systems, buffer full): counted, never fatal. */
  sendErrors = 0;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly opts: RtpStreamSenderOptions,
  ) {}

  static open(opts: RtpStreamSenderOptions): Promise<RtpStreamSender> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket(net.isIPv6(opts.bindAddress) ? 'udp6' : 'udp4');
      socket.once('error', reject);
      socket.bind(0, opts.bindAddress, () => {
        socket.off('error', reject);
        const sender = new RtpStreamSender(socket, opts);
        // An asynchronous socket error (ICMP port unreachable) must not crash the run.
        socket.on('error', () => sender.sendErrors++);
        resolve(sender);
      });
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  get packetsSent(): number {
    return this.sent;
  }

  /** Packets the `drop` option lost instead of sending. */
  get packetsDropped(): number {
    return this.dropped;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  get destination(): HostPort | null {
    return this.dest;
  }

  /** From the SDP answer; null (port 0, or no answer) sends nothing. */
  setDestination(dest: HostPort | null): void {
    this.dest = dest;
  }

  /** Hold: no packets, the audio does not advance. */
  pause(): void {
    this.isPaused = true;
  }

  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    this.markNext = true;
  }

  /** The packet of pacing slot `slot` (slots count 20 ms steps from the pacer's start). */
  sendSlot(slot: number): void {
    if (this.isPaused || !this.dest || this.closing) return;
    const pcm = this.opts.audio.next();
    const packet = writeRtp(
      {
        marker: this.markNext,
        payloadType: this.opts.payloadType,
        sequence: this.sequenceBase + this.built,
        timestamp: (this.timestampBase + slot * this.opts.timestampStep) % TWO_32,
        ssrc: this.ssrc,
      },
      this.opts.encoder.encode(pcm),
    );
    // A lost first packet of a talkspurt loses its marker with it, as on a real network.
    this.markNext = false;
    this.built++;
    if (this.opts.drop?.()) this.dropped++;
    else {
      this.sent++;
      this.socket.send(packet, this.dest.port, this.dest.address, (err) => {
        if (err) this.sendErrors++;
      });
    }
    if (!this.audioEndReported && this.opts.audio.ended) {
      this.audioEndReported = true;
      this.opts.onAudioEnded?.();
    }
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => this.socket.close(() => resolve()));
    return this.closing;
  }
}

/** Drives senders in lockstep on one monotonic schedule (see the file comment). */
export class RtpPacer {
  private t0 = 0;
  private nextSlot = 0;
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly senders: readonly RtpStreamSender[],
    private readonly ptimeMs = PTIME_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Slots sent so far (each sender sent one packet per slot unless paused). */
  get slots(): number {
    return this.nextSlot;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.t0 = this.now();
    this.nextSlot = 0;
    this.tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private tick(): void {
    if (!this.running) return;
    const due = Math.floor((this.now() - this.t0) / this.ptimeMs) + 1;
    while (this.nextSlot < due) {
      for (const s of this.senders) s.sendSlot(this.nextSlot);
      this.nextSlot++;
    }
    // Sleep until the next slot's absolute due time; setTimeout rounds to whole ms and may wake a
    // little early against performance.now(): the next tick then finds nothing due and sleeps again.
    const wait = this.t0 + this.nextSlot * this.ptimeMs - this.now();
    this.timer = setTimeout(() => this.tick(), Math.max(1, Math.ceil(wait)));
  }
}
