/**
 * What a call holds outside its actor: an RTP endpoint per usable m-line (with the media plan of the
 * current answer), each endpoint's DTMF listener, and a recognizer per transcribed stream. `release()`
 * is the one path that lets go of all of it, however the call or its offer ended.
 */
import type { MediaPlan } from '../media/media-plan.js';
import type { RtpEndpoint } from '../media/types.js';
import type { LiveCall } from './live-call.js';
import type { MediaStats } from './media-stats.js';
import type { Recognizers, Transcriber } from './recognizers.js';

/** The node-wide parts a call's resources are counted in. */
export interface ResourceHost {
  recognizers: Recognizers;
  mediaStats: MediaStats;
  now: () => number;
}

export class CallResources {
  /** RTP endpoint per offered m-line index. */
  readonly media = new Map<number, RtpEndpoint>();
  /** The media plan of the current answer, per m-line: a re-offer keeps our SRTP key from it. */
  plans: MediaPlan[] | undefined;
  /** Unsubscribe functions of the endpoints' DTMF listeners, by m-line index. */
  private readonly wired = new Map<number, () => void>();
  /** The recognizer of each transcribed stream, by m-line index (a promise while it starts). */
  private readonly recognizers = new Map<number, Promise<Transcriber | undefined>>();

  constructor(private readonly host: ResourceHost) {}

  /**
   * Wires endpoints not yet wired (after the answer and each re-offer): DTMF to the actor, and a
   * recognizer per stream while the node has recognizer capacity.
   */
  wire(call: LiveCall): void {
    for (const [index, off] of this.wired) {
      if (!this.media.has(index)) {
        off();
        this.wired.delete(index);
        this.closeRecognizer(index);
      }
    }
    for (const [index, ep] of this.media) {
      if (this.wired.has(index)) continue;
      this.wired.set(
        index,
        ep.onDtmf((e) => call.actor.send({ type: 'media.dtmf', at: this.host.now(), digit: e.digit, streamIndex: index })),
      );
      const started = this.host.recognizers.start(call, index, ep);
      if (started) this.recognizers.set(index, started);
    }
  }

  /** Closes one endpoint a re-offer no longer uses; wire() then unwires it. */
  async dropEndpoint(index: number): Promise<void> {
    const ep = this.media.get(index);
    if (!ep) return;
    this.media.delete(index);
    const closed = ep.close();
    this.host.mediaStats.retire(ep, closed);
    await closed;
  }

  /** Lets go of everything: listeners, recognizers, plans, endpoints (their counts move to the node's totals). */
  release(): Promise<void> {
    for (const off of this.wired.values()) off();
    this.wired.clear();
    for (const index of [...this.recognizers.keys()]) this.closeRecognizer(index);
    this.plans = undefined;
    const eps = [...this.media.values()];
    this.media.clear();
    const closed = eps.map((ep) => {
      const done = ep.close();
      this.host.mediaStats.retire(ep, done);
      return done;
    });
    return Promise.all(closed).then(() => undefined);
  }

  private closeRecognizer(index: number): void {
    void this.recognizers.get(index)?.then((r) => r && this.host.recognizers.close(r));
    this.recognizers.delete(index);
  }
}
