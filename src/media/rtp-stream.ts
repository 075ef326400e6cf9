/**
 * One received RTP stream, without sockets: source check → RTCP demux (RFC 5761 §4) → SRTP
 * unprotect (RFC 3711) → header parse (RFC 3550 §5.1) → payload type → reorder buffer → decode →
 * 20 ms frames; telephone-events (RFC 4733) become DtmfEvents, CN (RFC 3389) becomes silence.
 *
 * This file is the receive path up to the reorder buffer; the parts it drives each have a file:
 * rtp-source-filter.ts (which source is accepted, latching), rtp-payload-types.ts (what each payload
 * type means), rtp-playout.ts (the media timeline from the reorder buffer to frames and DTMF: loss
 * concealment, its cap, hold), rtp-stream-stats.ts (counters and the stats snapshot).
 *
 * Hot path budget: a few µs per packet. Nothing here allocates per packet; decoders write into the
 * framer's accumulator; one Int16Array view and one PcmFrame are allocated per emitted 20 ms frame
 * (listeners own them) — and only while a frame listener exists: otherwise nothing is decoded.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.js';
import type { DtmfSink } from './dtmf-detector.js';
import { JitterEstimator } from './jitter.js';
import type { FrameSink } from './pcm-framer.js';
import { RtpSlot, type ReorderBuffer } from './reorder-buffer.js';
import { countSenderReports } from './rtcp.js';
import { emptyRtpHeader, readRtpHeader } from './rtp-packet.js';
import { KIND_AUDIO, KIND_DTMF, KIND_NONE, PayloadTypeTable, type AudioBinding } from './rtp-payload-types.js';
import { RtpPlayout } from './rtp-playout.js';
import { RtpSourceFilter } from './rtp-source-filter.js';
import { RtpStreamCounters } from './rtp-stream-stats.js';
import { SrtpSession } from './srtp.js';
import type { DtmfEvent, PcmFrame, StreamConfig, StreamStats } from './types.js';
import { notifyAll } from './notify.js';

export interface RtpStreamOptions {
  /** Media time a missing packet is waited for before it is declared lost (default 60 ms). */
  reorderMs?: number;
  /** Most silence inserted for one hole in the timeline (default 2000 ms). */
  maxConcealMs?: number;
  /** An event with no end packet is reported after this much quiet (default 1000 ms). */
  dtmfIdleMs?: number;
  logger?: Logger;
}

/** Before the first offer/answer: take the static audio types from whoever sends first. */
const DEFAULT_CONFIG: StreamConfig = { codecs: [], source: 'latch', rtcpMux: false, held: false };

export class RtpStream implements FrameSink, DtmfSink {
  private readonly payloadTypes = new PayloadTypeTable();
  /** The payload-type table's own arrays: one typed-array read per packet. */
  private readonly kinds = this.payloadTypes.kinds;
  private readonly bindings: readonly (AudioBinding | undefined)[] = this.payloadTypes.bindings;
  private srtp: SrtpSession | undefined;
  private srtpKey: string | undefined;
  /** The configured key was unusable: every packet is dropped as unauthenticated. */
  private srtpBroken = false;

  private readonly header = emptyRtpHeader();
  private readonly scratch = new RtpSlot();
  private readonly sources: RtpSourceFilter;
  private readonly counters = new RtpStreamCounters();
  private readonly playout: RtpPlayout;
  /** The playout's reorder buffer, held here too: every packet is pushed into it. */
  private readonly reorder: ReorderBuffer;
  private readonly jitter = new JitterEstimator();
  private frameListeners: ((frame: PcmFrame) => void)[] = [];
  private dtmfListeners: ((event: DtmfEvent) => void)[] = [];
  private readonly onListenerError = (err: unknown): void => this.listenerFailed(err);

  private readonly log: Logger | undefined;

  private ssrc: number | undefined;
  private previousSsrc: number | undefined;
  private listenerErrors = 0;
  private closed = false;

  constructor(opts: RtpStreamOptions = {}) {
    this.log = opts.logger;
    this.sources = new RtpSourceFilter(this.log);
    this.playout = new RtpPlayout(this, this.payloadTypes, this.counters, {
      reorderMs: opts.reorderMs ?? 60,
      maxConcealMs: opts.maxConcealMs ?? 2000,
      dtmfIdleMs: opts.dtmfIdleMs ?? 1000,
    });
    this.reorder = this.playout.reorder;
    this.configure(DEFAULT_CONFIG);
  }

  configure(config: StreamConfig): void {
    this.payloadTypes.rebuild(config.codecs);

    const key = config.srtp ? `${config.srtp.suite}\n${config.srtp.keySalt}` : undefined;
    if (key !== this.srtpKey) {
      this.srtpKey = key;
      this.srtp = undefined;
      this.srtpBroken = false;
      if (config.srtp) {
        const session = SrtpSession.fromKeying(config.srtp.suite, config.srtp.keySalt);
        if (session instanceof Error) {
          // Never log the key; the reason code says enough.
          this.log?.error({ code: session.code, reason: session.reason }, 'unusable SRTP keying: dropping media');
          this.srtpBroken = true;
        } else {
          this.srtp = session;
        }
      }
    }

    this.sources.setSource(config.source);
    this.playout.setHeld(config.held);
  }

  /** Frames are built (and audio decoded) only while someone listens; stats are the same either way. */
  onFrame(listener: (frame: PcmFrame) => void): () => void {
    this.frameListeners = [...this.frameListeners, listener];
    this.playout.framer.setBuilding(true);
    return () => {
      this.frameListeners = this.frameListeners.filter((l) => l !== listener);
      this.playout.framer.setBuilding(this.frameListeners.length > 0);
    };
  }

