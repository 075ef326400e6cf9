/**
 * RFC 3389 comfort noise. A CN packet carries a noise level (and optionally spectral coefficients)
 * for the receiver to synthesise background noise until speech resumes. A recognizer gains nothing
 * from synthetic noise, so we treat CN as silence: the stream fills the gap with zero frames marked
 * `concealed`, the same as any other gap, bounded by the same cap.
 */

/** Noise level in -dBov (§3: first octet, 0–127), or undefined for an empty payload. */
export function comfortNoiseLevel(payload: Uint8Array): number | undefined {
  return payload.length > 0 ? payload[0]! & 0x7f : undefined;
}
