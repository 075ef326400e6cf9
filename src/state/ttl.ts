/**
 * Both stores validate TTLs the same way, so a caller bug (0, NaN) fails on memory in tests exactly
 * as it would on Redis, where `PX 0` is an error and a missing TTL would make a key immortal.
 */
export function checkTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError('ttlMs must be a positive number of milliseconds');
  // PX takes an integer; round up so a sub-millisecond TTL never becomes 0.
  return Math.ceil(ttlMs);
}
