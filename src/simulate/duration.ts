/** How long a simulated call lasts when --duration is not given. */
import { DEFAULT_SILENT_SECONDS, DEFAULT_TAIL_SECONDS } from './types.js';

/**
 * Seconds from the 200 OK to our BYE when --duration is not given: until the longest audio has
 * been sent (audio pauses while held, so a hold inside the audio lengthens the call by the time
 * held) plus a short tail; with no audio, DEFAULT_SILENT_SECONDS of silence. Never before the hold
 * or resume it is asked to show.
 */
export function defaultDuration(audioSeconds: number, holdAt?: number, resumeAt?: number): number {
  const lastEvent = resumeAt ?? holdAt ?? 0;
  if (audioSeconds <= 0) return Math.max(DEFAULT_SILENT_SECONDS, lastEvent + DEFAULT_TAIL_SECONDS);
  let audioEnd = audioSeconds;
  if (holdAt !== undefined && holdAt < audioSeconds) {
    // Held for good (no resume): the rest of the audio is never sent.
    audioEnd = resumeAt !== undefined ? audioSeconds + (resumeAt - holdAt) : holdAt;
  }
  return Math.max(audioEnd, lastEvent) + DEFAULT_TAIL_SECONDS;
}
