/** @module Regression metrics with scikit-learn's definitions. */
import { checkPair } from './check.js'

/**
 * Root mean squared error.
 *
 * @example
 * ```ts
 * rmse(new Float64Array([3, -0.5, 2, 7]), new Float64Array([2.5, 0, 2, 8])) // 0.6123…
 * ```
 */
export function rmse(yTrue: Float64Array, yPred: Float64Array): number {
  const n = checkPair('rmse', yTrue, yPred)
  let total = 0
  for (let i = 0; i < n; i++) total += ((yTrue[i] ?? 0) - (yPred[i] ?? 0)) ** 2
  return Math.sqrt(total / n)
}

/**
 * Mean absolute error.
 *
 * @example
 * ```ts
 * mae(new Float64Array([3, -0.5, 2, 7]), new Float64Array([2.5, 0, 2, 8])) // 0.5
 * ```
 */
export function mae(yTrue: Float64Array, yPred: Float64Array): number {
  const n = checkPair('mae', yTrue, yPred)
  let total = 0
  for (let i = 0; i < n; i++) total += Math.abs((yTrue[i] ?? 0) - (yPred[i] ?? 0))
  return total / n
}

/**
 * Coefficient of determination. A constant `yTrue` scores 1 when predicted
 * exactly and 0 otherwise, as scikit-learn's `force_finite=True`; one row is NaN
 * (undefined), as in scikit-learn.
 *
 * @example
 * ```ts
 * r2(new Float64Array([3, -0.5, 2, 7]), new Float64Array([2.5, 0, 2, 8])) // 0.9486…
 * ```
 */
export function r2(yTrue: Float64Array, yPred: Float64Array): number {
  const n = checkPair('r2', yTrue, yPred)
  if (n < 2) return Number.NaN
  let mean = 0
  for (let i = 0; i < n; i++) mean += yTrue[i] ?? 0
  mean /= n
  let residual = 0
  let total = 0
  for (let i = 0; i < n; i++) {
    residual += ((yTrue[i] ?? 0) - (yPred[i] ?? 0)) ** 2
    total += ((yTrue[i] ?? 0) - mean) ** 2
  }
  if (total === 0) return residual === 0 ? 1 : 0
  return 1 - residual / total
}

/**
 * Mean absolute percentage error as a fraction (not ×100), like
 * `mean_absolute_percentage_error`: |y − ŷ| / max(|y|, ε) with ε the float64
 * machine epsilon, so a zero target gives a huge but finite error.
 *
 * @example
 * ```ts
 * mape(new Float64Array([100, 200]), new Float64Array([110, 180])) // 0.1
 * ```
 */
export function mape(yTrue: Float64Array, yPred: Float64Array): number {
  const n = checkPair('mape', yTrue, yPred)
  let total = 0
  for (let i = 0; i < n; i++) {
    const t = yTrue[i] ?? 0
    total += Math.abs(t - (yPred[i] ?? 0)) / Math.max(Math.abs(t), Number.EPSILON)
  }
  return total / n
}
