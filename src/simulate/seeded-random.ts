/**
 * Reproducible randomness for simulated impairments (packet loss here, background noise in
 * `callguard eval --spoken`): the same seed gives the same choices on every machine and run, so two
 * runs that differ only in the recognizer or analyzer hear exactly the same audio.
 */

/** mulberry32: a tiny 32-bit PRNG; uniform in [0, 1). Plenty for impairments, not for secrets. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seed for one named consumer of a run's seed (a stream, a conversation's track), so that each
 * gets its own sequence and adding a consumer does not shift the others. FNV-1a over the parts.
 */
export function deriveSeed(seed: number, ...parts: Array<string | number>): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (const ch of `${parts.join('\u0000')}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
