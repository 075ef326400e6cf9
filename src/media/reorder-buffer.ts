/**
 * Puts RTP packets back in sequence order (RFC 3550 §5.1: sequence numbers are for exactly this)
 * and tells lost from late from duplicate. Paced by arrival only — no timers: a packet is released
 * as soon as everything before it was, and a missing packet is given up on once the packets queued
 * behind it span more than the configured depth of media time (default 60 ms: three 20 ms packets).
 * In-order packets are released at once, so the buffer adds latency only around a loss.
 *
 * Sequence numbers are extended to more than 16 bits (Appendix A.1) so the 65535 → 0 wrap is just
 * the next number, and jumps larger than MAX_DROPOUT ahead or MAX_MISORDER behind are treated as a
 * sender restart once two consecutive packets confirm them (the A.1 "bad_seq" probation).
 */

/** One queued packet. Slots are preallocated and reused; the sink must not keep a reference. */
export class RtpSlot {
  buf: Buffer = EMPTY;
  payloadOffset = 0;
  payloadEnd = 0;
  timestamp = 0;
  payloadType = 0;
  marker = false;
  /** Extended sequence number, -1 when the slot is empty. */
  ext = -1;

  copyFrom(o: RtpSlot): void {
    this.buf = o.buf;
    this.payloadOffset = o.payloadOffset;
    this.payloadEnd = o.payloadEnd;
    this.timestamp = o.timestamp;
    this.payloadType = o.payloadType;
    this.marker = o.marker;
    this.ext = o.ext;
  }

  clear(): void {
    this.buf = EMPTY;
    this.ext = -1;
  }
}

const EMPTY = Buffer.alloc(0);

export interface ReorderSink {
  /** Called in sequence order for each packet that made it in time. */
  play(slot: RtpSlot): void;
  /** The sequence restarted (A.1 resync): the next packet starts a new timeline continuation. */
  discontinuity(): void;
}

export interface ReorderOptions {
  /** Media time (RTP timestamp units) a missing packet is waited for. */
  depthTicks: number;
  /** Most packets held at once (power of two); a deeper reorder is released by force. */
  capacity?: number;
}

/** RFC 3550 A.1 constants (there: MAX_DROPOUT 3000, MAX_MISORDER 100). */
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
/**
 * How far back duplicates are told from late packets: anything further back than MAX_MISORDER is
 * taken for a sender restart before the history is asked, so a power of two above it is enough.
 */
const HISTORY = 128;

export class ReorderBuffer {
  /** Sequence numbers given up on (including those that later arrived late). */
  lost = 0;
  /** Packets that arrived after their slot was given up on, or too far behind to place. */
  late = 0;
  duplicates = 0;
  /** Packets that arrived after a later one and were still used. */
  reordered = 0;

  /**
   * Allocated when the first packet has to wait: a stream whose packets come in order (most) never
   * needs it, and 64 slots per stream add up over thousands of streams.
   */
  private ring: RtpSlot[] = [];
  private readonly capacity: number;
  private readonly mask: number;
  /** Extended sequence numbers played, by their low bits (Int32: 2^31 packets is over a year at 50/s). */
  private readonly played = new Int32Array(HISTORY).fill(-1);
  private count = 0;
  private nextExt = -1;
  private baseExt = -1;
  private highestExt = -1;
  private highestTs = 0;
  private lastPlayedTs = 0;
  private badSeq = -1;
  depthTicks: number;

  constructor(
    private readonly sink: ReorderSink,
    opts: ReorderOptions,
  ) {
    const capacity = opts.capacity ?? 64;
    if ((capacity & (capacity - 1)) !== 0) throw new RangeError('capacity must be a power of two');
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.depthTicks = opts.depthTicks;
  }

  /** Packets waiting for an earlier one. */
  get pending(): number {
    return this.count;
  }

