/**
 * One received RTP stream, without sockets: source check → RTCP demux (RFC 5761 §4) → SRTP
 * unprotect (RFC 3711) → header parse (RFC 3550 §5.1) → payload type → reorder buffer → decode →
 * 20 ms frames; telephone-events (RFC 4733) become DtmfEvents, CN (RFC 3389) becomes silence.
 *
 * The media timeline is kept by RTP timestamps, not by arrival: every hole between the end of the
 * last played packet and the next one is filled with silence (marked `concealed`), so a downstream
 * recognizer sees audio whose length matches the sender's clock. Two exceptions, both deliberate:
 *  - a hole longer than `maxConcealMs` (default 2 s) is filled with only `maxConcealMs` of silence.
 *    Such holes are silence suppression (VAD/CN), a muted or stalled sender, or a timestamp jump, not
 *    packet loss; minutes of zeros would cost recognizer time and memory and say nothing. Holes up
 *    to the cap (ordinary pauses, loss bursts) keep the timeline exact.
 *  - an SSRC change, an A.1 sequence restart, or leaving hold starts a new continuation: the next
 *    packet plays right after the last one, with no fill for the time in between.
 * While held, holes are not filled at all.
 *
 * Hot path budget: a few µs per packet. Nothing here allocates per packet except the subarray view
 * handed to the decoder; decoders write into the framer's accumulator; one Int16Array and one
 * PcmFrame are allocated per emitted 20 ms frame (listeners own them).
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.js';
import { codecByName, codecByStaticPayloadType } from './codecs/index.js';
import type { AudioCodec, AudioDecoder } from './codecs/types.js';
import { DtmfDetector, type DtmfSink } from './dtmf-detector.js';
import { JitterEstimator } from './jitter.js';
import { PcmFramer, type FrameSink } from './pcm-framer.js';
import { ReorderBuffer, RtpSlot, type ReorderSink } from './reorder-buffer.js';
import { countSenderReports } from './rtcp.js';
import { emptyRtpHeader, readRtpHeader } from './rtp-packet.js';
import { SRTP_ERR_AUTH, SRTP_ERR_OLD, SRTP_ERR_REPLAY, SrtpSession } from './srtp.js';
import type { DtmfEvent, PcmFrame, StreamConfig, StreamStats } from './types.js';

export interface RtpStreamOptions {
  /** Media time a missing packet is waited for before it is declared lost (default 60 ms). */
  reorderMs?: number;
  /** Most silence inserted for one hole in the timeline (default 2000 ms). */
  maxConcealMs?: number;
  /** An event with no end packet is reported after this much quiet (default 1000 ms). */
  dtmfIdleMs?: number;
  logger?: Logger;
}

const KIND_NONE = 0;
const KIND_AUDIO = 1;
const KIND_DTMF = 2;
const KIND_CN = 3;

/** RFC 3551 Table 4: static payload type of comfort noise. */
const STATIC_CN = 13;

interface AudioBinding {
  codec: AudioCodec;
  decoder: AudioDecoder;
  /** "PCMU/8000" for stats. */
  label: string;
  clockRate: number;
  /** PCM samples per RTP timestamp unit (2 for G.722, RFC 3551 §4.5.2). */
  ratio: number;
}

/** Before the first offer/answer: take the static audio types from whoever sends first. */
const DEFAULT_CONFIG: StreamConfig = { codecs: [], source: 'latch', rtcpMux: false, held: false };

export class RtpStream implements ReorderSink, FrameSink, DtmfSink {
  private config: StreamConfig = DEFAULT_CONFIG;
  private readonly kinds = new Uint8Array(128);
  private readonly bindings: (AudioBinding | undefined)[] = new Array<AudioBinding | undefined>(128).fill(undefined);
  private teClockRate = 8000;
  private srtp: SrtpSession | undefined;
  private srtpKey: string | undefined;
  /** The configured key was unusable: every packet is dropped as unauthenticated. */
  private srtpBroken = false;
  private latched: { address: string; port: number } | undefined;

  private readonly header = emptyRtpHeader();
  private readonly scratch = new RtpSlot();
  private readonly reorder: ReorderBuffer;
  private readonly framer: PcmFramer;
  private readonly dtmfDetector: DtmfDetector;
  private readonly jitter = new JitterEstimator();
  private frameListeners: ((frame: PcmFrame) => void)[] = [];
  private dtmfListeners: ((event: DtmfEvent) => void)[] = [];

  private readonly reorderMs: number;
  private readonly maxConcealMs: number;
  private readonly dtmfIdleMs: number;
  private readonly log: Logger | undefined;

