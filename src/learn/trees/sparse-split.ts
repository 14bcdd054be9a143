/** @module Best split of a small node from its rows sorted by bin code, the same candidates as the histogram search. */
import type { BinnedFeatures } from './binning.js'
import type { RowStats } from './histogram.js'
import { channelSplitGain, type Split, type SplitRules, score } from './split.js'

/** Below this many rows a node is split from sorted rows rather than from a histogram. */
export const SPARSE_ROWS = 128

/** Like `findBestSplit`, over rows `rows[start..end)` (fewer than 256 of them). */
export function findBestSplitSparse(
  best: Split,
  stats: RowStats,
  rows: Int32Array,
  start: number,
  end: number,
  total: Float64Array,
  bins: BinnedFeatures,
  features: Int32Array,
  rules: SplitRules,
): void {
  const c = stats.channels
  const s = c + 1
  const m = end - start
  const parentScore = score(total, 0, c, rules.lambda)
  let bestGain = Math.max(rules.gamma, 1e-10 * Math.max(1, parentScore))
  best.gain = 0
  const keys = new Int32Array(m)
  const acc = new Float64Array(s)
  const miss = new Float64Array(s)
  const side = new Float64Array(s)
  const evaluate = (withMissing: boolean): number => {
    for (let q = 0; q < s; q++) side[q] = (acc[q] as number) + (withMissing ? (miss[q] as number) : 0)
    return channelSplitGain(side, total, c, rules, parentScore)
  }
  for (let k = 0; k < features.length; k++) {
    const f = features[k] as number
    const nb = bins.nBins[f] as number
    if (nb < 2) continue
    const codes = bins.codes[f] as Uint8Array
    // code in the high bits, position in the low 8: one numeric sort orders rows by bin
    for (let j = 0; j < m; j++) keys[j] = ((codes[rows[start + j] as number] as number) << 8) | j
    keys.sort()
    miss.fill(0)
    let firstMissing = m
    for (let j = m - 1; j >= 0 && (keys[j] as number) >> 8 === nb; j--) {
      addRow(miss, stats, rows[start + ((keys[j] as number) & 255)] as number)
      firstMissing = j
    }
    const hasMissing = firstMissing < m
    acc.fill(0)
    for (let j = 0; j < firstMissing; ) {
      const code = (keys[j] as number) >> 8
      if (code >= nb - 1) break
      for (; j < firstMissing && (keys[j] as number) >> 8 === code; j++) addRow(acc, stats, rows[start + ((keys[j] as number) & 255)] as number)
      const right = evaluate(false)
      if (right > bestGain) {
        bestGain = right
        set(best, right, f, code, !hasMissing && 2 * (acc[c] as number) >= (total[c] as number), acc, null)
      }
      if (!hasMissing) continue
      const left = evaluate(true)
      if (left > bestGain) {
        bestGain = left
        set(best, left, f, code, true, acc, miss)
      }
    }
  }
}

function addRow(into: Float64Array, stats: RowStats, row: number): void {
  const c = stats.channels
  for (let q = 0; q < c; q++) into[q] = (into[q] as number) + (stats.grad[row * c + q] as number)
  into[c] = (into[c] as number) + (stats.hess[row] as number)
}

function set(best: Split, gain: number, feature: number, bin: number, missingLeft: boolean, acc: Float64Array, miss: Float64Array | null): void {
  best.gain = gain
  best.feature = feature
  best.bin = bin
  best.missingLeft = missingLeft
  for (let q = 0; q < acc.length; q++) best.left[q] = (acc[q] as number) + (miss ? (miss[q] as number) : 0)
}
