/** @module Population stability index, numeric and categorical, with Evidently's treatment of empty bins. */
import { type BinningOptions, binnedShares } from './binning.js'
import { checkCounts, unionKeys } from './check.js'
import type { NumericSample } from './sketch.js'

/** The share an empty bin gets, unless the smallest non-empty share is at most this (then that share / 10⁶). */
export const EMPTY_BIN_SHARE = 0.0001

/**
 * Evidently's replacement of empty bins (`get_binned_data`, `feel_zeroes=True`):
 * zeros become 0.0001, or the smallest non-zero share / 10⁶ when that share is ≤ 0.0001.
 * Returns a copy; each side is filled on its own.
 */
export function fillEmptyBins(shares: Float64Array): Float64Array {
  let smallest = Number.POSITIVE_INFINITY
  for (const s of shares) if (s !== 0 && s < smallest) smallest = s
  const fill = smallest <= EMPTY_BIN_SHARE ? smallest / 10 ** 6 : EMPTY_BIN_SHARE
  return shares.map((s) => (s === 0 ? fill : s))
}

/** Σ (r − c) ln(r / c) over bins, after {@link fillEmptyBins} on both sides. */
export function psiFromShares(reference: Float64Array, current: Float64Array): number {
  const r = fillEmptyBins(reference)
  const c = fillEmptyBins(current)
  let total = 0
  for (let i = 0; i < r.length; i++) total += ((r[i] ?? 0) - (c[i] ?? 0)) * Math.log((r[i] ?? 0) / (c[i] ?? 1))
  return total
}

/**
 * Population stability index of a numeric column. By default over 10 bins at the
 * reference's quantiles (deciles), the outer bins open so current values beyond
 * the reference range count; `binning: 'sturges'` uses Evidently's current bins
 * instead. A reference with ≤ 20 distinct values is binned by value. Empty bins
 * get 0.0001 (see {@link fillEmptyBins}). Drift by default at ≥ 0.1.
 *
 * @example
 * ```ts
 * psi(referenceAges, currentAges) // 0.02: stable
 * psi(sketchNumeric(referenceAges), currentAges, { bins: 20 })
 * ```
 */
export function psi(reference: NumericSample, current: NumericSample, options: BinningOptions = {}): number {
  const shares = binnedShares(reference, current, options)
  return psiFromShares(shares.reference, shares.current)
}

/** Shares of two count tables over the union of their categories (a category one side lacks has share 0 there). */
export function categoryShares(reference: Readonly<Record<string, number>>, current: Readonly<Record<string, number>>, statistic: string) {
  const refTotal = checkCounts(statistic, reference)
  const curTotal = checkCounts(statistic, current)
  const keys = unionKeys(reference, current)
  return {
    keys,
    reference: Float64Array.from(keys, (k) => (reference[k] ?? 0) / refTotal),
    current: Float64Array.from(keys, (k) => (current[k] ?? 0) / curTotal),
  }
}

/**
 * Population stability index over categories, from counts per category. Categories
 * new in the current window (or gone from it) count, with the empty side at 0.0001
 * (see {@link fillEmptyBins}), as Evidently's `psi` on a categorical column.
 *
 * @example
 * ```ts
 * psiCategorical({ a: 50, b: 50 }, { a: 40, b: 40, c: 20 }) // 1.564…: 'c' is new
 * ```
 */
export function psiCategorical(reference: Readonly<Record<string, number>>, current: Readonly<Record<string, number>>): number {
  const shares = categoryShares(reference, current, 'psiCategorical')
  return psiFromShares(shares.reference, shares.current)
}