  /** RTP timestamp right after the last played audio, when `playoutValid`. */
  private playoutTs = 0;
  private playoutValid = false;
  /** Clock and PCM ratio of the audio codec last played (defaults: 8 kHz G.711). */
  private clockRate = 8000;
  private ratio = 1;
  private capTicks: number;

  private packets = 0;
  private bytes = 0;
  private wrongSource = 0;
  private srtpAuthFailures = 0;
  private malformed = 0;
  private senderReports = 0;
  private ssrcChanges = 0;
  /** Late and duplicate packets caught before the reorder buffer (old SSRC, SRTP replay window). */
  private extraLate = 0;
  private extraDuplicates = 0;
  private ssrc: number | undefined;
  private previousSsrc: number | undefined;
  private codecLabel: string | undefined;
  private lastArrival = -Infinity;
  private lastPacketWall: number | undefined;
  private listenerErrors = 0;
  private closed = false;

  constructor(opts: RtpStreamOptions = {}) {
    this.reorderMs = opts.reorderMs ?? 60;
    this.maxConcealMs = opts.maxConcealMs ?? 2000;
    this.dtmfIdleMs = opts.dtmfIdleMs ?? 1000;
    this.log = opts.logger;
    this.capTicks = (this.maxConcealMs * this.clockRate) / 1000;
    this.reorder = new ReorderBuffer(this, { depthTicks: (this.reorderMs * this.clockRate) / 1000 });
    this.framer = new PcmFramer(this);
    this.dtmfDetector = new DtmfDetector(this);
    this.rebuildPayloadTypes();
  }

  configure(config: StreamConfig): void {
    const prev = this.config;
    this.config = config;
    this.rebuildPayloadTypes();

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

    if (config.source === 'latch' && prev.source !== 'latch') this.latched = undefined;

    if (config.held !== prev.held) {
      // Hold and resume are not loss: play what is queued, and do not fill the time in between.
      this.reorder.flush();
      this.playoutValid = false;
    }
  }

