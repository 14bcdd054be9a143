/**
 * @module Curves for evaluation reports: ROC and precision–recall points (as scikit-learn's
 * `roc_curve` and `precision_recall_curve` compute them, thinned for storage) and calibration bins.
 */
import { type ClassLabels, checkPair } from './check.js'
import { type Curve, curve } from './ranking.js'

export interface RocPoint {
  readonly fpr: number
  readonly tpr: number
  readonly threshold: number
}

export interface PrPoint {
  readonly precision: number
  readonly recall: number
  readonly threshold: number
}

export interface CalibrationBin {
  /** Lower edge of the bin of predicted probability. */
  readonly from: number
  readonly to: number
  readonly count: number
  readonly meanPredicted: number
  /** Share of rows in the bin whose label is the positive class. */
  readonly fractionPositive: number
}

/** The ranking curve of checked inputs. */
function thresholds(yTrue: ClassLabels, scores: ArrayLike<number>): Curve {
  checkPair('curve', yTrue, scores)
  return curve(yTrue, scores)
}

/** At most `max` points, always keeping the first and the last. */
function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points]
  const out: T[] = []
  for (let i = 0; i < max; i++) out.push(points[Math.round((i * (points.length - 1)) / (max - 1))] as T)
  return out
}

/**
 * ROC curve points from (0, 0) to (1, 1) for binary labels (1 = positive) and positive-class scores.
 *
 * @example
 * ```ts
 * rocCurve(new Int32Array([0, 0, 1, 1]), new Float64Array([0.1, 0.4, 0.35, 0.8]))
 * // [{ fpr: 0, tpr: 0, threshold: Infinity }, { fpr: 0, tpr: 0.5, threshold: 0.8 }, …]
 * ```
 */
export function rocCurve(yTrue: ClassLabels, scores: ArrayLike<number>, maxPoints = 101): RocPoint[] {
  const { tps, fps, at } = thresholds(yTrue, scores)
  const positives = tps.at(-1) ?? 0
  const negatives = fps.at(-1) ?? 0
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Number.POSITIVE_INFINITY }]
  at.forEach((threshold, i) => {
    points.push({ fpr: negatives === 0 ? 0 : (fps[i] as number) / negatives, tpr: positives === 0 ? 0 : (tps[i] as number) / positives, threshold })
  })
  return thin(points, maxPoints)
}

/**
 * Precision–recall points by decreasing threshold, ending at recall 0 with precision 1.
 *
 * @example
 * ```ts
 * prCurve(new Int32Array([0, 1]), new Float64Array([0.2, 0.9])) // [{ precision: 0.5, recall: 1, … }, …]
 * ```
 */
export function prCurve(yTrue: ClassLabels, scores: ArrayLike<number>, maxPoints = 101): PrPoint[] {
  const { tps, fps, at } = thresholds(yTrue, scores)
  const positives = tps.at(-1) ?? 0
  const points: PrPoint[] = []
  for (let i = at.length - 1; i >= 0; i--) {
    const tp = tps[i] as number
    points.push({ precision: tp / (tp + (fps[i] as number)), recall: positives === 0 ? 0 : tp / positives, threshold: at[i] as number })
  }
  points.push({ precision: 1, recall: 0, threshold: Number.POSITIVE_INFINITY })
  return thin(points, maxPoints)
}

/**
 * Reliability diagram data: rows binned by predicted probability into `bins` equal-width bins
 * (as `calibration_curve(strategy='uniform')`); empty bins are left out.
 *
 * @example
 * ```ts
 * calibration(new Int32Array([0, 1, 1]), new Float64Array([0.1, 0.8, 0.9]), 2)
 * // [{ from: 0, to: 0.5, count: 1, meanPredicted: 0.1, fractionPositive: 0 }, { from: 0.5, to: 1, count: 2, … }]
 * ```
 */
export function calibration(yTrue: ClassLabels, probabilities: ArrayLike<number>, bins = 10): CalibrationBin[] {
  checkPair('calibration', yTrue, probabilities)
  const count = new Float64Array(bins)
  const sum = new Float64Array(bins)
  const positive = new Float64Array(bins)
  for (let i = 0; i < yTrue.length; i++) {
    const p = probabilities[i] as number
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)))
    count[b] = (count[b] as number) + 1
    sum[b] = (sum[b] as number) + p
    if (yTrue[i] === 1) positive[b] = (positive[b] as number) + 1
  }
  const out: CalibrationBin[] = []
  for (let b = 0; b < bins; b++) {
    const n = count[b] as number
    if (n === 0) continue
    out.push({ from: b / bins, to: (b + 1) / bins, count: n, meanPredicted: (sum[b] as number) / n, fractionPositive: (positive[b] as number) / n })
  }
  return out
}
