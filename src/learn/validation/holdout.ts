/** @module A single seeded train/test split, optionally stratified by class. */
import { invalidParams, permutation, type Split } from './split.js'

export interface HoldoutOptions {
  /** A fraction in (0, 1) (rounded up, as scikit-learn) or a row count; default 0.25. */
  readonly testSize?: number
  /** Default 0. */
  readonly seed?: number
  /** Class indices per row: each class keeps its share in the test set. */
  readonly stratify?: ArrayLike<number>
}

/**
 * Holds out a shuffled `testSize` of `n` rows for testing.
 *
 * @example
 * ```ts
 * const { train, test } = holdout(100, { testSize: 0.2, seed: 7 })
 * test.length // 20
 * ```
 */
export function holdout(n: number, options: HoldoutOptions = {}): Split {
  const nTest = testCount(n, options.testSize ?? 0.25)
  const seed = options.seed ?? 0
  if (options.stratify && options.stratify.length !== n) throw invalidParams(`stratify has ${options.stratify.length} labels for ${n} rows`)
  const testRows = options.stratify ? stratifiedTest(options.stratify, nTest, seed) : Array.from(permutation(n, seed).subarray(0, nTest))
  const isTest = new Uint8Array(n)
  for (const row of testRows) isTest[row] = 1
  const train: number[] = []
  const test: number[] = []
  isTest.forEach((t, row) => {
    ;(t ? test : train).push(row)
  })
  return { train: Int32Array.from(train), test: Int32Array.from(test) }
}

function testCount(n: number, testSize: number): number {
  const count = testSize > 0 && testSize < 1 ? Math.ceil(testSize * n) : testSize
  if (!Number.isInteger(count) || count < 1 || count > n - 1) {
    throw invalidParams(`testSize ${testSize} leaves no rows for training or testing among ${n} rows; use a fraction in (0, 1) or a count below ${n}`)
  }
  return count
}

/** Each class gets its proportional share of the test rows; leftover rows go to the largest remainders. */
function stratifiedTest(labels: ArrayLike<number>, nTest: number, seed: number): number[] {
  const byClass = new Map<number, number[]>()
  for (const row of permutation(labels.length, seed)) {
    const c = labels[row] ?? 0
    const rows = byClass.get(c) ?? []
    rows.push(row)
    byClass.set(c, rows)
  }
  const classes = [...byClass.entries()].sort(([a], [b]) => a - b)
  const exact = classes.map(([, rows]) => (rows.length * nTest) / labels.length)
  const share = exact.map(Math.floor)
  let left = nTest - share.reduce((a, b) => a + b, 0)
  const byRemainder = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1])
  for (const [, i] of byRemainder) {
    if (left === 0) break
    share[i] = (share[i] ?? 0) + 1
    left--
  }
  return classes.flatMap(([, rows], i) => rows.slice(0, share[i]))
}