  onFrame(listener: (frame: PcmFrame) => void): () => void {
    this.frameListeners = [...this.frameListeners, listener];
    return () => {
      this.frameListeners = this.frameListeners.filter((l) => l !== listener);
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
    if (!this.acceptSource(address, port)) {
      this.wrongSource++;
      return;
    }
    let length = buf.length;
    if (length < 12 || buf[0]! >> 6 !== 2) {
      this.malformed++;
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
        this.srtpFailure(length);
        return;
      }
    } else if (this.srtpBroken) {
      this.srtpAuthFailures++;
      return;
    }
    const h = this.header;
    if (readRtpHeader(buf, length, h) !== undefined) {
      this.malformed++;
      return;
    }
    const pt = h.payloadType;
    const kind = this.kinds[pt]!;
    if (kind === KIND_NONE) {
      this.malformed++;
      return;
    }
    if (h.ssrc !== this.ssrc && !this.switchSsrc(h.ssrc)) return;

    this.packets++;
    this.bytes += buf.length;
    this.lastArrival = arrivalMs;
    this.lastPacketWall = performance.timeOrigin + arrivalMs;
    if (kind !== KIND_DTMF) {
      // A.8 over audio and CN only: telephone-event packets repeat one timestamp by design.
      const clock = kind === KIND_AUDIO ? this.bindings[pt]!.clockRate : this.clockRate;
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

  /**
   * One datagram from the RTCP port (port + 1). RTCP comes from the sender's RTCP port, which the
   * offer does not always say (RFC 3605): only the address is checked, so `_port` is unused.
   */
  receiveRtcp(buf: Buffer, address: string, _port: number): void {
    if (this.closed) return;
    const expected = this.config.source === 'latch' ? this.latched : this.config.source;
    if (expected !== undefined && !sameAddress(expected.address, address) && !isUnspecified(expected)) {
      this.wrongSource++;
      return;
    }
    if (buf.length < 8 || buf[0]! >> 6 !== 2) {
      this.malformed++;
      return;
    }
    this.rtcpBody(buf, buf.length);
  }

  /** Periodic housekeeping (the pool calls it for all endpoints from one timer). */
  tick(nowMs: number = performance.now()): void {
    // A stream that went quiet with a hole in its queue would otherwise hold the rest until the
    // next packet: release it once the queue has waited as long as it would have for a packet.
    if (this.reorder.pending > 0 && nowMs - this.lastArrival > this.reorderMs) this.reorder.flush();
    if (this.dtmfDetector.pending && nowMs - this.dtmfDetector.lastPacketAt > this.dtmfIdleMs) {
      this.dtmfDetector.flush();
    }
  }

  stats(): StreamStats {
    const r = this.reorder;
    const stats: StreamStats = {
      packets: this.packets,
      bytes: this.bytes,
      lost: r.lost,
      late: r.late + this.extraLate,
      duplicates: r.duplicates + this.extraDuplicates,
      reordered: r.reordered,
      jitterMs: Math.round(((this.jitter.jitter * 1000) / this.clockRate) * 100) / 100,
      ssrcChanges: this.ssrcChanges,
      audioSeconds: Math.round(this.framer.frames * 20) / 1000,
      wrongSource: this.wrongSource,
      srtpAuthFailures: this.srtpAuthFailures,
      malformed: this.malformed,
      senderReports: this.senderReports,
    };
    if (this.codecLabel !== undefined) stats.codec = this.codecLabel;
    if (this.ssrc !== undefined) stats.ssrc = this.ssrc;
    if (this.lastPacketWall !== undefined) stats.lastPacketAt = Math.round(this.lastPacketWall);
    return stats;
  }

  /** Plays out what is queued and reports a pending DTMF event; listeners are dropped. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.reorder.flush();
    this.dtmfDetector.flush();
    this.closed = true;
    this.frameListeners = [];
    this.dtmfListeners = [];
  }

  // ReorderSink

  play(slot: RtpSlot): void {
    const pt = slot.payloadType;
    const kind = this.kinds[pt];
    if (kind === KIND_AUDIO) this.playAudio(slot, this.bindings[pt]!);
    else if (kind === KIND_DTMF) this.playDtmf(slot);
    else if (kind === KIND_CN) this.playComfortNoise(slot);
    // else: the payload type was unbound by a re-offer while the packet waited.
  }

  discontinuity(): void {
    this.playoutValid = false;
  }

  // FrameSink / DtmfSink

  frame(frame: PcmFrame): void {
    const listeners = this.frameListeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(frame);
      } catch (err) {
        this.listenerFailed(err);
      }
    }
  }

  dtmf(event: DtmfEvent): void {
    for (const l of this.dtmfListeners) {
      try {
        l(event);
      } catch (err) {
        this.listenerFailed(err);
      }
    }
  }

  private playAudio(slot: RtpSlot, b: AudioBinding): void {
    const framer = this.framer;
    if (b.codec.sampleRate !== framer.sampleRate) framer.setRate(b.codec.sampleRate);
    if (b.clockRate !== this.clockRate || b.ratio !== this.ratio) this.useClock(b.clockRate, b.ratio);
    const ts = slot.timestamp;
    let skip = 0;
    if (this.playoutValid) {
      const delta = (ts - this.playoutTs) | 0;
      const cap = this.capTicks;
      if (delta > 0) {
        if (!this.config.held) framer.conceal((delta > cap ? cap : delta) * b.ratio);
      } else if (delta < 0 && delta >= -cap) {
        // Overlaps media already played (a sender that re-sent with a shifted timestamp): drop the
        // overlap. A bigger backwards jump is a sender clock reset: just continue from here.
        skip = -delta * b.ratio;
      }
    }
    const len = slot.payloadEnd - slot.payloadOffset;
    const decoder = b.decoder;
    const offset = framer.reserve(decoder.samplesFor(len));
    const written = decoder.decodeInto(slot.buf, framer.acc, offset, slot.payloadOffset, slot.payloadEnd);
    if (skip >= written) return;
    framer.commit(written, skip);
    this.playoutTs = (ts + written / b.ratio) >>> 0;
    this.playoutValid = true;
    this.codecLabel = b.label;
  }

  private playComfortNoise(slot: RtpSlot): void {
    // RFC 3389: CN marks the start of a silence period at its timestamp. Fill up to it (capped);
    // the silence after it is filled when speech resumes, by the same rule.
    const ts = slot.timestamp;
    if (this.playoutValid) {
      const delta = (ts - this.playoutTs) | 0;
      if (delta <= 0) return;
      if (!this.config.held) this.framer.conceal((delta > this.capTicks ? this.capTicks : delta) * this.ratio);
    }
    this.playoutTs = ts;
    this.playoutValid = true;
  }

  private playDtmf(slot: RtpSlot): void {
    const ts = slot.timestamp;
    let at = this.framer.positionMs();
    if (this.playoutValid) {
      // The event's start, placed on the media timeline by its RTP timestamp (§2.3.5).
      const offsetMs = ((((ts - this.playoutTs) | 0) * 1000) / this.clockRate) | 0;
      if (offsetMs > -this.maxConcealMs && offsetMs < this.maxConcealMs) at = Math.max(0, at + offsetMs);
    }
    const payload = slot.buf.subarray(slot.payloadOffset, slot.payloadEnd);
    if (!this.dtmfDetector.packet(ts, payload, this.teClockRate, at, this.lastArrival)) this.malformed++;
  }

  private useClock(clockRate: number, ratio: number): void {
    this.clockRate = clockRate;
    this.ratio = ratio;
    this.capTicks = (this.maxConcealMs * clockRate) / 1000;
    this.reorder.depthTicks = (this.reorderMs * clockRate) / 1000;
  }

  private switchSsrc(ssrc: number): boolean {
    if (this.ssrc === undefined) {
      this.ssrc = ssrc;
      return true;
    }
    if (ssrc === this.previousSsrc) {
      // A straggler of the source we switched away from: its slot is gone.
      this.extraLate++;
      return false;
    }
    // RFC 3550 §8.2 / SIPREC SRCs switch SSRC on transfer or re-anchoring: play out the old source,
    // then continue the timeline with the new one.
    this.reorder.flush();
    this.reorder.reset();
    this.dtmfDetector.reset();
    this.jitter.restart();
    this.playoutValid = false;
    this.previousSsrc = this.ssrc;
    this.ssrc = ssrc;
    this.ssrcChanges++;
    this.log?.debug({ ssrcChanges: this.ssrcChanges }, 'rtp source changed ssrc');
    return true;
  }

  private acceptSource(address: string, port: number): boolean {
    const src = this.config.source;
    if (src === 'latch') {
      const l = this.latched;
      if (l === undefined) {
        this.latched = { address, port };
        this.log?.debug({ port }, 'rtp source latched');
        return true;
      }
      return l.port === port && (l.address === address || sameAddress(l.address, address));
    }
    if (src.port === port && (src.address === address || sameAddress(src.address, address))) return true;
    return isUnspecified(src);
  }

  private rtcpBody(buf: Buffer, length: number): void {
    if (this.srtp !== undefined) {
      length = this.srtp.unprotectRtcp(buf, length);
      if (length < 0) {
        this.srtpFailure(length);
        return;
      }
    } else if (this.srtpBroken) {
      this.srtpAuthFailures++;
      return;
    }
    const n = countSenderReports(buf, length);
    if (typeof n === 'number') this.senderReports += n;
    else this.malformed++;
  }

  private srtpFailure(code: number): void {
    if (code === SRTP_ERR_REPLAY) this.extraDuplicates++;
    else if (code === SRTP_ERR_OLD) this.extraLate++;
    else if (code === SRTP_ERR_AUTH) this.srtpAuthFailures++;
    else this.malformed++;
  }

  private rebuildPayloadTypes(): void {
    const old = this.bindings.slice();
    this.kinds.fill(KIND_NONE);
    this.bindings.fill(undefined);
    for (const c of this.config.codecs) {
      if (c.payloadType < 0 || c.payloadType > 127) continue;
      const name = c.name.toUpperCase();
      if (name === 'TELEPHONE-EVENT') {
        this.kinds[c.payloadType] = KIND_DTMF;
        this.teClockRate = c.clockRate || 8000;
      } else if (name === 'CN') {
        this.kinds[c.payloadType] = KIND_CN;
      } else {
        const codec = codecByName(name);
        if (codec) this.bind(c.payloadType, codec, old[c.payloadType]);
      }
    }
    // Real SBCs send static types they did not map (RFC 3551 §6): accept them unless remapped.
    for (const pt of [0, 8, 9]) {
      if (this.kinds[pt] === KIND_NONE) this.bind(pt, codecByStaticPayloadType(pt)!, old[pt]);
    }
    if (this.kinds[STATIC_CN] === KIND_NONE) this.kinds[STATIC_CN] = KIND_CN;
  }

  private bind(pt: number, codec: AudioCodec, previous: AudioBinding | undefined): void {
    this.kinds[pt] = KIND_AUDIO;
    // Keep a stateful decoder (G.722) across a re-offer that keeps the codec.
    const decoder = previous?.codec === codec ? previous.decoder : codec.createDecoder();
    this.bindings[pt] = {
      codec,
      decoder,
      label: `${codec.name}/${codec.clockRate}`,
      clockRate: codec.clockRate,
      ratio: codec.sampleRate / codec.clockRate,
    };
  }

  private listenerFailed(err: unknown): void {
    // Log the first few only: a listener that throws on every frame must not flood the log.
    if (++this.listenerErrors <= 3) this.log?.error({ err }, 'media listener threw');
  }
}

const EMPTY = Buffer.alloc(0);

/** '::ffff:192.0.2.1' (a dual-stack socket) is '192.0.2.1'. */
function sameAddress(a: string, b: string): boolean {
  return stripMapped(a) === stripMapped(b);
}

function stripMapped(a: string): string {
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/** c=IN IP4 0.0.0.0 or port 0 (old-style hold, RFC 3264 §8.4): the source is unknown, accept any. */
function isUnspecified(src: { address: string; port: number }): boolean {
  return src.port === 0 || src.address === '0.0.0.0' || src.address === '::';
}
