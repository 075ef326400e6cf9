/**
 * RFC 3550 §6.4.1 / Appendix A.8 interarrival jitter: the smoothed mean deviation of the difference
 * in transit time between consecutive packets, in RTP timestamp units, gain 1/16.
 */
export class JitterEstimator {
  private lastArrival = 0;
  private lastTs = 0;
  private primed = false;
  /** Current estimate in RTP timestamp units. */
  jitter = 0;

  /** `arrival` in RTP timestamp units (arrival ms × clock / 1000); `ts` the packet's RTP timestamp. */
  update(arrival: number, ts: number): void {
    if (this.primed) {
      // D(i-1,i) = (Rj - Ri) - (Sj - Si); the RTP difference is taken modulo 2^32 so a wrap is harmless.
      const d = arrival - this.lastArrival - ((ts - this.lastTs) | 0);
      this.jitter += ((d < 0 ? -d : d) - this.jitter) / 16;
    }
    this.primed = true;
    this.lastArrival = arrival;
    this.lastTs = ts;
  }

  /** A new source (SSRC change) starts a new transit baseline; the estimate itself carries over. */
  restart(): void {
    this.primed = false;
  }
}
