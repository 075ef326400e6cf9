/**
 * One stream's counters, bumped in place on the receive path (plain fields: no allocation per
 * packet), and the StreamStats snapshot built from them with the reorder buffer's and jitter
 * estimator's own counts.
 */
import { performance } from 'node:perf_hooks';
import type { JitterEstimator } from './jitter.js';
import type { ReorderBuffer } from './reorder-buffer.js';
import { SRTP_ERR_AUTH, SRTP_ERR_OLD, SRTP_ERR_REPLAY } from './srtp.js';
import type { StreamStats } from './types.js';

/** Read once: performance.timeOrigin is a getter, too dear for every packet. */
const TIME_ORIGIN = performance.timeOrigin;

export class RtpStreamCounters {
  packets = 0;
  bytes = 0;
  wrongSource = 0;
  srtpAuthFailures = 0;
  malformed = 0;
  senderReports = 0;
  ssrcChanges = 0;
  /** Late and duplicate packets caught before the reorder buffer (old SSRC, SRTP replay window). */
  extraLate = 0;
  extraDuplicates = 0;
  codecLabel: string | undefined;
  /** Monotonic ms (performance.now()) of the last accepted packet; made wall-clock when read. */
  lastPacketMono: number | undefined;

  /** An SRTP/SRTCP unprotect failure: a replayed index is a duplicate, one below the window is late. */
  srtpFailure(code: number): void {
    if (code === SRTP_ERR_REPLAY) this.extraDuplicates++;
    else if (code === SRTP_ERR_OLD) this.extraLate++;
    else if (code === SRTP_ERR_AUTH) this.srtpAuthFailures++;
    else this.malformed++;
  }

  snapshot(r: ReorderBuffer, jitter: JitterEstimator, clockRate: number, frames: number, ssrc: number | undefined): StreamStats {
    const stats: StreamStats = {
      packets: this.packets,
      bytes: this.bytes,
      lost: r.lost,
      late: r.late + this.extraLate,
      duplicates: r.duplicates + this.extraDuplicates,
      reordered: r.reordered,
      jitterMs: Math.round(((jitter.jitter * 1000) / clockRate) * 100) / 100,
      ssrcChanges: this.ssrcChanges,
      audioSeconds: Math.round(frames * 20) / 1000,
      wrongSource: this.wrongSource,
      srtpAuthFailures: this.srtpAuthFailures,
      malformed: this.malformed,
      senderReports: this.senderReports,
    };
    if (this.codecLabel !== undefined) stats.codec = this.codecLabel;
    if (ssrc !== undefined) stats.ssrc = ssrc;
    if (this.lastPacketMono !== undefined) stats.lastPacketAt = Math.round(TIME_ORIGIN + this.lastPacketMono);
    return stats;
  }
}
