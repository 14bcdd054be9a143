/** @module Imputation: the value that stands in for a missing number, fitted on training data. */
import { KeelError } from '../../core/errors.js'

/** How a missing value is filled: a statistic of the training values, or a fixed number. */
export type ImputeStrategy = 'mean' | 'median' | 'most-frequent' | { readonly constant: number }

/** The non-missing values, sorted ascending. */
function present(values: Float64Array): Float64Array {
  let n = 0
  for (const v of values) if (!Number.isNaN(v)) n++
  const out = new Float64Array(n)
  let k = 0
  for (const v of values) if (!Number.isNaN(v)) out[k++] = v
  return out.sort()
}

function median(sorted: Float64Array): number {
  const mid = sorted.length >> 1
  const hi = sorted[mid] as number
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] as number) + hi) / 2
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
  const sorted = present(values)
  if (sorted.length === 0) return 0
  if (strategy === 'median') return median(sorted)
  if (strategy === 'most-frequent') return mode(sorted)
  let sum = 0
  for (const v of sorted) sum += v
  return sum / sorted.length
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
