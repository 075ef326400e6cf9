/**
 * Turns RFC 4733 telephone-event packets into one DtmfEvent per event. An event is identified by
 * its RTP timestamp (§2.3.5: all packets of one event carry the event's start timestamp); its end
 * packet is sent three times (§2.5.1.4) and only the first counts. An event whose end packets were
 * all lost is reported when the next event starts, or by `flush()` (stream idle, SSRC change, close).
 */
import { eventDigit, parseTelephoneEvent } from './codecs/telephone-event.js';
import type { DtmfEvent } from './types.js';

export interface DtmfSink {
  dtmf(event: DtmfEvent): void;
}

export class DtmfDetector {
  private active = false;
  private reported = false;
  private ts = 0;
  private event = 0;
  private duration = 0;
  private clockRate = 8000;
  private atMs = 0;
  /** Monotonic ms of the last telephone-event packet, to flush an event that never ended. */
  lastPacketAt = 0;

  constructor(private readonly sink: DtmfSink) {}

  get pending(): boolean {
    return this.active && !this.reported;
  }

  /**
   * One telephone-event payload, in sequence order. `atMs` is the media time of `ts` as the stream
   * sees it now; it is kept only when the packet starts a new event. Returns false when malformed.
   */
  packet(ts: number, payload: Uint8Array, clockRate: number, atMs: number, arrival: number): boolean {
    const te = parseTelephoneEvent(payload);
    if (!te) return false;
    this.lastPacketAt = arrival;
    if (this.active && ts === this.ts) {
      if (this.reported) return true; // §2.5.1.4: retransmitted end packets
      if (te.duration > this.duration) this.duration = te.duration;
      if (te.end) this.report();
      return true;
    }
    if (this.active && ((ts - this.ts) | 0) < 0) return true; // a straggler of an earlier event
    if (this.pending) this.report();
    this.active = true;
    this.reported = false;
    this.ts = ts;
    this.event = te.event;
    this.duration = te.duration;
    this.clockRate = clockRate;
    this.atMs = atMs;
    if (te.end) this.report();
    return true;
  }

  flush(): void {
    if (this.pending) this.report();
  }

  reset(): void {
    this.flush();
    this.active = false;
  }

  private report(): void {
    this.reported = true;
    this.sink.dtmf({
      digit: eventDigit(this.event),
      at: Math.round(this.atMs),
      durationMs: Math.round((this.duration * 1000) / this.clockRate),
    });
  }
}
