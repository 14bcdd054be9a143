/** @module The first Wasserstein distance, as `scipy.stats.wasserstein_distance`, and Evidently's normalization of it. */
import { invalid } from './check.js'
import { isNumericSketch, type NumericSample, resolveSample, type SortedSample } from './sketch.js'

/** Evidently's floor on the reference standard deviation, so a constant reference does not divide by zero. */
export const MIN_NORMALIZING_STD = 0.001

/** ∫ |F_a − F_b| over the merged sorted values (scipy `_cdf_distance` with p = 1). */
export function wassersteinFromSorted(a: SortedSample, b: SortedSample): number {
  const u = a.sorted
  const v = b.sorted
  let i = 0
  let j = 0
  let total = 0
  let previous = Math.min(u[0] ?? Number.POSITIVE_INFINITY, v[0] ?? Number.POSITIVE_INFINITY)
  while (i < u.length || j < v.length) {
    const x = Math.min(u[i] ?? Number.POSITIVE_INFINITY, v[j] ?? Number.POSITIVE_INFINITY)
    // the ECDFs are constant on [previous, x): count the values ≤ previous
    total += Math.abs(i / u.length - j / v.length) * (x - previous)
    while (i < u.length && u[i] === x) i++
    while (j < v.length && v[j] === x) j++
    previous = x
  }
  return total
}

/**
 * The first Wasserstein (earth mover's) distance between two samples, as
 * `scipy.stats.wasserstein_distance(a, b)`, in the units of the values.
 *
 * @example
 * ```ts
 * wasserstein(Float64Array.of(0, 1, 3), Float64Array.of(5, 6, 8)) // 5
 * ```
 */
export function wasserstein(a: NumericSample, b: NumericSample): number {
  return wassersteinFromSorted(resolveSample('wasserstein', a), resolveSample('wasserstein', b))
}

/** Population standard deviation (ddof = 0), two-pass like `np.std`. */
export function populationStd(values: ArrayLike<number>): number {
  if (values.length === 0) throw invalid('populationStd: no values')
  let total = 0
  for (let i = 0; i < values.length; i++) total += values[i] ?? 0
  const mean = total / values.length
  let squares = 0
  for (let i = 0; i < values.length; i++) squares += ((values[i] ?? 0) - mean) ** 2
  return Math.sqrt(squares / values.length)
}

/**
 * Evidently's normed Wasserstein distance: `wasserstein(reference, current)`
 * divided by max(std(reference), 0.001), std being the *population* standard
 * deviation of the reference (`np.std`, ddof = 0). Drift by default at ≥ 0.1.
 * From a sketch, the std comes from every reference value, so it stays exact.
 *
 * @example
 * ```ts
 * normalizedWasserstein(Float64Array.of(0, 1, 2, 3), Float64Array.of(1, 2, 3, 4)) // 1 / 1.118… = 0.894…
 * ```
 */
export function normalizedWasserstein(reference: NumericSample, current: NumericSample): number {
  const std = isNumericSketch(reference) ? reference.std : populationStd(reference)
  return wasserstein(reference, current) / Math.max(std, MIN_NORMALIZING_STD)
}
