/** @module Drift tests over categories: χ², the two-proportion Z-test and the Jensen–Shannon distance. */
import { type BinningOptions, binnedShares } from './binning.js'
import { checkCounts, invalid, unionKeys } from './check.js'
import { categoryShares } from './psi.js'
import type { NumericSample } from './sketch.js'
import { chi2Sf, erfc } from './special.js'

/** A test statistic and its p-value. */
export interface TestResult {
  readonly statistic: number
  readonly pValue: number
}

type Counts = Readonly<Record<string, number>>

/**
 * Evidently's χ² drift test: `scipy.stats.chisquare(f_obs, f_exp)` with the current
 * counts observed and the reference proportions scaled to the current total
 * expected, over the union of categories (k − 1 degrees of freedom). A category the
 * reference never had makes the statistic ∞ and the p-value 0, as scipy; with one
 * category in all the p-value is NaN (0 degrees of freedom), as scipy.
 *
 * @example
 * ```ts
 * chiSquare({ a: 30, b: 30, c: 40 }, { a: 20, b: 40, c: 40 }) // { statistic: 6.666…, pValue: 0.0356… }
 * ```
 */
export function chiSquare(reference: Counts, current: Counts): TestResult {
  const refTotal = checkCounts('chiSquare', reference)
  const curTotal = checkCounts('chiSquare', current)
  const keys = unionKeys(reference, current)
  const scale = curTotal / refTotal
  let statistic = 0
  for (const key of keys) {
    const expected = (reference[key] ?? 0) * scale
    const observed = current[key] ?? 0
    statistic += (observed - expected) ** 2 / expected
  }
  return { statistic, pValue: chi2Sf(statistic, keys.length - 1) }
}

/**
 * Evidently's two-proportion Z-test (`z` stat test) for a two-valued column: the
 * share of values other than the first category (in sorted order) compared with a
 * pooled standard error; two-sided p-value 2·(1 − Φ(|z|)), computed as erfc(|z|/√2)
 * so tiny p-values keep their precision. Both sides holding the same single value
 * give z = 0 and p = 1, as Evidently.
 *
 * @example
 * ```ts
 * proportionZTest({ yes: 50, no: 50 }, { yes: 70, no: 30 }) // { statistic: -2.886…, pValue: 0.0039… }
 * ```
 */
export function proportionZTest(reference: Counts, current: Counts): TestResult {
  const n1 = checkCounts('proportionZTest', reference)
  const n2 = checkCounts('proportionZTest', current)
  const keys = unionKeys(reference, current)
  const first = keys[0]
  if (keys.length === 1 || first === undefined) return { statistic: 0, pValue: 1 }
  const p1 = (n1 - (reference[first] ?? 0)) / n1
  const p2 = (n2 - (current[first] ?? 0)) / n2
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
  return { statistic: z, pValue: erfc(Math.abs(z) / Math.SQRT2) }
}

export interface JensenShannonOptions {
  /** Logarithm base; natural log (base e) by default, as scipy and Evidently. */
  readonly base?: number
}

/** x log(x / y) with scipy's `rel_entr` conventions. */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y)
  if (x === 0 && y >= 0) return 0
  return Number.POSITIVE_INFINITY
}

/** `scipy.spatial.distance.jensenshannon(p, q, base)` on aligned non-negative weights (normalized here). */
export function jensenShannonFromWeights(p: Float64Array, q: Float64Array, options: JensenShannonOptions = {}): number {
  if (p.length !== q.length) throw invalid(`jensenShannon: ${p.length} reference bins but ${q.length} current bins`)
  let pTotal = 0
  let qTotal = 0
  for (let i = 0; i < p.length; i++) {
    pTotal += p[i] ?? 0
    qTotal += q[i] ?? 0
  }
  let left = 0
  let right = 0
  for (let i = 0; i < p.length; i++) {
    const pi = (p[i] ?? 0) / pTotal
    const qi = (q[i] ?? 0) / qTotal
    const m = (pi + qi) / 2
    left += relEntr(pi, m)
    right += relEntr(qi, m)
  }
  let js = left + right
  if (options.base !== undefined) js /= Math.log(options.base)
  // rounding can leave −1e-17 where the distance is 0; scipy would return NaN there
  return Math.sqrt(Math.max(0, js / 2))
}

/**
 * Jensen–Shannon distance between the category distributions of two count tables,
 * over the union of categories, as `scipy.spatial.distance.jensenshannon` on
 * Evidently's shares: natural log by default (so at most √ln 2 ≈ 0.833), no
 * smoothing of empty categories. Drift by default at ≥ 0.1.
 *
 * @example
 * ```ts
 * jensenShannon({ a: 50, b: 50 }, { a: 50, b: 50 }) // 0
 * ```
 */
export function jensenShannon(reference: Counts, current: Counts, options: JensenShannonOptions = {}): number {
  const shares = categoryShares(reference, current, 'jensenShannon')
  return jensenShannonFromWeights(shares.reference, shares.current, options)
}

/**
 * Jensen–Shannon distance between two numeric samples, histogrammed as
 * {@link binnedShares} (reference deciles by default; `binning: 'sturges'` for
 * Evidently's current bins; by value when the reference has ≤ 20 distinct values).
 *
 * @example
 * ```ts
 * jensenShannonNumeric(sketchNumeric(reference), current, { binning: 'sturges' })
 * ```
 */
export function jensenShannonNumeric(reference: NumericSample, current: NumericSample, options: BinningOptions & JensenShannonOptions = {}): number {
  const shares = binnedShares(reference, current, options)
  return jensenShannonFromWeights(shares.reference, shares.current, options)
}