  /** Offers a packet with 16-bit sequence number `seq`; `pkt` is copied if it has to wait. */
  push(seq: number, pkt: RtpSlot): void {
    if (this.nextExt < 0) {
      this.start(seq, pkt);
      pkt.ext = this.nextExt;
      this.release(pkt);
      return;
    }
    // Nearest extension of seq to the highest seen, modulo 2^16.
    const ud = (seq - this.highestExt) & 0xffff;
    const ext = ud < 0x8000 ? this.highestExt + ud : this.highestExt - (0x10000 - ud);

    if (ext - this.highestExt > MAX_DROPOUT || ext < this.nextExt - MAX_MISORDER) {
      // A.1: a big jump is believed only when the next packet follows it.
      if (seq === this.badSeq) {
        this.flush();
        this.reset();
        this.sink.discontinuity();
        this.start(seq, pkt);
        pkt.ext = this.nextExt;
        this.release(pkt);
      } else {
        this.badSeq = (seq + 1) & 0xffff;
        if (ext < this.nextExt) this.late++;
      }
      return;
    }
    this.badSeq = -1;

    if (ext < this.nextExt) {
      if (ext < this.baseExt) {
        // Belonged before the first packet we played: never counted, so it is lost and late now.
        this.lost++;
        this.late++;
      } else if (this.nextExt - ext <= HISTORY && this.played[ext & (HISTORY - 1)] === ext) {
        this.duplicates++;
      } else {
        this.late++;
      }
      return;
    }

    // Too far ahead for the ring: give up on the oldest missing packets.
    while (ext - this.nextExt > this.mask) {
      if (this.count === 0) {
        this.lost += ext - this.nextExt - this.mask;
        this.nextExt = ext - this.mask;
        break;
      }
      this.advance();
    }

    if (this.count > 0 && this.ring[ext & this.mask]!.ext === ext) {
      this.duplicates++;
      return;
    }
    if (ext < this.highestExt) this.reordered++;
    else this.highestExt = ext;
    if (((pkt.timestamp - this.highestTs) | 0) > 0) this.highestTs = pkt.timestamp;

    pkt.ext = ext;
    if (ext === this.nextExt) {
      this.release(pkt);
      this.drain();
    } else {
      if (this.ring.length === 0) this.ring = Array.from({ length: this.capacity }, () => new RtpSlot());
      this.ring[ext & this.mask]!.copyFrom(pkt);
      this.count++;
    }
    // Give up on a missing packet once the media queued behind it exceeds the depth.
    while (this.count > 0 && ((this.highestTs - this.lastPlayedTs) | 0) > this.depthTicks) this.advance();
  }

  /** Releases everything queued, in order, counting the holes as lost (idle stream, SSRC change, close). */
  flush(): void {
    while (this.count > 0) this.advance();
  }

  /** Forgets the sequence (after flush) so the next packet starts afresh. */
  reset(): void {
    for (const s of this.ring) s.clear();
    this.count = 0;
    this.nextExt = -1;
    this.baseExt = -1;
    this.highestExt = -1;
    this.badSeq = -1;
    this.played.fill(-1);
  }

  private start(seq: number, pkt: RtpSlot): void {
    // Offset by one cycle so a packet from just before the first one still extends to >= 0.
    this.nextExt = seq + 0x10000;
    this.baseExt = this.nextExt;
    this.highestExt = this.nextExt;
    this.highestTs = pkt.timestamp;
    this.lastPlayedTs = pkt.timestamp;
  }

  /** Plays or skips the slot at nextExt, then whatever follows contiguously. */
  private advance(): void {
    const slot = this.ring[this.nextExt & this.mask]!;
    if (slot.ext === this.nextExt) {
      this.count--;
      this.release(slot);
      slot.clear();
    } else {
      this.lost++;
      this.nextExt++;
    }
    this.drain();
  }

  private drain(): void {
    while (this.count > 0) {
      const slot = this.ring[this.nextExt & this.mask]!;
      if (slot.ext !== this.nextExt) return;
      this.count--;
      this.release(slot);
      slot.clear();
    }
  }

  private release(slot: RtpSlot): void {
    this.played[slot.ext & (HISTORY - 1)] = slot.ext;
    this.nextExt = slot.ext + 1;
    this.lastPlayedTs = slot.timestamp;
    this.sink.play(slot);
  }
}
