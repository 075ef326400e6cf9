/**
 * What holds while a session is being replaced: the back-off between attempts (doubling from
 * reconnectBaseMs up to 5 s, bounded in number), which SDK cancellations are not worth another
 * attempt, and the bounded queue frames wait in.
 */
import { CancellationErrorCode } from 'microsoft-cognitiveservices-speech-sdk';
import type { PcmFrame } from '../../media/types.js';

const MAX_BACKOFF_MS = 5000;
/** SDK cancellations that another attempt cannot fix. */
const REFUSALS = new Set<CancellationErrorCode>([
  CancellationErrorCode.AuthenticationFailure,
  CancellationErrorCode.Forbidden,
  CancellationErrorCode.BadRequestParameters,
]);

export function isRefusal(code: CancellationErrorCode): boolean {
  return REFUSALS.has(code);
}

/** Consecutive failed sessions (reset by a result or a clean stop) and the delay before the next. */
export class ReconnectBackoff {
  private failures = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxAttempts: number,
  ) {}

  get attempts(): number {
    return this.failures;
  }

  reset(): void {
    this.failures = 0;
  }

  /** Counts a failed attempt: the delay before the next, or undefined once attempts are exhausted. */
  fail(): number | undefined {
    this.failures++;
    if (this.failures > this.maxAttempts) return undefined;
    return Math.min(MAX_BACKOFF_MS, this.baseMs * 2 ** (this.failures - 1));
  }
}

/**
 * Frames that wait while (re)connecting. Beyond `max` the oldest are dropped, never buffered
 * without bound (a known SDK leak with push streams).
 */
export class BoundedFrameQueue {
  private readonly frames: PcmFrame[] = [];

  constructor(private readonly max: number) {}

  get length(): number {
    return this.frames.length;
  }

  /** Returns true when the oldest frame was dropped to make room. */
  push(frame: PcmFrame): boolean {
    this.frames.push(frame);
    if (this.frames.length <= this.max) return false;
    this.frames.shift();
    return true;
  }

  shift(): PcmFrame | undefined {
    return this.frames.shift();
  }

  clear(): void {
    this.frames.length = 0;
  }
}
