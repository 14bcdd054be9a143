/**
 * @module Reference sketches: what drift monitoring keeps of a reference column
 * (plain JSON), so the reference data is read once and never reloaded.
 */
import { invalid, sortedFinite } from './check.js'

/** Values kept verbatim up to this many; above it the sketch keeps this many evenly spaced order statistics. */
export const DEFAULT_SKETCH_CAP = 100_000
/** Reference-quantile bins of the PSI edges stored in a numeric sketch (deciles). */
export const DEFAULT_PSI_BINS = 10
/** Numeric columns with at most this many distinct values are binned by value, as Evidently does; their sketch keeps exact counts. */
export const DISCRETE_MAX_DISTINCT = 20

/** A numeric reference column summarized for drift tests; JSON-safe. */
export interface NumericSketch {
  readonly kind: 'numeric'
  /** Finite values seen. */
  readonly count: number
  /** Values dropped as missing: NaN and ±Infinity. */
  readonly missing: number
  readonly mean: number
  /** Population standard deviation (ddof = 0, numpy's `np.std`). */
  readonly std: number
  readonly min: number
  readonly max: number
  /** Distinct finite values. */
  readonly distinct: number
  /** True when `sample` holds every value, so every statistic is exactly scipy's. */
  readonly exact: boolean
  /** Sorted: every value when `exact`, else `cap` order statistics at ranks (j + ½)·count/cap. */
  readonly sample: readonly number[]
  /** Reference-quantile PSI bin edges (duplicates dropped), computed from every value. */
  readonly quantileEdges: readonly number[]
  /** Exact counts per value (keys `String(value)`) when the column has at most 20 distinct values. */
  readonly valueCounts?: Readonly<Record<string, number>>
}

/** A categorical reference column: counts per category; always exact. */
export interface CategoricalSketch {
  readonly kind: 'categorical'
  readonly count: number
  /** null, undefined and NaN values dropped as missing. */
  readonly missing: number
  readonly counts: Readonly<Record<string, number>>
}

export type ColumnSketch = NumericSketch | CategoricalSketch

export interface SketchNumericOptions {
  /** Largest number of values kept verbatim (default 100 000). */
  readonly cap?: number
  /** Number of reference-quantile PSI bins (default 10). */
  readonly psiBins?: number
}

/**
 * Quantile of sorted values at probability p with linear interpolation between
 * order statistics, computed as numpy's default `np.quantile` (same rounding).
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const position = (sorted.length - 1) * p
  const below = Math.min(Math.max(Math.floor(position), 0), sorted.length - 1)
  const lo = sorted[below] ?? Number.NaN
  const hi = sorted[Math.min(below + 1, sorted.length - 1)] ?? lo
  const t = position - below
  const diff = hi - lo
  return t >= 0.5 ? hi - diff * (1 - t) : lo + diff * t
}

/**
 * Edges at probabilities 0, 1/bins, …, 1 (as `np.linspace(0, 1, bins + 1)`) of the
 * sorted values, duplicates dropped (pandas `qcut(…, duplicates='drop')`).
 */
export function quantileEdges(sorted: ArrayLike<number>, bins: number): number[] {
  const step = 1 / bins
  const edges: number[] = []
  for (let i = 0; i <= bins; i++) {
    const edge = quantileSorted(sorted, i === bins ? 1 : i * step)
    if (edges.length === 0 || edge !== edges[edges.length - 1]) edges.push(edge)
  }
  return edges
}

function finiteValues(values: Iterable<number> | ArrayLike<number>): { finite: Float64Array; missing: number } {
  const all = Float64Array.from(values as ArrayLike<number>)
  let kept = 0
  for (const v of all) if (Number.isFinite(v)) all[kept++] = v
  return { finite: all.subarray(0, kept), missing: all.length - kept }
}

/**
 * Sketches a numeric reference column: count, mean, population std, min, max,
 * distinct count and PSI quantile edges from every value, plus the sorted values
 * (all of them up to `cap`, else `cap` evenly spaced order statistics).
 *
 * @example
 * ```ts
 * const sketch = sketchNumeric(reference.column('age').values)
 * JSON.stringify(sketch) // store it next to the model version
 * ```
 */
