/** @module Input checks shared by every metric, so all of them fail the same clear way. */
import { KeelError } from '../../core/errors.js'

/** Class indices (0, 1, …) as produced by `prepareTraining`. */
export type ClassLabels = Int32Array | Float64Array

export const invalid = (message: string): KeelError => new KeelError('LEARN_INVALID_INPUT', message)

/** Throws unless both arrays are non-empty and equally long; returns the length. */
export function checkPair(metric: string, a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw invalid(`${metric}: yTrue has ${a.length} values but the predictions have ${b.length}`)
  if (a.length === 0) throw invalid(`${metric}: no values to score`)
  return a.length
}

/** Throws unless every label is a non-negative integer; returns the number of classes seen (max + 1). */
export function checkClasses(metric: string, labels: ArrayLike<number>): number {
  let max = -1
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i] ?? Number.NaN
    if (!Number.isInteger(v) || v < 0) throw invalid(`${metric}: label ${v} at row ${i} is not a class index (0, 1, …)`)
    if (v > max) max = v
  }
  return max + 1
}

/** Throws unless `proba` holds `n` rows of `k` columns; returns k. */
export function checkProbaShape(metric: string, n: number, proba: Float64Array): number {
  if (n === 0) throw invalid(`${metric}: no values to score`)
  const k = proba.length / n
  if (!Number.isInteger(k) || k < 2) throw invalid(`${metric}: ${proba.length} probabilities do not form ${n} rows of at least two classes`)
  return k
}

/** The positive-class probability column of a binary n×2 matrix, or the values as given when already 1-d. */
export function positiveColumn(proba: Float64Array, n: number): Float64Array {
  if (proba.length === n) return proba
  if (proba.length !== 2 * n) throw invalid(`binary scores: expected ${n} or ${2 * n} values, got ${proba.length}`)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = proba[2 * i + 1] ?? Number.NaN
  return out
}
