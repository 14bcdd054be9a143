/** @module How numeric columns become histograms for PSI and Jensen–Shannon: by value, by reference quantiles, or Sturges bins. */
import { invalid, unionKeys } from './check.js'
import { DEFAULT_PSI_BINS, DISCRETE_MAX_DISTINCT, isNumericSketch, type NumericSample, quantileEdges, resolveSample, type SortedSample } from './sketch.js'

/**
 * - `quantile` (default): edges at the reference's quantiles 0, 1/bins, …, 1 (duplicates
 *   dropped), the outer bins open to ±∞ so no current value falls outside;
 * - `sturges`: Evidently's current binning, `np.histogram_bin_edges(reference ∪ current, 'sturges')`.
 *
 * Either way a reference with at most 20 distinct values is binned by value, as Evidently does.
 */
export type Binning = 'quantile' | 'sturges'

export interface BinningOptions {
  readonly binning?: Binning
  /** Quantile bins (default 10, or the edges stored in a reference sketch). Sturges chooses its own. */
  readonly bins?: number
}

/** Shares of the reference and the current sample per bin, aligned. */
export interface BinnedShares {
  readonly reference: Float64Array
  readonly current: Float64Array
}

/** Number of `edges` ≤ x (binary search). */
function upperBound(edges: ArrayLike<number>, x: number): number {
  let lo = 0
  let hi = edges.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((edges[mid] ?? 0) <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Shares per bin, bin i holding inner[i − 1] ≤ x < inner[i] (bin 0 below inner[0], the last bin from the last edge up). */
function sharesByEdges(sorted: Float64Array, inner: ArrayLike<number>): Float64Array {
  const out = new Float64Array(inner.length + 1)
  for (const x of sorted) {
    // np.histogram closes its last bin, so the top edge belongs to it: here it is open to +∞ anyway
    const bin = upperBound(inner, x)
    out[bin] = (out[bin] ?? 0) + 1
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / sorted.length
  return out
}

function countDistinct(sorted: Float64Array): number {
  let distinct = 0
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++
  return distinct
}

function valueShares(sorted: Float64Array): Map<string, number> {
  const counts = new Map<string, number>()
  for (const x of sorted) counts.set(String(x), (counts.get(String(x)) ?? 0) + 1)
  return new Map([...counts].map(([key, count]) => [key, count / sorted.length]))
}

/** Value shares over the union of values; a sketch's exact value counts are used when it has them. */
function sharesByValue(reference: NumericSample, ref: SortedSample, cur: SortedSample): BinnedShares {
  const refShares = new Map<string, number>()
  if (isNumericSketch(reference) && reference.valueCounts) {
    for (const [key, count] of Object.entries(reference.valueCounts)) refShares.set(key, count / reference.count)
  } else {
    for (const [key, share] of valueShares(ref.sorted)) refShares.set(key, share)
  }
  const curShares = valueShares(cur.sorted)
  const keys = unionKeys(Object.fromEntries(refShares), Object.fromEntries(curShares))
  return {
    reference: Float64Array.from(keys, (k) => refShares.get(k) ?? 0),
    current: Float64Array.from(keys, (k) => curShares.get(k) ?? 0),
  }
}

/** numpy's `histogram_bin_edges(values, bins='sturges')` from the range and the number of values. */
export function sturgesEdges(min: number, max: number, size: number): Float64Array {
  let first = min
  let last = max
  if (first === last) {
    first -= 0.5
    last += 0.5
  }
  const width = (max - min) / (Math.log2(size) + 1)
  const bins = width ? Math.ceil((last - first) / width) : 1
  const step = (last - first) / bins
  const edges = Float64Array.from({ length: bins + 1 }, (_, i) => i * step + first)
  edges[bins] = last
  return edges
}

/**
 * Shares of reference and current per bin, the bins chosen as {@link Binning} says.
 *
 * @example
 * ```ts
 * binnedShares(reference, current, { bins: 10 }).reference // ≈ 0.1 in each of 10 bins
 * ```
 */
export function binnedShares(reference: NumericSample, current: NumericSample, options: BinningOptions = {}): BinnedShares {
  const ref = resolveSample('binnedShares', reference)
  const cur = resolveSample('binnedShares', current)
  const distinct = isNumericSketch(reference) ? reference.distinct : countDistinct(ref.sorted)
  if (distinct <= DISCRETE_MAX_DISTINCT) return sharesByValue(reference, ref, cur)
  if (options.binning === 'sturges') {
    const min = Math.min(isNumericSketch(reference) ? reference.min : (ref.sorted[0] ?? 0), cur.sorted[0] ?? 0)
    const max = Math.max(isNumericSketch(reference) ? reference.max : (ref.sorted[ref.sorted.length - 1] ?? 0), cur.sorted[cur.sorted.length - 1] ?? 0)
    const edges = sturgesEdges(min, max, ref.count + cur.count)
    const inner = edges.subarray(1, edges.length - 1)
    return { reference: sharesByEdges(ref.sorted, inner), current: sharesByEdges(cur.sorted, inner) }
  }
  const bins = options.bins
  if (bins !== undefined && !(Number.isInteger(bins) && bins >= 1)) throw invalid(`binnedShares: bins must be a positive integer, got ${bins}`)
  const edges = isNumericSketch(reference) && bins === undefined ? reference.quantileEdges : quantileEdges(ref.sorted, bins ?? DEFAULT_PSI_BINS)
  const inner = edges.slice(1, -1)
  return { reference: sharesByEdges(ref.sorted, inner), current: sharesByEdges(cur.sorted, inner) }
}
