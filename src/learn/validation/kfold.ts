/** @module K-fold and stratified k-fold splits, fold for fold as scikit-learn's KFold and StratifiedKFold. */
import { checkFolds, invalidParams, permutation, type Split, shuffleInPlace, splitFromAssignment } from './split.js'

export interface KFoldOptions {
  /** Default 5. */
  readonly folds?: number
  /** Shuffle rows before folding (default false: contiguous folds in row order). */
  readonly shuffle?: boolean
  /** Seed for the shuffle (default 0). */
  readonly seed?: number
}

/**
 * Splits `n` rows into `folds` folds; the first `n % folds` folds get one extra row.
 *
 * @example
 * ```ts
 * kFold(5, { folds: 2 }).map((s) => Array.from(s.test)) // [[0, 1, 2], [3, 4]]
 * ```
 */
export function kFold(n: number, options: KFoldOptions = {}): Split[] {
  const folds = options.folds ?? 5
  checkFolds(folds, n)
  const order = options.shuffle ? permutation(n, options.seed ?? 0) : Int32Array.from({ length: n }, (_, i) => i)
  const assignment = new Int32Array(n)
  let start = 0
  for (let f = 0; f < folds; f++) {
    const size = Math.floor(n / folds) + (f < n % folds ? 1 : 0)
    for (let j = start; j < start + size; j++) assignment[order[j] ?? 0] = f
    start += size
  }
  return Array.from({ length: folds }, (_, f) => splitFromAssignment(assignment, f))
}

/**
 * K-fold splits that keep each class's share in every fold, with scikit-learn's
 * StratifiedKFold allocation (classes ordered by first appearance; with
 * `shuffle`, which rows of a class land in which fold is shuffled).
 *
 * @example
 * ```ts
 * stratifiedKFold(new Int32Array([0, 0, 0, 0, 1, 1]), { folds: 2 }).map((s) => Array.from(s.test)) // [[0, 1, 4], [2, 3, 5]]
 * ```
 */
export function stratifiedKFold(labels: ArrayLike<number>, options: KFoldOptions = {}): Split[] {
  const folds = options.folds ?? 5
  const n = labels.length
  checkFolds(folds, n)
  const { encoded, counts } = encodeByFirstAppearance(labels)
  if (counts.every((c) => c < folds)) throw invalidParams(`folds=${folds} is more than the rows of every class (largest class: ${Math.max(...counts)} rows)`)
  const allocation = allocate(encoded, counts.length, folds)
  const assignment = new Int32Array(n)
  counts.forEach((_, k) => {
    const foldsForClass: number[] = []
    allocation.forEach((perClass, f) => {
      for (let j = 0; j < (perClass[k] ?? 0); j++) foldsForClass.push(f)
    })
    if (options.shuffle) shuffleInPlace(foldsForClass, (options.seed ?? 0) + k)
    let next = 0
    encoded.forEach((c, row) => {
      if (c === k) assignment[row] = foldsForClass[next++] ?? 0
    })
  })
  return Array.from({ length: folds }, (_, f) => splitFromAssignment(assignment, f))
}

function encodeByFirstAppearance(labels: ArrayLike<number>): { encoded: Int32Array; counts: number[] } {
  const code = new Map<number, number>()
  const counts: number[] = []
  const encoded = new Int32Array(labels.length)
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i] ?? 0
    let c = code.get(v)
    if (c === undefined) {
      c = code.size
      code.set(v, c)
      counts.push(0)
    }
    encoded[i] = c
    counts[c] = (counts[c] ?? 0) + 1
  }
  return { encoded, counts }
}

/** Rows per class per fold: deal the class-sorted labels round-robin over the folds, as scikit-learn does. */
function allocate(encoded: Int32Array, nClasses: number, folds: number): number[][] {
  const sorted = Int32Array.from(encoded).sort()
  const allocation = Array.from({ length: folds }, () => new Array<number>(nClasses).fill(0))
  sorted.forEach((c, j) => {
    const row = allocation[j % folds]
    if (row) row[c] = (row[c] ?? 0) + 1
  })
  return allocation
}
