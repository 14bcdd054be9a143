/** @module Quantile binning of feature columns into uint8 codes, a missing bin per feature, and thresholds that reproduce every bin split. */

/** Feature columns binned for histogram tree building (column-major codes). */
export interface BinnedFeatures {
  readonly nRows: number
  /** Per feature: the bin code of each row; the missing bin is `nBins[f]`. */
  readonly codes: readonly Uint8Array[]
  /**
   * Per feature: `thresholds[f][b]` is the upper bound of value bin b, so
   * `code <= b` exactly when `x <= thresholds[f][b]`; the last one is +Infinity.
   */
  readonly thresholds: readonly Float64Array[]
  /** Value bins (excluding the missing bin) per feature. */
  readonly nBins: Int32Array
  /** Where each feature's bins start in a histogram; each feature also has its missing bin. */
  readonly offsets: Int32Array
  /** Histogram length in bins, over all features. */
  readonly totalBins: number
}

// Sorting every value of very tall columns buys nothing over a large evenly spaced sample.
const SAMPLE_LIMIT = 200_000

/** Bins every column into at most `maxBins - 1` value bins plus a missing bin (NaN). */
export function binFeatures(columns: readonly Float64Array[], nRows: number, maxBins = 256): BinnedFeatures {
  const thresholds = columns.map((c) => binThresholds(c, nRows, maxBins - 1))
  const nBins = Int32Array.from(thresholds, (t) => t.length)
  const offsets = new Int32Array(columns.length)
  let total = 0
  nBins.forEach((nb, f) => {
    offsets[f] = total
    total += nb + 1
  })
  const codes = columns.map((c, f) => assignBins(c, nRows, thresholds[f] as Float64Array))
  return { nRows, codes, thresholds, nBins, offsets, totalBins: total }
}

/** Upper bin bounds from quantiles of the non-missing values; the last bound is +Infinity. */
export function binThresholds(column: Float64Array, nRows: number, maxValueBins: number): Float64Array {
  const sorted = sortedValues(column, nRows)
  const m = sorted.length
  if (m === 0) return new Float64Array(0)
  const cuts: number[] = []
  let cumulative = 0
  let target = 1
  for (let i = 0; i < m; ) {
    let j = i
    while (j < m && sorted[j] === sorted[i]) j++
    cumulative += j - i
    if (j >= m) break
    if (cumulative >= (target * m) / maxValueBins) {
      cuts.push(between(sorted[i] as number, sorted[j] as number))
      while ((target * m) / maxValueBins <= cumulative) target++
      if (cuts.length === maxValueBins - 1) break
    }
    i = j
  }
  cuts.push(Number.POSITIVE_INFINITY)
  return Float64Array.from(cuts)
}

function sortedValues(column: Float64Array, nRows: number): Float64Array {
  const stride = nRows > SAMPLE_LIMIT ? nRows / SAMPLE_LIMIT : 1
  const out = new Float64Array(Math.min(nRows, SAMPLE_LIMIT))
  let m = 0
  for (let k = 0; k < out.length; k++) {
    const v = column[Math.floor(k * stride)] as number
    if (!Number.isNaN(v)) out[m++] = v
  }
  return out.subarray(0, m).sort()
}

/** A cut t with a <= t < b, preferring the midpoint so unseen values split evenly. */
function between(a: number, b: number): number {
  const mid = a + (b - a) / 2
  return mid >= a && mid < b ? mid : a
}

/** The smallest bin whose upper bound is >= x; NaN goes to the missing bin. */
export function assignBins(column: Float64Array, nRows: number, thresholds: Float64Array): Uint8Array {
  const nb = thresholds.length
  const out = new Uint8Array(nRows)
  for (let i = 0; i < nRows; i++) {
    const x = column[i] as number
    if (Number.isNaN(x)) {
      out[i] = nb
      continue
    }
    let lo = 0
    let hi = nb - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (x <= (thresholds[mid] as number)) hi = mid
      else lo = mid + 1
    }
    out[i] = lo
  }
  return out
}
