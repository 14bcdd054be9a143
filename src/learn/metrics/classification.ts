/** @module Label-based classification metrics with scikit-learn's definitions and zero-division rule (0). */
import { type ClassLabels, checkClasses, checkPair, invalid } from './check.js'

/** How per-class scores combine: one positive class, or an unweighted / support-weighted mean over classes. */
export type Average = 'binary' | 'macro' | 'weighted'

export interface AverageOptions {
  /** Default `binary`. */
  readonly average?: Average
  /** The positive class index for `binary` (default 1). */
  readonly positive?: number
}

/**
 * Counts with true classes in rows and predicted classes in columns, as
 * `sklearn.metrics.confusion_matrix`; size is `nClasses` (default: the largest label + 1).
 *
 * @example
 * ```ts
 * confusionMatrix(new Int32Array([0, 1, 1]), new Int32Array([0, 0, 1])) // [[1, 0], [1, 1]]
 * ```
 */
export function confusionMatrix(yTrue: ClassLabels, yPred: ClassLabels, nClasses?: number): number[][] {
  const n = checkPair('confusionMatrix', yTrue, yPred)
  const k = Math.max(checkClasses('confusionMatrix', yTrue), checkClasses('confusionMatrix', yPred), nClasses ?? 0)
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0))
  for (let i = 0; i < n; i++) {
    const row = m[yTrue[i] ?? 0]
    const col = yPred[i] ?? 0
    if (row) row[col] = (row[col] ?? 0) + 1
  }
  return m
}

/**
 * The fraction of rows predicted correctly.
 *
 * @example
 * ```ts
 * accuracy(new Int32Array([0, 1, 1, 1]), new Int32Array([0, 1, 0, 1])) // 0.75
 * ```
 */
export function accuracy(yTrue: ClassLabels, yPred: ClassLabels): number {
  const n = checkPair('accuracy', yTrue, yPred)
  checkClasses('accuracy', yTrue)
  checkClasses('accuracy', yPred)
  let hits = 0
  for (let i = 0; i < n; i++) if (yTrue[i] === yPred[i]) hits++
  return hits / n
}

/**
 * The mean recall over the classes present in `yTrue` (scikit-learn drops classes with no true rows).
 *
 * @example
 * ```ts
 * balancedAccuracy(new Int32Array([0, 0, 0, 1]), new Int32Array([0, 0, 0, 0])) // 0.5
 * ```
 */
export function balancedAccuracy(yTrue: ClassLabels, yPred: ClassLabels): number {
  const { tp, trueSum } = classCounts('balancedAccuracy', yTrue, yPred)
  let sum = 0
  let classes = 0
  trueSum.forEach((t, c) => {
    if (t === 0) return
    sum += (tp[c] ?? 0) / t
    classes++
  })
  return sum / classes
}

/**
 * Precision tp / (tp + fp); 0 where nothing was predicted positive.
 *
 * @example
 * ```ts
 * precision(new Int32Array([0, 1, 1]), new Int32Array([1, 1, 0])) // 0.5
 * precision(yTrue, yPred, { average: 'macro' })
 * ```
 */
export function precision(yTrue: ClassLabels, yPred: ClassLabels, options: AverageOptions = {}): number {
  return averaged('precision', yTrue, yPred, options, (c) => ratio(c.tp, c.tp + c.fp))
}

/**
 * Recall tp / (tp + fn); 0 where the class has no true rows.
 *
 * @example
 * ```ts
 * recall(new Int32Array([0, 1, 1]), new Int32Array([1, 1, 0])) // 0.5
 * ```
 */
export function recall(yTrue: ClassLabels, yPred: ClassLabels, options: AverageOptions = {}): number {
  return averaged('recall', yTrue, yPred, options, (c) => ratio(c.tp, c.tp + c.fn))
}

/**
 * The harmonic mean of precision and recall per class (0 where both are 0), then averaged.
 *
 * @example
 * ```ts
 * f1(new Int32Array([0, 1, 1]), new Int32Array([1, 1, 0])) // 0.5
 * f1(yTrue, yPred, { average: 'weighted' })
 * ```
 */
export function f1(yTrue: ClassLabels, yPred: ClassLabels, options: AverageOptions = {}): number {
  return averaged('f1', yTrue, yPred, options, (c) => {
    const p = ratio(c.tp, c.tp + c.fp)
    const r = ratio(c.tp, c.tp + c.fn)
    return p + r === 0 ? 0 : (2 * p * r) / (p + r)
  })
}

interface ClassCount {
  readonly tp: number
  readonly fp: number
  readonly fn: number
  readonly support: number
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b)

function averaged(metric: string, yTrue: ClassLabels, yPred: ClassLabels, options: AverageOptions, score: (c: ClassCount) => number): number {
  const counts = classCounts(metric, yTrue, yPred)
  const classOf = (c: number): ClassCount => {
    const tp = counts.tp[c] ?? 0
    return { tp, fp: (counts.predSum[c] ?? 0) - tp, fn: (counts.trueSum[c] ?? 0) - tp, support: counts.trueSum[c] ?? 0 }
  }
  const average = options.average ?? 'binary'
  if (average === 'binary') return binaryScore(metric, counts, options.positive ?? 1, classOf, score)
  // scikit-learn averages over the labels present in either yTrue or yPred
  const present = counts.trueSum.map((_, c) => c).filter((c) => (counts.trueSum[c] ?? 0) + (counts.predSum[c] ?? 0) > 0)
  let total = 0
  let weights = 0
  for (const c of present) {
    const w = average === 'weighted' ? classOf(c).support : 1
    total += w * score(classOf(c))
    weights += w
  }
  return weights === 0 ? 0 : total / weights
}

function binaryScore(
  metric: string,
  counts: { trueSum: number[]; predSum: number[] },
  positive: number,
  classOf: (c: number) => ClassCount,
  score: (c: ClassCount) => number,
): number {
  const present = counts.trueSum.filter((t, c) => t + (counts.predSum[c] ?? 0) > 0).length
  if (present > 2) throw invalid(`${metric}: ${present} classes present; use average 'macro' or 'weighted' for multiclass`)
  return score(classOf(positive))
}

function classCounts(metric: string, yTrue: ClassLabels, yPred: ClassLabels): { tp: number[]; trueSum: number[]; predSum: number[] } {
  const n = checkPair(metric, yTrue, yPred)
  const k = Math.max(checkClasses(metric, yTrue), checkClasses(metric, yPred), 2)
  const tp = new Array<number>(k).fill(0)
  const trueSum = new Array<number>(k).fill(0)
  const predSum = new Array<number>(k).fill(0)
  for (let i = 0; i < n; i++) {
    const t = yTrue[i] ?? 0
    const p = yPred[i] ?? 0
    trueSum[t] = (trueSum[t] ?? 0) + 1
    predSum[p] = (predSum[p] ?? 0) + 1
    if (t === p) tp[t] = (tp[t] ?? 0) + 1
  }
  return { tp, trueSum, predSum }
}
