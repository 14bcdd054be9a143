/** @module Best split of a node from its histogram by XGBoost's gain, trying missing values on both sides. */
import type { BinnedFeatures } from './binning.js'

/** Split-finding limits shared by every node of a tree. */
export interface SplitRules {
  readonly lambda: number
  readonly gamma: number
  /** Minimum hessian (boosting) or sample weight (forest) in each child. */
  readonly minChildWeight: number
}

/** The best split found for a node; `gain <= 0` means none. */
export interface Split {
  gain: number
  feature: number
  bin: number
  missingLeft: boolean
  /** Gradient sums then hessian sum of the left child. */
  readonly left: Float64Array
}

/** Σ_c G_c² / (H + λ): the (negated, doubled) loss of a node with these sums. */
export function score(stats: Float64Array, offset: number, channels: number, lambda: number): number {
  const h = (stats[offset + channels] as number) + lambda
  let sum = 0
  for (let c = 0; c < channels; c++) {
    const g = stats[offset + c] as number
    sum += g * g
  }
  return h > 0 ? sum / h : 0
}

/**
 * Fills `best` with the highest-gain split over `features` (ties keep the first
 * feature, the lowest bin, missing-right before missing-left) or sets gain 0.
 */
export function findBestSplit(
  best: Split,
  hist: Float64Array,
  total: Float64Array,
  bins: BinnedFeatures,
  features: Int32Array,
  channels: number,
  rules: SplitRules,
): void {
  const parentScore = score(total, 0, channels, rules.lambda)
  // Rounding in subtracted histograms must never pass for a real gain.
  const floor = Math.max(rules.gamma, 1e-10 * Math.max(1, parentScore))
  best.gain = 0
  if (channels === 1) searchSingle(best, hist, total, bins, features, rules, parentScore, floor)
  else searchChannels(best, hist, total, bins, features, channels, rules, parentScore, floor)
}

/** The one-channel (boosting) search, in scalars: the hot path of fitting. */
function searchSingle(
  best: Split,
  hist: Float64Array,
  total: Float64Array,
  bins: BinnedFeatures,
  features: Int32Array,
  rules: SplitRules,
  parentScore: number,
  floor: number,
): void {
  const { lambda, minChildWeight } = rules
  const g = total[0] as number
  const h = total[1] as number
  let bestGain = floor
  for (let k = 0; k < features.length; k++) {
    const f = features[k] as number
    const nb = bins.nBins[f] as number
    if (nb < 2) continue
    const from = (bins.offsets[f] as number) * 2
    const mg = hist[from + nb * 2] as number
    const mh = hist[from + nb * 2 + 1] as number
    let gl = 0
    let hl = 0
    for (let b = 0; b < nb - 1; b++) {
      const bh = hist[from + 2 * b + 1] as number
      if (bh === 0) continue
      gl += hist[from + 2 * b] as number
      hl += bh
      let hr = h - hl
      if (hl >= minChildWeight && hr >= minChildWeight) {
        const gr = g - gl
        const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore
        if (gain > bestGain) {
          bestGain = gain
          setSingle(best, gain, f, b, mh > 0 ? false : 2 * hl >= h, gl, hl)
        }
      }
      if (mh <= 0) continue
      const gml = gl + mg
      const hml = hl + mh
      hr = h - hml
      if (hml >= minChildWeight && hr >= minChildWeight) {
        const gr = g - gml
        const gain = (gml * gml) / (hml + lambda) + (gr * gr) / (hr + lambda) - parentScore
        if (gain > bestGain) {
          bestGain = gain
          setSingle(best, gain, f, b, true, gml, hml)
        }
      }
    }
  }
}

function setSingle(best: Split, gain: number, feature: number, bin: number, missingLeft: boolean, g: number, h: number): void {
  best.gain = gain
  best.feature = feature
  best.bin = bin
  best.missingLeft = missingLeft
  best.left[0] = g
  best.left[1] = h
}

/**
 * Gain of a multi-channel split whose left side holds the statistics in `left`
 * (the right side is the rest of `total`); `left` is overwritten. Minus infinity
 * when a side is lighter than `minChildWeight`.
 */
export function channelSplitGain(left: Float64Array, total: Float64Array, channels: number, rules: SplitRules, parentScore: number): number {
  const hl = left[channels] as number
  if (hl < rules.minChildWeight || (total[channels] as number) - hl < rules.minChildWeight) return Number.NEGATIVE_INFINITY
  const leftScore = score(left, 0, channels, rules.lambda)
  for (let q = 0; q <= channels; q++) left[q] = (total[q] as number) - (left[q] as number)
  return leftScore + score(left, 0, channels, rules.lambda) - parentScore
}

/** The multi-channel (forest class counts) search. */
function searchChannels(
  best: Split,
  hist: Float64Array,
  total: Float64Array,
  bins: BinnedFeatures,
  features: Int32Array,
  channels: number,
  rules: SplitRules,
  parentScore: number,
  floor: number,
): void {
  const s = channels + 1
  let bestGain = floor
  const acc = new Float64Array(s)
  const other = new Float64Array(s)
  const gainOf = (missingLeft: boolean, miss: number): number => {
    for (let q = 0; q < s; q++) other[q] = (acc[q] as number) + (missingLeft ? (hist[miss + q] as number) : 0)
    return channelSplitGain(other, total, channels, rules, parentScore)
  }
  for (let k = 0; k < features.length; k++) {
    const f = features[k] as number
    const nb = bins.nBins[f] as number
    if (nb < 2) continue
    const from = (bins.offsets[f] as number) * s
    const miss = from + nb * s
    const hasMissing = (hist[miss + channels] as number) > 0
    acc.fill(0)
    for (let b = 0; b < nb - 1; b++) {
      for (let q = 0; q < s; q++) acc[q] = (acc[q] as number) + (hist[from + b * s + q] as number)
      const right = gainOf(false, miss)
      if (right > bestGain) {
        bestGain = right
        record(best, right, f, b, !hasMissing && 2 * (acc[channels] as number) >= (total[channels] as number), acc, hist, miss, false)
      }
      if (!hasMissing) continue
      const left = gainOf(true, miss)
      if (left > bestGain) {
        bestGain = left
        record(best, left, f, b, true, acc, hist, miss, true)
      }
    }
  }
}

function record(
  best: Split,
  gain: number,
  feature: number,
  bin: number,
  missingLeft: boolean,
  acc: Float64Array,
  hist: Float64Array,
  miss: number,
  withMissing: boolean,
): void {
  best.gain = gain
  best.feature = feature
  best.bin = bin
  best.missingLeft = missingLeft
  for (let q = 0; q < acc.length; q++) best.left[q] = (acc[q] as number) + (withMissing ? (hist[miss + q] as number) : 0)
}
