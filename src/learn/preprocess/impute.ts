/** @module Imputation: the value that stands in for a missing number, fitted on training data. */
import { KeelError } from '../../core/errors.js'

/** How a missing value is filled: a statistic of the training values, or a fixed number. */
export type ImputeStrategy = 'mean' | 'median' | 'most-frequent' | { readonly constant: number }

function countPresent(values: Float64Array): number {
  let n = 0
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) n++
  return n
}

/** The non-missing values, in their original order (a copy the caller may reorder). */
function present(values: Float64Array): Float64Array {
  const out = new Float64Array(countPresent(values))
  let k = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (!Number.isNaN(v)) out[k++] = v
  }
  return out
}

const medianOfThree = (a: number, b: number, c: number) => Math.max(Math.min(a, b), Math.min(Math.max(a, b), c))

/**
 * Reorders `a` so that `a[k]` holds the value a full sort would put there, with
 * nothing larger before it and nothing smaller after it (Hoare's selection with a
 * median-of-three pivot). Linear on average, where sorting 10⁵–10⁶ training values
 * per column dominated preprocessing; equal values stop both scans, so columns
 * with few distinct values stay linear too.
 */
function select(a: Float64Array, k: number): number {
  let lo = 0
  let hi = a.length - 1
  while (lo < hi) {
    const x = medianOfThree(a[lo] as number, a[(lo + hi) >>> 1] as number, a[hi] as number)
    let i = lo
    let j = hi
    while (i <= j) {
      while ((a[i] as number) < x) i++
      while (x < (a[j] as number)) j--
      if (i <= j) {
        const t = a[i] as number
        a[i] = a[j] as number
        a[j] = t
        i++
        j--
      }
    }
    if (j < k) lo = i
    if (k < i) hi = j
  }
  return a[k] as number
}

/** The values ranked `k` and `k + 1` (from 0) in `a` (no NaN, k ≥ −1); reorders it. */
function middlePair(a: Float64Array, k: number): [number, number] {
  const upper = select(a, k + 1)
  // selection leaves the k + 1 smaller values before it: the largest of them ranks k
  let lower = a[0] as number
  for (let i = 1; i <= k; i++) lower = Math.max(lower, a[i] as number)
  return [lower, upper]
}

/** Values sampled to bracket the median; their sort costs nothing next to a pass over the column. */
const SAMPLE = 4096

/**
 * The median of the non-missing `values` (n of them). Sampled quantiles bracket
 * it, one pass counts the values below the bracket and gathers those inside, and
 * selection finishes on that small band; if the bracket misses, it selects over
 * all the values instead. Either way the answer is exactly the sorted median.
 */
export function median(values: Float64Array, n: number): number {
  const upperRank = n >> 1
  const lowerRank = n % 2 === 1 ? upperRank : upperRank - 1
  // the middle value(s) of `a`, which holds the values ranked from `offset` on
  const finish = (a: Float64Array, offset: number) => {
    const [lower, upper] = middlePair(a, upperRank - 1 - offset)
    return n % 2 === 1 ? upper : (lower + upper) / 2
  }
  if (n < 4 * SAMPLE) return finish(present(values), 0)
  const stride = Math.floor(values.length / SAMPLE)
  let q = 0
  const sample = new Float64Array(Math.ceil(values.length / stride))
  for (let i = 0; i < values.length; i += stride) if (!Number.isNaN(values[i])) sample[q++] = values[i] as number
  if (q === 0) return finish(present(values), 0)
  sample.subarray(0, q).sort()
  // three standard deviations of a sample quantile's position, so the bracket rarely misses
  const margin = Math.ceil(1.5 * Math.sqrt(q))
  const lo = sample[Math.max(0, Math.floor((q * lowerRank) / n) - margin)] as number
  const hi = sample[Math.min(q - 1, Math.ceil((q * upperRank) / n) + margin)] as number
  // One pass without branches, which the rows' order would make unpredictable (several
  // times slower): count the values below the bracket, write each value at the end
  // of the band and keep it there only if it falls inside.
  const buffer = new Float64Array(values.length)
  let below = 0
  let inside = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    buffer[inside] = v
    inside += Number(v >= lo) & Number(v <= hi)
    below += Number(v < lo)
  }
  if (below > lowerRank || below + inside <= upperRank) return finish(present(values), 0)
  return finish(buffer.subarray(0, inside), below)
}

/** The most frequent value; ties go to the smallest, as in scikit-learn's SimpleImputer. */
function mode(sorted: Float64Array): number {
  let best = sorted[0] as number
  let bestCount = 0
  for (let i = 0; i < sorted.length; ) {
    let j = i
    while (j < sorted.length && sorted[j] === sorted[i]) j++
    if (j - i > bestCount) {
      bestCount = j - i
      best = sorted[i] as number
    }
    i = j
  }
  return best
}

/**
 * The fill value for `values` (NaN is missing). A column with no values at all
 * fills with 0 (a constant feature), so imputation never produces NaN.
 */
export function fitImpute(values: Float64Array, strategy: ImputeStrategy): number {
  if (typeof strategy === 'object') return strategy.constant
  if (strategy === 'median') {
    const n = countPresent(values)
    return n === 0 ? 0 : median(values, n)
  }
  const known = present(values)
  if (known.length === 0) return 0
  if (strategy === 'most-frequent') return mode(known.sort())
  let sum = 0
  for (let i = 0; i < known.length; i++) sum += known[i] as number
  return sum / known.length
}

/** LEARN_INVALID_PARAMS unless `strategy` is a known strategy with a finite constant. */
export function checkImputeStrategy(strategy: unknown, param: string): ImputeStrategy {
  if (strategy === 'mean' || strategy === 'median' || strategy === 'most-frequent') return strategy
  if (typeof strategy === 'object' && strategy !== null && 'constant' in strategy) {
    const value = (strategy as { constant: unknown }).constant
    if (typeof value === 'number' && Number.isFinite(value)) return { constant: value }
  }
  throw new KeelError(
    'LEARN_INVALID_PARAMS',
    `${param} must be 'mean', 'median', 'most-frequent' or { constant: <finite number> }; got ${JSON.stringify(strategy)}`,
  )
}
