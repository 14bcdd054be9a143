/** @module Per-column and dataset drift with Evidently's default choice of test and threshold. */
import { type Binning, binnedShares } from './binning.js'
import { chiSquare, jensenShannon, jensenShannonFromWeights, proportionZTest, type TestResult } from './categorical.js'
import { invalid } from './check.js'
import { ksTwoSample } from './ks.js'
import { psi, psiCategorical } from './psi.js'
import { type CategoryValue, type ColumnSketch, countCategories, type NumericSketch, sketchNumeric } from './sketch.js'
import { normalizedWasserstein } from './wasserstein.js'

export type StatTest = 'ks' | 'chisquare' | 'z' | 'wasserstein' | 'jensenshannon' | 'psi'
export type DriftKind = 'numeric' | 'categorical'

/** Every default of drift detection, in one place (docs/drift-statistics.md explains each). */
export const driftDefaults = {
  /** References with at most this many rows get p-value tests; larger ones get distances (Evidently: 1000). */
  smallReferenceRows: 1000,
  /** Numeric columns with at most this many distinct values (reference ∪ current) are tested as categories. */
  numericAsCategoricalMaxDistinct: 5,
  /** A window with fewer rows than this gets a warning that it is too small to judge. */
  minRows: 30,
  /** The dataset drifts when at least this share of its columns drift. */
  datasetDriftShare: 0.5,
  /** Drift when a p-value is below (KS: at most) these, or a distance at least these. */
  thresholds: { ks: 0.05, chisquare: 0.05, z: 0.05, wasserstein: 0.1, jensenshannon: 0.1, psi: 0.1 },
} as const satisfies {
  smallReferenceRows: number
  numericAsCategoricalMaxDistinct: number
  minRows: number
  datasetDriftShare: number
  thresholds: Record<StatTest, number>
}

/** How each test decides drift from its score; KS uses ≤, the other p-value tests <, as Evidently. */
const DECIDE: Record<StatTest, (score: number, threshold: number) => boolean> = {
  ks: (p, t) => p <= t,
  chisquare: (p, t) => p < t,
  z: (p, t) => p < t,
  wasserstein: (d, t) => d >= t,
  jensenshannon: (d, t) => d >= t,
  psi: (d, t) => d >= t,
}

/** Whether a test returns a p-value (drift when small) rather than a distance (drift when large). */
export const isPValueTest = (test: StatTest): boolean => test === 'ks' || test === 'chisquare' || test === 'z'

/**
 * Evidently's default test for a column: with a reference of ≤ 1000 rows, KS for
 * numeric columns, χ² for categorical ones (the Z-test when there are at most two
 * values); above 1000 rows, the normed Wasserstein distance for numeric columns and
 * Jensen–Shannon for categorical ones. Numeric columns with ≤ 5 distinct values are
 * treated as categorical. `distinctValues` counts reference ∪ current.
 *
 * @example
 * ```ts
 * chooseTest('numeric', 500, 80) // 'ks'
 * chooseTest('categorical', 5000, 3) // 'jensenshannon'
 * ```
 */
export function chooseTest(kind: DriftKind, referenceRows: number, distinctValues: number): StatTest {
  const categorical = kind === 'categorical' || distinctValues <= driftDefaults.numericAsCategoricalMaxDistinct
  if (referenceRows <= driftDefaults.smallReferenceRows) {
    if (!categorical) return 'ks'
    return distinctValues > 2 ? 'chisquare' : 'z'
  }
  return categorical ? 'jensenshannon' : 'wasserstein'
}

export interface ColumnDriftOptions {
  /** Overrides the default test. */
  readonly test?: StatTest
  /** Overrides the test's default threshold. */
  readonly threshold?: number
  /** Rows below which a window is flagged as too small (default 30). */
  readonly minRows?: number
  /** PSI / Jensen–Shannon binning of numeric columns (default reference deciles). */
  readonly binning?: Binning
  readonly bins?: number
}

export interface ColumnDriftResult {
  readonly column: string
  readonly kind: DriftKind
  readonly test: StatTest
  /** The test statistic: KS D, χ², z, or the distance itself. */
  readonly statistic: number
  /** For p-value tests (ks, chisquare, z). */
  readonly pValue?: number
  readonly threshold: number
  readonly drifted: boolean
  /** Non-missing rows compared. */
  readonly referenceRows: number
  readonly currentRows: number
  /** Why the verdict may not be trusted (a window too small to judge, or empty). */
  readonly warning?: string
}

/** Current values of either kind, raw or already sketched. */
export type CurrentColumn = ArrayLike<number> | Iterable<CategoryValue> | ColumnSketch

const isSketch = (c: CurrentColumn): c is ColumnSketch => typeof c === 'object' && c !== null && 'kind' in c && 'count' in c

/** The current window as a sketch of the reference's kind, or undefined when it has no non-missing value. */
function currentSketch(column: string, kind: DriftKind, current: CurrentColumn): ColumnSketch | undefined {
  if (isSketch(current)) {
    if (current.kind !== kind) throw invalid(`columnDrift: column '${column}' has a ${kind} reference but a ${current.kind} current sketch`)
    return current
  }
  if (kind === 'categorical') {
    const { counts, missing } = countCategories(current as Iterable<CategoryValue>)
    const count = Object.values(counts).reduce((a, b) => a + b, 0)
    return count === 0 ? undefined : { kind, count, missing, counts }
  }
  const values = current as ArrayLike<number>
  for (let i = 0; i < values.length; i++) {
    // an exact sketch of the window drops missing values and sorts once for every test
    if (Number.isFinite(values[i])) return sketchNumeric(values, { cap: Number.MAX_SAFE_INTEGER })
  }
  return undefined
}

