/** @module Seeded row and column sampling for tree ensembles. */
import type { Random } from '../random.js'

/** `count` distinct indices of 0..n-1, drawn uniformly, in increasing order. */
export function sampleWithoutReplacement(random: Random, n: number, count: number): Int32Array {
  const all = new Int32Array(n)
  for (let i = 0; i < n; i++) all[i] = i
  for (let i = 0; i < count; i++) {
    const j = i + random.int(n - i)
    const picked = all[j] as number
    all[j] = all[i] as number
    all[i] = picked
  }
  return all.slice(0, count).sort()
}

/** A bootstrap sample of 0..n-1 (n draws with replacement), sorted so repeated rows sit together. */
export function bootstrap(random: Random, n: number): Int32Array {
  const counts = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const r = random.int(n)
    counts[r] = (counts[r] as number) + 1
  }
  const out = new Int32Array(n)
  let at = 0
  for (let r = 0; r < n; r++) for (let c = counts[r] as number; c > 0; c--) out[at++] = r
  return out
}

/** 0..n-1. */
export function allIndices(n: number): Int32Array {
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  return out
}
