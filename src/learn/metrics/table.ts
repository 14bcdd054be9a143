/** @module Every named metric: its direction, the tasks it applies to, and how to score a Predictions object. */
import { KeelError } from '../../core/errors.js'
import type { Predictions, Task } from '../model.js'
import { type ClassLabels, positiveColumn } from './check.js'
import { accuracy, balancedAccuracy, f1, precision, recall } from './classification.js'
import { brierScore, logLoss } from './probabilistic.js'
import { averagePrecision, rocAuc } from './ranking.js'
import { mae, mape, r2, rmse } from './regression.js'

/** Whether a larger value of the metric is better (`max`) or worse (`min`). */
export type Direction = 'max' | 'min'

export interface MetricSpec {
  readonly direction: Direction
  readonly tasks: readonly Task[]
  /** Scores predictions against true labels (class indices) or targets. */
  readonly score: (yTrue: ClassLabels, predictions: Predictions) => number
}

const classification: readonly Task[] = ['binary', 'multiclass']
const binary: readonly Task[] = ['binary']
const regression: readonly Task[] = ['regression']

/** Values as Float64Array, the type regression metrics take. */
const targets = (y: ClassLabels): Float64Array => (y instanceof Float64Array ? y : Float64Array.from(y))

/** Class indices by highest probability; ties go to the first class, as numpy's argmax. */
export function predictedClasses(p: Predictions): Int32Array {
  const k = p.classes.length
  const out = new Int32Array(p.nRows)
  for (let i = 0; i < p.nRows; i++) {
    let best = 0
    for (let c = 1; c < k; c++) if ((p.values[i * k + c] ?? 0) > (p.values[i * k + best] ?? 0)) best = c
    out[i] = best
  }
  return out
}

const labelled = (f: (t: ClassLabels, p: Int32Array) => number) => (t: ClassLabels, p: Predictions) => f(t, predictedClasses(p))

/**
 * Every metric Keel knows, by name. Model selection and gates read `direction`.
 *
 * @example
 * ```ts
 * METRICS.logLoss.direction // 'min'
 * METRICS.rocAuc.score(yTrue, model.predict(frame))
 * ```
 */
export const METRICS = {
  accuracy: { direction: 'max', tasks: classification, score: labelled(accuracy) },
  balancedAccuracy: { direction: 'max', tasks: classification, score: labelled(balancedAccuracy) },
  precision: { direction: 'max', tasks: binary, score: labelled((t, p) => precision(t, p)) },
  recall: { direction: 'max', tasks: binary, score: labelled((t, p) => recall(t, p)) },
  f1: { direction: 'max', tasks: binary, score: labelled((t, p) => f1(t, p)) },
  precisionMacro: { direction: 'max', tasks: classification, score: labelled((t, p) => precision(t, p, { average: 'macro' })) },
  recallMacro: { direction: 'max', tasks: classification, score: labelled((t, p) => recall(t, p, { average: 'macro' })) },
  f1Macro: { direction: 'max', tasks: classification, score: labelled((t, p) => f1(t, p, { average: 'macro' })) },
  f1Weighted: { direction: 'max', tasks: classification, score: labelled((t, p) => f1(t, p, { average: 'weighted' })) },
  rocAuc: { direction: 'max', tasks: classification, score: (t, p) => rocAuc(t, probabilities(p)) },
  averagePrecision: { direction: 'max', tasks: classification, score: (t, p) => averagePrecision(t, probabilities(p)) },
  logLoss: { direction: 'min', tasks: classification, score: (t, p) => logLoss(t, p.values) },
  brierScore: { direction: 'min', tasks: binary, score: (t, p) => brierScore(t, p.values) },
  rmse: { direction: 'min', tasks: regression, score: (t, p) => rmse(targets(t), p.values) },
  mae: { direction: 'min', tasks: regression, score: (t, p) => mae(targets(t), p.values) },
  r2: { direction: 'max', tasks: regression, score: (t, p) => r2(targets(t), p.values) },
  mape: { direction: 'min', tasks: regression, score: (t, p) => mape(targets(t), p.values) },
} as const satisfies Record<string, MetricSpec>

export type MetricName = keyof typeof METRICS

/** The metrics `evaluate` reports, and the first is the default for selection. */
export const STANDARD_METRICS: Readonly<Record<Task, readonly MetricName[]>> = {
  binary: ['rocAuc', 'logLoss', 'accuracy', 'balancedAccuracy', 'precision', 'recall', 'f1', 'averagePrecision', 'brierScore'],
  multiclass: ['logLoss', 'accuracy', 'balancedAccuracy', 'f1Macro', 'f1Weighted', 'precisionMacro', 'recallMacro', 'rocAuc'],
  regression: ['rmse', 'mae', 'r2', 'mape'],
}

/** Binary metrics rank by the positive-class column; multiclass ones take the whole matrix. */
function probabilities(p: Predictions): Float64Array {
  return p.classes.length === 2 ? positiveColumn(p.values, p.nRows) : p.values
}

/** Throws LEARN_INVALID_PARAMS unless `name` is a metric for `task`. */
export function metricFor(name: string, task: Task): MetricSpec {
  const spec: MetricSpec | undefined = (METRICS as Record<string, MetricSpec>)[name]
  if (!spec) throw new KeelError('LEARN_INVALID_PARAMS', `unknown metric "${name}" (metrics: ${Object.keys(METRICS).join(', ')})`)
  if (!spec.tasks.includes(task))
    throw new KeelError('LEARN_INVALID_PARAMS', `metric "${name}" does not apply to ${task} (it applies to ${spec.tasks.join(', ')})`)
  return spec
}
