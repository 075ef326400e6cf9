/**
 * One stream's media timeline: the reorder buffer hands packets here in sequence order; audio is
 * decoded into 20 ms frames, CN (RFC 3389) and holes become silence, telephone-events (RFC 4733)
 * are placed on the timeline and become DtmfEvents.
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
 * On the hot path (once per played packet): decoders write into the framer's accumulator; nothing
 * is allocated here but the subarray view of a telephone-event payload. With no frame listener
 * stateless codecs are not decoded at all (the framer only counts).
 */
import { DtmfDetector, type DtmfSink } from './dtmf-detector.js';
import { PcmFramer, type FrameSink } from './pcm-framer.js';
import { ReorderBuffer, type RtpSlot, type ReorderSink } from './reorder-buffer.js';
import { KIND_AUDIO, KIND_CN, KIND_DTMF, type AudioBinding, type PayloadTypeTable } from './rtp-payload-types.js';
import type { RtpStreamCounters } from './rtp-stream-stats.js';

/** Where a stateful decoder writes while nobody listens (shared: one thread, read by no one). */
const SCRATCH = new Int16Array(8192);

export interface RtpPlayoutOptions {
  reorderMs: number;
  maxConcealMs: number;
  dtmfIdleMs: number;
}

export class RtpPlayout implements ReorderSink {
  readonly reorder: ReorderBuffer;
  readonly framer: PcmFramer;
  private readonly dtmfDetector: DtmfDetector;
  /** The payload-type table's own arrays: one typed-array read per packet. */
  private readonly kinds: Uint8Array;
  private readonly bindings: readonly (AudioBinding | undefined)[];
  /** Monotonic ms of the last accepted packet (the stream sets it). */
  lastArrival = -Infinity;
  private held = false;

  /** RTP timestamp right after the last played audio, when `playoutValid`. */
  private playoutTs = 0;
  private playoutValid = false;
  /** Clock and PCM ratio of the audio codec last played (defaults: 8 kHz G.711). */
  clockRate = 8000;
  private ratio = 1;
  private capTicks: number;

  private readonly reorderMs: number;
  private readonly maxConcealMs: number;
  private readonly dtmfIdleMs: number;

  constructor(
    sink: FrameSink & DtmfSink,
    private readonly payloadTypes: PayloadTypeTable,
    private readonly counters: RtpStreamCounters,
    opts: RtpPlayoutOptions,
  ) {
    this.kinds = payloadTypes.kinds;
    this.bindings = payloadTypes.bindings;
    this.reorderMs = opts.reorderMs;
    this.maxConcealMs = opts.maxConcealMs;
    this.dtmfIdleMs = opts.dtmfIdleMs;
    this.capTicks = (this.maxConcealMs * this.clockRate) / 1000;
    this.reorder = new ReorderBuffer(this, { depthTicks: (this.reorderMs * this.clockRate) / 1000 });
    this.framer = new PcmFramer(sink);
    this.dtmfDetector = new DtmfDetector(sink);
  }

  /** Hold and resume are not loss: play what is queued, and do not fill the time in between. */
  setHeld(held: boolean): void {
    if (held === this.held) return;
    this.held = held;
    this.reorder.flush();
    this.playoutValid = false;
  }

  /** The sender switched SSRC: play out the old source, then continue the timeline with the new one. */
  newSource(): void {
    this.reorder.flush();
    this.reorder.reset();
    this.dtmfDetector.reset();
    this.playoutValid = false;
  }

  tick(nowMs: number): void {
    // A stream that went quiet with a hole in its queue would otherwise hold the rest until the
    // next packet: release it once the queue has waited as long as it would have for a packet.
    if (this.reorder.pending > 0 && nowMs - this.lastArrival > this.reorderMs) this.reorder.flush();
    if (this.dtmfDetector.pending && nowMs - this.dtmfDetector.lastPacketAt > this.dtmfIdleMs) {
      this.dtmfDetector.flush();
    }
  }

  /** Plays out what is queued and reports a pending DTMF event. */
  flush(): void {
    this.reorder.flush();
    this.dtmfDetector.flush();
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
        if (!this.held) framer.conceal((delta > cap ? cap : delta) * b.ratio);
      } else if (delta < 0 && delta >= -cap) {
        // Overlaps media already played (a sender that re-sent with a shifted timestamp): drop the
        // overlap. A bigger backwards jump is a sender clock reset: just continue from here.
        skip = -delta * b.ratio;
      }
    }
    const len = slot.payloadEnd - slot.payloadOffset;
    const decoder = b.decoder;
    let written: number;
    if (framer.building) {
      const offset = framer.reserve(decoder.samplesFor(len));
      written = decoder.decodeInto(slot.buf, framer.acc, offset, slot.payloadOffset, slot.payloadEnd);
      if (skip >= written) return;
      framer.commit(written, skip);
    } else {
      // Nobody listens: count the samples; only a stateful decoder (G.722) still runs, into scratch,
      // so its state is right when a listener attaches.
      written = decoder.samplesFor(len);
      if (b.codec.name === 'G722' && written <= SCRATCH.length) decoder.decodeInto(slot.buf, SCRATCH, 0, slot.payloadOffset, slot.payloadEnd);
      if (skip >= written) return;
      framer.count(written, skip);
    }
    this.playoutTs = (ts + written / b.ratio) >>> 0;
    this.playoutValid = true;
    this.counters.codecLabel = b.label;
  }

  private playComfortNoise(slot: RtpSlot): void {
    // RFC 3389: CN marks the start of a silence period at its timestamp. Fill up to it (capped);
    // the silence after it is filled when speech resumes, by the same rule.
    const ts = slot.timestamp;
    if (this.playoutValid) {
      const delta = (ts - this.playoutTs) | 0;
      if (delta <= 0) return;
      if (!this.held) this.framer.conceal((delta > this.capTicks ? this.capTicks : delta) * this.ratio);
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
    if (!this.dtmfDetector.packet(ts, payload, this.payloadTypes.teClockRate, at, this.lastArrival)) this.counters.malformed++;
  }

  private useClock(clockRate: number, ratio: number): void {
    this.clockRate = clockRate;
    this.ratio = ratio;
    this.capTicks = (this.maxConcealMs * clockRate) / 1000;
    this.reorder.depthTicks = (this.reorderMs * clockRate) / 1000;
  }
}
