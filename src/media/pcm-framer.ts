/**
 * Re-frames decoded PCM into exact 20 ms frames (160 samples at 8 kHz, 320 at 16 kHz) whatever the
 * sender's ptime (RFC 3551 §4.5: 10–40 ms are common), and inserts concealment silence.
 *
 * Decoders write straight into a slab (`reserve` / `commit`) that holds ~1 s of consecutive frames;
 * a completed frame is handed out as a view of its slab region, which is never written again. So a
 * frame costs one small view object and no copy, and listeners may keep frames as long as they like
 * (a kept frame keeps its slab alive). When the slab is full, the partial frame moves to a new one.
 *
 * While nobody listens (no recognizer on the stream: most streams) the framer only counts: the
 * timeline, `frames` and concealment advance exactly as if frames were built, but no slab is
 * allocated, nothing is decoded into it and no frame object is made (`building` false).
 */
import type { PcmFrame } from './types.js';

export const FRAME_MS = 20;
/** Frames per slab: 50 × 320 B = 16 KiB at 8 kHz. */
const SLAB_FRAMES = 50;
const NO_SAMPLES = new Int16Array(0);
/** Room past the partial frame for a whole packet to be decoded in place (MTU of G.722 ≈ 2,920). */
const HEADROOM = 4096;

export interface FrameSink {
  frame(frame: PcmFrame): void;
}

export class PcmFramer {
  sampleRate: 8000 | 16000;
  frameSize: number;
  /** Current slab: [base, base + fill) is the frame in progress; decoders write at base + fill. */
  acc: Int16Array;
  private base = 0;
  private fill = 0;
  private concealedInFrame = false;
  /** Frames emitted so far; frame timestamps are `frames × 20 ms`, so the timeline has no gaps. */
  frames = 0;
  /** Concealment samples produced. */
  concealedSamples = 0;
  /** False: count frames only (no listener); the playout then does not decode either. */
  building = false;

  constructor(
    private readonly sink: FrameSink,
    sampleRate: 8000 | 16000 = 8000,
  ) {
    this.sampleRate = sampleRate;
    this.frameSize = (sampleRate * FRAME_MS) / 1000;
    // The slab comes with the first audio: a stream that never carries any (held, rejected, a
    // call that ends at once) costs no 24 KB allocation, which matters at hundreds of setups/s.
    this.acc = NO_SAMPLES;
  }

  /** Media time of the next sample, ms since the stream's first packet. */
  positionMs(): number {
    return this.frames * FRAME_MS + (this.fill * 1000) / this.sampleRate;
  }

  /** A codec with another sample rate took over: finish the partial frame with silence, resize. */
  setRate(rate: 8000 | 16000): void {
    if (rate === this.sampleRate) return;
    this.padFrame();
    this.sampleRate = rate;
    this.frameSize = (rate * FRAME_MS) / 1000;
    this.acc = NO_SAMPLES;
    this.base = 0;
  }

  /**
   * Starts or stops building frames. Either way the slab is let go: a partial frame begun while
   * counting starts as silence in the new slab (at most 20 ms, only when a listener attaches).
   */
  setBuilding(on: boolean): void {
    if (on === this.building) return;
    this.building = on;
    this.acc = NO_SAMPLES;
    this.base = 0;
  }

  /** Counting mode: `n` samples were (virtually) decoded, the first `skip` of them overlapping. */
  count(n: number, skip: number): void {
    if (skip >= n) return;
    this.fill += n - skip;
    if (this.fill >= this.frameSize) this.countFull();
  }

  /** Index in `acc` where `n` samples may be written. */
  reserve(n: number): number {
    if (this.base + this.fill + n > this.acc.length) {
      const slab = this.newSlab(this.fill + n);
      slab.set(this.acc.subarray(this.base, this.base + this.fill));
      this.acc = slab;
      this.base = 0;
    }
    return this.base + this.fill;
  }

  /** `n` samples were decoded at `reserve()`'s index; the first `skip` of them overlap and are dropped. */
  commit(n: number, skip: number): void {
    if (skip > 0) {
      if (skip >= n) return;
      const at = this.base + this.fill;
      this.acc.copyWithin(at, at + skip, at + n);
      n -= skip;
    }
    this.fill += n;
    if (this.fill >= this.frameSize) this.emitFull();
  }

  /** Appends `n` samples of silence standing in for missing audio. */
  conceal(n: number): void {
    this.concealedSamples += n;
    if (!this.building) {
      if (n <= 0) return;
      this.fill += n;
      this.concealedInFrame = true;
      if (this.fill >= this.frameSize) this.countFull();
      return;
    }
    while (n > 0) {
      const room = this.frameSize - this.fill;
      const k = n < room ? n : room;
      const at = this.reserve(k);
      this.acc.fill(0, at, at + k);
      this.fill += k;
      n -= k;
      this.concealedInFrame = true;
      if (this.fill === this.frameSize) this.emitFull();
    }
  }

  /** Completes a partial frame with silence (codec rate change). */
  padFrame(): void {
    if (this.fill > 0) this.conceal(this.frameSize - this.fill);
  }

  private newSlab(minimum: number): Int16Array {
    return new Int16Array(Math.max(this.frameSize * SLAB_FRAMES, minimum + this.frameSize) + HEADROOM);
  }

  private countFull(): void {
    const k = Math.floor(this.fill / this.frameSize);
    this.frames += k;
    this.fill -= k * this.frameSize;
    this.concealedInFrame = false;
  }

  private emitFull(): void {
    const size = this.frameSize;
    while (this.fill >= size) {
      const frame: PcmFrame = {
        samples: this.acc.subarray(this.base, this.base + size),
        sampleRate: this.sampleRate,
        timestamp: this.frames * FRAME_MS,
        concealed: this.concealedInFrame,
      };
      this.frames++;
      this.concealedInFrame = false;
      this.base += size;
      this.fill -= size;
      this.sink.frame(frame);
    }
  }
}