/** Counts of a numeric sketch's values as categories (exact counts when it kept them). */
function valueCounts(sketch: NumericSketch): Readonly<Record<string, number>> {
  return sketch.valueCounts ?? countCategories(sketch.sample).counts
}

function distinctUnion(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): number {
  return new Set([...Object.keys(a), ...Object.keys(b)]).size
}

/** Distinct values of reference ∪ current: exact while both are small enough to keep value counts, else a lower bound above 20. */
function distinctNumeric(ref: NumericSketch, cur: NumericSketch): number {
  if (ref.valueCounts && cur.valueCounts) return distinctUnion(ref.valueCounts, cur.valueCounts)
  return Math.max(ref.distinct, cur.distinct)
}

function runNumeric(test: StatTest, ref: NumericSketch, cur: NumericSketch, options: ColumnDriftOptions): TestResult | number {
  const binning = { ...(options.binning ? { binning: options.binning } : {}), ...(options.bins ? { bins: options.bins } : {}) }
  switch (test) {
    case 'ks':
      return ksTwoSample(ref, cur)
    case 'wasserstein':
      return normalizedWasserstein(ref, cur)
    case 'psi':
      return psi(ref, cur, binning)
    case 'jensenshannon': {
      const shares = binnedShares(ref, cur, binning)
      return jensenShannonFromWeights(shares.reference, shares.current)
    }
    default:
      return runCategorical(test, valueCounts(ref), valueCounts(cur))
  }
}

function runCategorical(test: StatTest, ref: Readonly<Record<string, number>>, cur: Readonly<Record<string, number>>): TestResult | number {
  switch (test) {
    case 'chisquare':
      return chiSquare(ref, cur)
    case 'z':
      return proportionZTest(ref, cur)
    case 'jensenshannon':
      return jensenShannon(ref, cur)
    case 'psi':
      return psiCategorical(ref, cur)
    default:
      throw invalid(`columnDrift: test '${test}' needs a numeric column`)
  }
}

function smallWindowWarning(referenceRows: number, currentRows: number, minRows: number): string | undefined {
  const small = [
    referenceRows < minRows ? `the reference has ${referenceRows} rows` : '',
    currentRows < minRows ? `the current window has ${currentRows} rows` : '',
  ]
  const said = small.filter(Boolean).join(' and ')
  return said ? `${said} (fewer than ${minRows}): too few to judge drift` : undefined
}

/**
 * Drift of one column: the reference sketch against the current window's values
 * (or its sketch), with Evidently's default test and threshold unless overridden.
 * Missing values (NaN, ±∞, null) are dropped first, as Evidently does.
 *
 * @example
 * ```ts
 * const ref = sketchNumeric(reference.column('age').values)
 * columnDrift('age', ref, current.column('age').values)
 * // { column: 'age', test: 'ks', statistic: 0.08, pValue: 0.41, threshold: 0.05, drifted: false, … }
 * ```
 */
export function columnDrift(column: string, reference: ColumnSketch, current: CurrentColumn, options: ColumnDriftOptions = {}): ColumnDriftResult {
  const kind: DriftKind = reference.kind
  const cur = currentSketch(column, kind, current)
  if (!cur) {
    const test = options.test ?? (kind === 'numeric' ? 'ks' : 'chisquare')
    const threshold = options.threshold ?? driftDefaults.thresholds[test]
    const warning = 'the current window has no values: drift cannot be judged'
    return { column, kind, test, statistic: Number.NaN, threshold, drifted: false, referenceRows: reference.count, currentRows: 0, warning }
  }
  let test: StatTest
  let result: TestResult | number
  if (reference.kind === 'numeric' && cur.kind === 'numeric') {
    test = options.test ?? chooseTest(kind, reference.count, distinctNumeric(reference, cur))
    result = runNumeric(test, reference, cur, options)
  } else if (reference.kind === 'categorical' && cur.kind === 'categorical') {
    test = options.test ?? chooseTest(kind, reference.count, distinctUnion(reference.counts, cur.counts))
    result = runCategorical(test, reference.counts, cur.counts)
  } else {
    throw invalid(`columnDrift: column '${column}' mixes numeric and categorical sketches`)
  }
  const threshold = options.threshold ?? driftDefaults.thresholds[test]
  const warning = smallWindowWarning(reference.count, cur.count, options.minRows ?? driftDefaults.minRows)
  const common = { column, kind, test, threshold, referenceRows: reference.count, currentRows: cur.count, ...(warning ? { warning } : {}) }
  if (typeof result === 'number') return { ...common, statistic: result, drifted: DECIDE[test](result, threshold) }
  return { ...common, statistic: result.statistic, pValue: result.pValue, drifted: DECIDE[test](result.pValue, threshold) }
}

export interface DatasetDriftResult {
  readonly drifted: boolean
  readonly driftedColumns: number
  readonly columns: number
  /** driftedColumns / columns. */
  readonly share: number
  /** The share at or above which the dataset drifts. */
  readonly threshold: number
}

/**
 * Dataset drift: at least `share` of the columns drifted (Evidently's rule, default ½).
 *
 * @example
 * ```ts
 * datasetDrift(results) // { drifted: true, driftedColumns: 3, columns: 5, share: 0.6, threshold: 0.5 }
 * ```
 */
export function datasetDrift(results: readonly ColumnDriftResult[], share: number = driftDefaults.datasetDriftShare): DatasetDriftResult {
  if (!(share >= 0 && share <= 1)) throw invalid(`datasetDrift: share must lie in [0, 1], got ${share}`)
  const driftedColumns = results.filter((r) => r.drifted).length
  const observed = results.length === 0 ? 0 : driftedColumns / results.length
  return { drifted: results.length > 0 && observed >= share, driftedColumns, columns: results.length, share: observed, threshold: share }
}
