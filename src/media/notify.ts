/**
 * Hands a frame or a DTMF event to each listener of a stream. A listener that throws is reported and
 * the others still run: one broken consumer must not silence a call's recognizer. Shared by the
 * in-thread stream and the worker's stand-in endpoint; a plain indexed loop (frames are the hot path).
 */
export function notifyAll<T>(listeners: ReadonlyArray<(value: T) => void>, value: T, failed: (err: unknown) => void): void {
  for (let i = 0; i < listeners.length; i++) {
    try {
      listeners[i]!(value);
    } catch (err) {
      failed(err);
    }
  }
}
