/** @module Metrics on predicted probabilities: log loss and the Brier score. */
import { type ClassLabels, checkClasses, checkPair, checkProbaShape, invalid, positiveColumn } from './check.js'

export interface LogLossOptions {
  /**
   * Probabilities are clipped to [eps, 1 − eps] before the log. Default: the
   * float64 machine epsilon (2.2e-16), scikit-learn 1.2's `eps='auto'`; pass
   * 1e-15 for the value scikit-learn used before 1.2.
   */
  readonly eps?: number
}

/**
 * Mean negative log-likelihood of the true class, like `sklearn.metrics.log_loss`:
 * probabilities are clipped, then each row is renormalized to sum to 1.
 * `proba` is either n positive-class probabilities (binary) or an n×k row-major matrix.
 *
 * @example
 * ```ts
 * logLoss(new Int32Array([1, 0, 0, 1]), new Float64Array([0.9, 0.1, 0.2, 0.65])) // 0.2161…
 * ```
 */
export function logLoss(yTrue: ClassLabels, proba: Float64Array, options: LogLossOptions = {}): number {
  const n = yTrue.length
  const eps = options.eps ?? Number.EPSILON
  const matrix = proba.length === n ? binaryMatrix(proba, eps) : proba.map((p) => clip(p, eps))
  const k = checkProbaShape('logLoss', n, matrix)
  if (checkClasses('logLoss', yTrue) > k) throw invalid(`logLoss: yTrue has a class index beyond the ${k} probability columns`)
  let total = 0
  for (let i = 0; i < n; i++) {
    let sum = 0
    for (let c = 0; c < k; c++) sum += matrix[i * k + c] ?? 0
    total -= Math.log((matrix[i * k + (yTrue[i] ?? 0)] ?? 0) / sum)
  }
  return total / n
}

/**
 * Mean squared difference between the positive-class probability and the
 * outcome (binary only), like `brier_score_loss` with positive class 1.
 *
 * @example
 * ```ts
 * brierScore(new Int32Array([0, 1, 1, 0]), new Float64Array([0.1, 0.9, 0.8, 0.3])) // 0.0375
 * ```
 */
export function brierScore(yTrue: ClassLabels, proba: Float64Array): number {
  const n = yTrue.length
  if (n === 0) throw invalid('brierScore: no values to score')
  const p = positiveColumn(proba, n)
  checkPair('brierScore', yTrue, p)
  if (checkClasses('brierScore', yTrue) > 2) throw invalid('brierScore: defined for binary labels (0/1) only')
  let total = 0
  for (let i = 0; i < n; i++) {
    const q = p[i] ?? Number.NaN
    if (!(q >= 0 && q <= 1)) throw invalid(`brierScore: probability ${q} at row ${i} is outside [0, 1]`)
    total += ((yTrue[i] === 1 ? 1 : 0) - q) ** 2
  }
  return total / n
}

const clip = (p: number, eps: number): number => {
  if (Number.isNaN(p)) throw invalid('logLoss: probabilities must not be NaN')
  return Math.min(1 - eps, Math.max(eps, p))
}

/** scikit-learn clips a 1-d input before pairing it with its complement, and does not clip the complement again. */
function binaryMatrix(p: Float64Array, eps: number): Float64Array {
  const out = new Float64Array(2 * p.length)
  p.forEach((v, i) => {
    const q = clip(v, eps)
    out[2 * i] = 1 - q
    out[2 * i + 1] = q
  })
  return out
}
