/**
 * Media statistics: every stream's receive counts read into its actor once a sweep (media timeout and
 * the ops view), and the node's RTP totals, which never go down as endpoints close.
 */
import { mediaTimedOut } from '../../machines/call.js';
import type { CallStream, StreamMedia } from '../../machines/call-types.js';
import type { RtpEndpoint } from '../media/types.js';
import type { CallRegistry, LiveCall } from './live-call.js';

/**
 * Calls read per slice of a sweep. A sweep is an actor transition per call: 1,000 calls in one go held
 * the event loop for ~150 ms every interval (the mixed bench's setup p99); in slices of 64, with the
 * I/O in between, an INVITE waits for one slice at most.
 */
export const SWEEP_SLICE = 64;

/**
 * Calls whose numbers every sweep refreshes; with more, each is refreshed every
 * ceil(calls / REFRESHED_PER_SWEEP) sweeps (1,000 calls at 2 s: every 10 s). A refresh is an actor
 * transition and a new context per call; at 1,000 streaming calls the survivors made every
 * scavenge 12–24 ms (the mixed bench). A call that may have timed out is read at every sweep.
 */
export const REFRESHED_PER_SWEEP = 200;

interface MediaCounts {
  packets: number;
  lost: number;
  late: number;
}

export class MediaStats {
  /** RTP counts of endpoints already closed; totals() adds the live ones. */
  private readonly retired: MediaCounts = { packets: 0, lost: 0, late: 0 };
  private readonly timer: NodeJS.Timeout;
  /** The next slice of a sweep still under way. */
  private next: NodeJS.Immediate | undefined;
  /** Sweeps so far, and the sweep that last read each call into its actor. */
  private sweeps = 0;
  private readonly readAt = new WeakMap<LiveCall, number>();

  constructor(
    private readonly calls: CallRegistry,
    private readonly now: () => number,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => this.sweep(), intervalMs);
    this.timer.unref();
  }

  /** RTP packets received, lost and late since start: closed endpoints plus every live call's. */
  totals(): MediaCounts {
    const t = { ...this.retired };
    for (const call of this.calls.values()) for (const ep of call.resources.media.values()) addMedia(t, ep.stats());
    return t;
  }

  /**
   * An endpoint closing: its counts move to the running total now, so the sums never go down, and
   * what it counted after its last stats report (a media worker's final stats) once `closed` resolves.
   */
  retire(ep: RtpEndpoint, closed: Promise<void>): void {
    const before = ep.stats();
    addMedia(this.retired, before);
    const rest = (): void => {
      const after = ep.stats();
      this.retired.packets += after.packets - before.packets;
      this.retired.lost += after.lost - before.lost;
      this.retired.late += after.late - before.late;
    };
    void closed.then(rest, rest);
  }

  /** The call's streams as its actor knows them, with the media numbers read now. */
  live(call: LiveCall): CallStream[] {
    const fresh = new Map(this.read(call).map((s) => [s.index, s.media]));
    return call.actor.getSnapshot().context.streams.map((s) => {
      const media = fresh.get(s.index);
      return media ? { ...s, media } : s;
    });
  }

  /** Reads a call's streams into its actor now. */
  push(call: LiveCall, at: number): void {
    call.actor.send({ type: 'media.stats', at, streams: this.read(call) });
  }

  private read(call: LiveCall): Array<{ index: number; media: StreamMedia }> {
    return [...call.resources.media].map(([index, ep]) => {
      const s = ep.stats();
      return {
        index,
        media: {
          packets: s.packets,
          lost: s.lost,
          late: s.late,
          jitterMs: s.jitterMs,
          audioSeconds: s.audioSeconds,
          ...(s.lastPacketAt !== undefined ? { lastPacketAt: s.lastPacketAt } : {}),
          wrongSource: s.wrongSource,
          srtpAuthFailures: s.srtpAuthFailures,
        },
      };
    });
  }

  /**
   * A sweep's visit: the actor hears of the call's media if it may have timed out, or its turn came.
   * A call first seen at position `i` takes its turn spread by `i`, so the refreshes of calls that
   * arrived together do not all fall on one sweep.
   */
  private visit(call: LiveCall, at: number, every: number, i: number): void {
    const streams = this.read(call);
    let last = this.readAt.get(call);
    if (last === undefined) this.readAt.set(call, (last = this.sweeps - 1 - (i % every)));
    const turn = this.sweeps - last >= every;
    if (!turn && !mediaTimedOut(call.actor.getSnapshot().context, at, streams)) return;
    this.readAt.set(call, this.sweeps);
    call.actor.send({ type: 'media.stats', at, streams });
  }

  close(): void {
    clearInterval(this.timer);
    if (this.next) clearImmediate(this.next);
    this.next = undefined;
  }

  /** Every live call once, SWEEP_SLICE at a time; a sweep still under way is not started again. */
  private sweep(): void {
    if (this.next) return;
    const calls = [...this.calls.values()];
    this.sweeps++;
    const every = Math.ceil(calls.length / REFRESHED_PER_SWEEP);
    let i = 0;
    const slice = (): void => {
      this.next = undefined;
      const at = this.now();
      for (const end = Math.min(calls.length, i + SWEEP_SLICE); i < end; i++) {
        const call = calls[i]!;
        if (!call.ended) this.visit(call, at, every, i);
      }
      if (i < calls.length) this.next = setImmediate(slice);
    };
    slice();
  }
}

function addMedia(into: MediaCounts, s: MediaCounts): void {
  into.packets += s.packets;
  into.lost += s.lost;
  into.late += s.late;
}