  onDtmf(listener: (event: DtmfEvent) => void): () => void {
    this.dtmfListeners = [...this.dtmfListeners, listener];
    return () => {
      this.dtmfListeners = this.dtmfListeners.filter((l) => l !== listener);
    };
  }

  /**
   * One datagram from the RTP port. `buf` becomes the stream's: SRTP decrypts it in place and the
   * reorder buffer may hold it. `arrivalMs` is monotonic (performance.now()).
   */
  receive(buf: Buffer, address: string, port: number, arrivalMs: number = performance.now()): void {
    if (this.closed) return;
    const c = this.counters;
    if (!this.sources.acceptRtp(address, port)) {
      c.wrongSource++;
      return;
    }
    let length = buf.length;
    if (length < 12 || buf[0]! >> 6 !== 2) {
      c.malformed++;
      return;
    }
    const b1 = buf[1]!;
    if (b1 >= 192 && b1 <= 223) {
      // RFC 5761 §4: RTCP multiplexed on the RTP port (accepted whether or not rtcp-mux was agreed).
      this.rtcpBody(buf, length);
      return;
    }
    if (this.srtp !== undefined) {
      length = this.srtp.unprotectRtp(buf, length);
      if (length < 0) {
        c.srtpFailure(length);
        return;
      }
    } else if (this.srtpBroken) {
      c.srtpAuthFailures++;
      return;
    }
    const h = this.header;
    if (readRtpHeader(buf, length, h) !== undefined) {
      c.malformed++;
      return;
    }
    const pt = h.payloadType;
    const kind = this.kinds[pt]!;
    if (kind === KIND_NONE) {
      c.malformed++;
      return;
    }
    if (h.ssrc !== this.ssrc && !this.switchSsrc(h.ssrc)) return;

    c.packets++;
    c.bytes += buf.length;
    this.playout.lastArrival = arrivalMs;
    c.lastPacketMono = arrivalMs;
    if (kind !== KIND_DTMF) {
      // A.8 over audio and CN only: telephone-event packets repeat one timestamp by design.
      const clock = kind === KIND_AUDIO ? this.bindings[pt]!.clockRate : this.playout.clockRate;
      this.jitter.update((arrivalMs * clock) / 1000, h.timestamp);
    }

    const s = this.scratch;
    s.buf = buf;
    s.payloadOffset = h.payloadOffset;
    s.payloadEnd = h.payloadEnd;
    s.timestamp = h.timestamp;
    s.payloadType = pt;
    s.marker = h.marker;
    this.reorder.push(h.sequence, s);
    s.buf = EMPTY;
  }

  /** One datagram from the RTCP port (port + 1); only its address is checked (RFC 3605), so `_port` is unused. */
  receiveRtcp(buf: Buffer, address: string, _port: number): void {
    if (this.closed) return;
    if (!this.sources.acceptRtcp(address)) {
      this.counters.wrongSource++;
      return;
    }
    if (buf.length < 8 || buf[0]! >> 6 !== 2) {
      this.counters.malformed++;
      return;
    }
    this.rtcpBody(buf, buf.length);
  }

  /** Periodic housekeeping (the pool calls it for all endpoints from one timer). */
  tick(nowMs: number = performance.now()): void {
    this.playout.tick(nowMs);
  }

  stats(): StreamStats {
    const p = this.playout;
    return this.counters.snapshot(this.reorder, this.jitter, p.clockRate, p.framer.frames, this.ssrc);
  }

  /** Plays out what is queued and reports a pending DTMF event; listeners are dropped. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.playout.flush();
    this.closed = true;
    this.frameListeners = [];
    this.dtmfListeners = [];
  }

  // FrameSink / DtmfSink (the playout's framer and DTMF detector report here)

  frame(frame: PcmFrame): void {
    notifyAll(this.frameListeners, frame, this.onListenerError);
  }

  dtmf(event: DtmfEvent): void {
    notifyAll(this.dtmfListeners, event, this.onListenerError);
  }

  private switchSsrc(ssrc: number): boolean {
    if (this.ssrc === undefined) {
      this.ssrc = ssrc;
      return true;
    }
    if (ssrc === this.previousSsrc) {
      // A straggler of the source we switched away from: its slot is gone.
      this.counters.extraLate++;
      return false;
    }
    // RFC 3550 §8.2 / SIPREC SRCs switch SSRC on transfer or re-anchoring: play out the old source,
    // then continue the timeline with the new one.
    this.playout.newSource();
    this.jitter.restart();
    this.previousSsrc = this.ssrc;
    this.ssrc = ssrc;
    this.counters.ssrcChanges++;
    this.log?.debug({ ssrcChanges: this.counters.ssrcChanges }, 'rtp source changed ssrc');
    return true;
  }

  private rtcpBody(buf: Buffer, length: number): void {
    if (this.srtp !== undefined) {
      length = this.srtp.unprotectRtcp(buf, length);
      if (length < 0) {
        this.counters.srtpFailure(length);
        return;
      }
    } else if (this.srtpBroken) {
      this.counters.srtpAuthFailures++;
      return;
    }
    const n = countSenderReports(buf, length);
    if (typeof n === 'number') this.counters.senderReports += n;
    else this.counters.malformed++;
  }

  private listenerFailed(err: unknown): void {
    // Log the first few only: a listener that throws on every frame must not flood the log.
    if (++this.listenerErrors <= 3) this.log?.error({ err }, 'media listener threw');
  }
}

const EMPTY = Buffer.alloc(0);