export function sketchNumeric(values: Iterable<number> | ArrayLike<number>, options: SketchNumericOptions = {}): NumericSketch {
  const cap = options.cap ?? DEFAULT_SKETCH_CAP
  const bins = options.psiBins ?? DEFAULT_PSI_BINS
  if (!(Number.isInteger(cap) && cap >= 2)) throw invalid(`sketchNumeric: cap must be an integer ≥ 2, got ${cap}`)
  if (!(Number.isInteger(bins) && bins >= 1)) throw invalid(`sketchNumeric: psiBins must be a positive integer, got ${bins}`)
  const { finite, missing } = finiteValues(values)
  if (finite.length === 0) throw invalid('sketchNumeric: the column has no finite values')
  const sorted = sortedFinite('sketchNumeric', finite)
  const n = sorted.length
  let total = 0
  let distinct = 0
  for (let i = 0; i < n; i++) {
    total += sorted[i] ?? 0
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++
  }
  const mean = total / n
  let squares = 0
  for (const v of sorted) squares += (v - mean) ** 2
  const exact = n <= cap
  const valueCounts = distinct <= DISCRETE_MAX_DISTINCT ? countCategories(sorted).counts : undefined
  const sample = exact ? Array.from(sorted) : Array.from({ length: cap }, (_, j) => sorted[Math.floor(((j + 0.5) * n) / cap)] ?? Number.NaN)
  return {
    kind: 'numeric',
    count: n,
    missing,
    mean,
    std: Math.sqrt(squares / n),
    min: sorted[0] ?? Number.NaN,
    max: sorted[n - 1] ?? Number.NaN,
    distinct,
    exact,
    sample,
    quantileEdges: quantileEdges(sorted, bins),
    ...(valueCounts ? { valueCounts } : {}),
  }
}

/** A category key as stored: strings as they are, numbers and booleans as `String(v)`; null, undefined and NaN are missing. */
export type CategoryValue = string | number | boolean | null | undefined

/**
 * Counts categories; missing values (null, undefined, NaN) are counted apart.
 *
 * @example
 * ```ts
 * countCategories(['a', 'b', 'a', null]) // { counts: { a: 2, b: 1 }, missing: 1 }
 * ```
 */
export function countCategories(values: Iterable<CategoryValue>): { counts: Record<string, number>; missing: number } {
  const counts = new Map<string, number>()
  let missing = 0
  for (const v of values) {
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
      missing++
      continue
    }
    const key = String(v)
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return { counts: Object.fromEntries(counts), missing }
}

/**
 * Sketches a categorical reference column: its counts per category (exact).
 *
 * @example
 * ```ts
 * sketchCategorical(['red', 'blue', 'red']) // { kind: 'categorical', count: 3, missing: 0, counts: { red: 2, blue: 1 } }
 * ```
 */
export function sketchCategorical(values: Iterable<CategoryValue>): CategoricalSketch {
  const { counts, missing } = countCategories(values)
  let count = 0
  for (const c of Object.values(counts)) count += c
  if (count === 0) throw invalid('sketchCategorical: the column has no values')
  return { kind: 'categorical', count, missing, counts }
}

/** A numeric sample as the tests take it: raw values (all finite) or a reference sketch. */
export type NumericSample = ArrayLike<number> | NumericSketch

/** Sorted values, the number of observations they stand for, and whether they are all of them. */
export interface SortedSample {
  readonly sorted: Float64Array
  readonly count: number
  readonly exact: boolean
}

export const isNumericSketch = (s: NumericSample): s is NumericSketch => (s as NumericSketch).kind === 'numeric'

/** Resolves raw values or a sketch to sorted values. */
export function resolveSample(statistic: string, sample: NumericSample): SortedSample {
  if (isNumericSketch(sample)) return { sorted: Float64Array.from(sample.sample), count: sample.count, exact: sample.exact }
  const sorted = sortedFinite(statistic, sample)
  return { sorted, count: sorted.length, exact: true }
}
