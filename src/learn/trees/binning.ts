/** @module Quantile binning of feature columns into uint8 codes, a missing bin per feature, and thresholds that reproduce every bin split. */
import { KernelArena } from '../kernels/arena.js'

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
  /** The memory the codes live in; tree growing takes its buffers from it too, so the WebAssembly kernels reach everything. */
  readonly arena: KernelArena
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
  // room for the codes and one tree's row buffers and statistics (see GrowWorkspace); histograms grow it
  const arena = new KernelArena(nRows * (columns.length + 24) + total * 16 * 8)
  // the kernel reads values and thresholds from the arena: one staging buffer serves every column
  const values = arena.float64(nRows)
  const bounds = arena.float64(256)
  const codes = columns.map((c, f) => {
    const t = thresholds[f] as Float64Array
    const out = arena.uint8(nRows)
    values.set(c.subarray(0, nRows))
    bounds.set(t)
    arena.kernels.assignBins(values.byteOffset, nRows, bounds.byteOffset, t.length, out.byteOffset)
    return out
  })
  return { nRows, codes, thresholds, nBins, offsets, totalBins: total, arena }
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
  return radixSort(out.subarray(0, m))
}

/** A cut t with a <= t < b, preferring the midpoint so unseen values split evenly. */
function between(a: number, b: number): number {
  const mid = a + (b - a) / 2
  return mid >= a && mid < b ? mid : a
}

/** The smallest bin whose upper bound is >= x; NaN goes to the missing bin. Writes `out` (a new array by default). */
export function assignBins(column: Float64Array, nRows: number, thresholds: Float64Array, out: Uint8Array = new Uint8Array(nRows)): Uint8Array {
  const nb = thresholds.length
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

/**
 * Sorts non-NaN doubles in place, as `Float64Array.prototype.sort` does (-0 before +0), by
 * their bits: each double maps to an unsigned 64-bit key in the same order, sorted by four
 * 16-bit digits. A digit every key shares is skipped — the low mantissa bits of integer-like
 * and few-valued features are all zero — so tabular columns usually take one or two passes.
 */
export function radixSort(values: Float64Array): Float64Array {
  const n = values.length
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n)
  let lo = new Uint32Array(n)
  let hi = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + 1] as number
    // negative doubles: flip every bit; positive: flip the sign bit
    const flip = h >>> 31 === 1 ? 0xffffffff : 0x80000000
    lo[i] = ((words[2 * i] as number) ^ (flip === 0xffffffff ? 0xffffffff : 0)) >>> 0
    hi[i] = (h ^ flip) >>> 0
  }
  let lo2 = new Uint32Array(n)
  let hi2 = new Uint32Array(n)
  const counts = new Int32Array(65_536)
  for (let pass = 0; pass < 4; pass++) {
    const shift = (pass % 2) * 16
    const keys = pass < 2 ? lo : hi
    counts.fill(0)
    for (let i = 0; i < n; i++) {
      const d = ((keys[i] as number) >>> shift) & 0xffff
      counts[d] = (counts[d] as number) + 1
    }
    const first = ((keys[0] as number) >>> shift) & 0xffff
    if (counts[first] === n) continue
    let sum = 0
    for (let d = 0; d < 65_536; d++) {
      const c = counts[d] as number
      counts[d] = sum
      sum += c
    }
    for (let i = 0; i < n; i++) {
      const d = ((keys[i] as number) >>> shift) & 0xffff
      const at = counts[d] as number
      counts[d] = at + 1
      lo2[at] = lo[i] as number
      hi2[at] = hi[i] as number
    }
    ;[lo, lo2] = [lo2, lo]
    ;[hi, hi2] = [hi2, hi]
  }
  for (let i = 0; i < n; i++) {
    const h = hi[i] as number
    const flip = h >>> 31 === 1 ? 0x80000000 : 0xffffffff
    words[2 * i] = ((lo[i] as number) ^ (flip === 0xffffffff ? 0xffffffff : 0)) >>> 0
    words[2 * i + 1] = (h ^ flip) >>> 0
  }
  return values
}
