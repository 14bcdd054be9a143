/** @module What every splitter returns, and the checks and shuffles they share. */
import { KeelError } from '../../core/errors.js'
import { createRandom } from '../random.js'

/** Row indices of one train/test split, each in ascending order. */
export interface Split {
  readonly train: Int32Array
  readonly test: Int32Array
}

export const invalidParams = (message: string): KeelError => new KeelError('LEARN_INVALID_PARAMS', message)

/** Throws unless `folds` is an integer of at least 2 and at most `n`. */
export function checkFolds(folds: number, n: number): void {
  if (!Number.isInteger(folds) || folds < 2) throw invalidParams(`folds must be an integer of at least 2, got ${folds}`)
  if (folds > n) throw invalidParams(`cannot make ${folds} folds from ${n} rows`)
}

/** A seeded Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, seed: number): Int32Array {
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  shuffleInPlace(out, seed)
  return out
}

/** Shuffles an array in place with a seeded Fisher–Yates pass. */
export function shuffleInPlace(values: Int32Array | number[], seed: number): void {
  const rng = createRandom(seed)
  for (let i = values.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    const a = values[i] ?? 0
    values[i] = values[j] ?? 0
    values[j] = a
  }
}

/** A split from a fold assignment per row: rows of fold `f` are the test set. */
export function splitFromAssignment(assignment: Int32Array, fold: number): Split {
  const train: number[] = []
  const test: number[] = []
  assignment.forEach((f, row) => {
    if (f === fold) test.push(row)
    else train.push(row)
  })
  return { train: Int32Array.from(train), test: Int32Array.from(test) }
}
