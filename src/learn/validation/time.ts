/** @module Time-ordered splits: train strictly before test, in expanding windows like TimeSeriesSplit. */
import { KeelError } from '../../core/errors.js'
import { invalidParams, type Split } from './split.js'

export interface TimeSplitOptions {
  /** Number of test windows (default 5). */
  readonly folds?: number
  /** Rows per test window; default `n / (folds + 1)` rounded down, as scikit-learn. */
  readonly testSize?: number
}

/**
 * Expanding-window splits over rows ordered by `times` (timestamps or any
 * numbers): fold f trains on every row strictly earlier than its test window,
 * which is the next `testSize` rows in time. Rows sharing a time never straddle
 * a boundary, so windows can shift by a few rows from scikit-learn's positions.
 *
 * @example
 * ```ts
 * timeSplit(Float64Array.from([1, 2, 3, 4, 5, 6]), { folds: 2 }).map((s) => [Array.from(s.train), Array.from(s.test)])
 * // [[[0, 1], [2, 3]], [[0, 1, 2, 3], [4, 5]]]
 * ```
 */
export function timeSplit(times: ArrayLike<number>, options: TimeSplitOptions = {}): Split[] {
  const n = times.length
  const folds = options.folds ?? 5
  if (!Number.isInteger(folds) || folds < 1) throw invalidParams(`folds must be a positive integer, got ${folds}`)
  const testSize = options.testSize ?? Math.floor(n / (folds + 1))
  if (!Number.isInteger(testSize) || testSize < 1 || n - folds * testSize <= 0) {
    throw invalidParams(`${n} rows are too few for ${folds} time folds of ${testSize} test rows each`)
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(times[i] ?? Number.NaN)) throw new KeelError('LEARN_INVALID_INPUT', `time ${times[i]} at row ${i} is missing or not finite`)
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (times[a] ?? 0) - (times[b] ?? 0) || a - b)
  const timeAt = (position: number): number => (position >= n ? Number.POSITIVE_INFINITY : (times[order[position] ?? 0] ?? 0))
  return Array.from({ length: folds }, (_, f) => {
    const start = n - (folds - f) * testSize
    return window(times, timeAt(start), timeAt(start + testSize), `fold ${f + 1}`)
  })
}

/** Train: rows before `from`; test: rows in [from, to). */
function window(times: ArrayLike<number>, from: number, to: number, name: string): Split {
  const train: number[] = []
  const test: number[] = []
  for (let i = 0; i < times.length; i++) {
    const t = times[i] ?? 0
    if (t < from) train.push(i)
    else if (t < to) test.push(i)
  }
  if (train.length === 0 || test.length === 0)
    throw invalidParams(`${name} has no ${train.length === 0 ? 'training' : 'test'} rows: too many rows share a time`)
  return { train: Int32Array.from(train), test: Int32Array.from(test) }
}
