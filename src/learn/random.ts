/** @module A small seeded pseudo-random generator (mulberry32) so every learner is reproducible. */

/** A seeded source of uniform numbers. */
export interface Random {
  /** A uniform number in [0, 1). */
  next(): number
  /** A uniform integer in [0, n). */
  int(n: number): number
}

/**
 * A deterministic generator: the same seed always yields the same sequence.
 *
 * @example
 * ```ts
 * const rng = createRandom(42)
 * rng.next() // same value on every run
 * rng.int(10) // 0..9
 * ```
 */
export function createRandom(seed: number): Random {
  // Mixing the seed first keeps nearby seeds (0, 1, 2…) from starting on correlated streams.
  let state = Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (n: number) => Math.floor(next() * n) }
}
