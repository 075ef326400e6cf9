/**
 * Frames that arrive before a stream's recognizer is ready, kept in order up to a bound and handed over
 * once it is. Frames are views the media layer never writes again (pcm-framer.ts), so keeping them
 * copies nothing.
 */
import type { PcmFrame } from '../media/types.js';

export class EarlyFrames {
  private frames: PcmFrame[] = [];
  /** Frames past the bound, not kept (the oldest are kept: the call's opening words). */
  dropped = 0;
  private drained = false;

  constructor(private readonly max: number) {}

  push(frame: PcmFrame): void {
    if (this.drained) return;
    if (this.frames.length < this.max) this.frames.push(frame);
    else this.dropped++;
  }

  /** Hands every kept frame to `write` in arrival order, once; later pushes are ignored. */
  drain(write: (frame: PcmFrame) => void): void {
    const frames = this.frames;
    this.frames = [];
    this.drained = true;
    for (const f of frames) write(f);
  }
}
