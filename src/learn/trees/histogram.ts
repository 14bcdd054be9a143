/** @module Gradient/hessian histograms per feature bin, built from a node's rows or derived for a sibling by subtraction. */
import type { BinnedFeatures } from './binning.js'

/**
 * Per-row statistics a tree sums: `channels` gradient values per row (row-major)
 * and one hessian (or sample weight) per row. Histogram bins hold `channels + 1`
 * numbers: the gradient sums, then the hessian sum.
 */
export interface RowStats {
  readonly channels: number
  readonly grad: Float64Array
  readonly hess: Float64Array
}

/**
 * Adds rows `rows[start..end)` into `hist` for `features` (whose ranges it zeroes first).
 * `scratch` must hold `(end - start) × (channels + 1)` numbers; gathering the
 * rows' statistics there first makes the per-feature passes read them sequentially.
 */
export function buildHistogram(
  hist: Float64Array,
  bins: BinnedFeatures,
  stats: RowStats,
  rows: Int32Array,
  start: number,
  end: number,
  features: Int32Array,
  scratch: Float64Array,
): void {
  const c = stats.channels
  const s = c + 1
  gather(stats, rows, start, end, scratch)
  for (let k = 0; k < features.length; k++) {
    const f = features[k] as number
    const from = (bins.offsets[f] as number) * s
    hist.fill(0, from, from + ((bins.nBins[f] as number) + 1) * s)
  }
  let k = 0
  // four features per pass over the rows load each row's index and statistics once for all four (~25% faster)
  if (c === 1) for (; k + 3 < features.length; k += 4) addQuad(hist, bins, features, k, rows, start, end, scratch)
  for (; k < features.length; k++) {
    const f = features[k] as number
    const from = (bins.offsets[f] as number) * s
    const codes = bins.codes[f] as Uint8Array
    if (c === 1) addSingle(hist, codes, rows, start, end, from, scratch)
    else addChannels(hist, codes, rows, start, end, from, scratch, s)
  }
}

function gather(stats: RowStats, rows: Int32Array, start: number, end: number, scratch: Float64Array): void {
  const c = stats.channels
  const s = c + 1
  const { grad, hess } = stats
  if (c === 1) {
    for (let i = start, j = 0; i < end; i++, j += 2) {
      const r = rows[i] as number
      scratch[j] = grad[r] as number
      scratch[j + 1] = hess[r] as number
    }
    return
  }
  for (let i = start, j = 0; i < end; i++, j += s) {
    const r = rows[i] as number
    for (let q = 0; q < c; q++) scratch[j + q] = grad[r * c + q] as number
    scratch[j + c] = hess[r] as number
  }
}

function addSingle(hist: Float64Array, codes: Uint8Array, rows: Int32Array, start: number, end: number, from: number, g: Float64Array): void {
  for (let i = start, j = 0; i < end; i++, j += 2) {
    const k = from + (codes[rows[i] as number] as number) * 2
    hist[k] = (hist[k] as number) + (g[j] as number)
    hist[k + 1] = (hist[k + 1] as number) + (g[j + 1] as number)
  }
}

function addQuad(
  hist: Float64Array,
  bins: BinnedFeatures,
  features: Int32Array,
  k: number,
  rows: Int32Array,
  start: number,
  end: number,
  g: Float64Array,
): void {
  const f0 = features[k] as number
  const f1 = features[k + 1] as number
  const f2 = features[k + 2] as number
  const f3 = features[k + 3] as number
  const a = bins.codes[f0] as Uint8Array
  const b = bins.codes[f1] as Uint8Array
  const c = bins.codes[f2] as Uint8Array
  const d = bins.codes[f3] as Uint8Array
  const fa = (bins.offsets[f0] as number) * 2
  const fb = (bins.offsets[f1] as number) * 2
  const fc = (bins.offsets[f2] as number) * 2
  const fd = (bins.offsets[f3] as number) * 2
  for (let i = start, j = 0; i < end; i++, j += 2) {
    const r = rows[i] as number
    const gi = g[j] as number
    const hi = g[j + 1] as number
    const ka = fa + (a[r] as number) * 2
    hist[ka] = (hist[ka] as number) + gi
    hist[ka + 1] = (hist[ka + 1] as number) + hi
    const kb = fb + (b[r] as number) * 2
    hist[kb] = (hist[kb] as number) + gi
    hist[kb + 1] = (hist[kb + 1] as number) + hi
    const kc = fc + (c[r] as number) * 2
    hist[kc] = (hist[kc] as number) + gi
    hist[kc + 1] = (hist[kc + 1] as number) + hi
    const kd = fd + (d[r] as number) * 2
    hist[kd] = (hist[kd] as number) + gi
    hist[kd + 1] = (hist[kd + 1] as number) + hi
  }
}

function addChannels(hist: Float64Array, codes: Uint8Array, rows: Int32Array, start: number, end: number, from: number, g: Float64Array, s: number): void {
  for (let i = start, j = 0; i < end; i++, j += s) {
    const k = from + (codes[rows[i] as number] as number) * s
    for (let q = 0; q < s; q++) hist[k + q] = (hist[k + q] as number) + (g[j + q] as number)
  }
}

/** `parent -= child` over the given features' ranges: the parent's buffer becomes the sibling's histogram. */
export function subtractHistogram(parent: Float64Array, child: Float64Array, bins: BinnedFeatures, features: Int32Array, channels: number): void {
  const s = channels + 1
  for (let k = 0; k < features.length; k++) {
    const f = features[k] as number
    const from = (bins.offsets[f] as number) * s
    const to = from + ((bins.nBins[f] as number) + 1) * s
    for (let i = from; i < to; i++) parent[i] = (parent[i] as number) - (child[i] as number)
  }
}
