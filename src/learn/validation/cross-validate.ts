/** @module Cross-validation: fit a learner per fold, score the held-out rows, summarize. */
import { KeelError } from '../../core/errors.js'
import type { Frame } from '../../core/frame.js'
import { type MetricName, metricFor, STANDARD_METRICS } from '../metrics/table.js'
import type { FitOptions, Learner, Task } from '../model.js'
import { prepareTraining } from '../training-data.js'
import { kFold, stratifiedKFold } from './kfold.js'
import type { Split } from './split.js'
import { targetsFor } from './targets.js'

export interface CrossValidateOptions {
  readonly label: string
  readonly task?: Task | 'auto'
  readonly features?: readonly string[]
  /** Number of folds (default 5): stratified for classification, contiguous k-fold for regression, as scikit-learn's `cv=5`. */
  readonly folds?: number
  /** Custom splits instead of `folds`, e.g. `(f) => timeSplit(numericView(f.column('day')))`. */
  readonly splitter?: (frame: Frame) => readonly Split[]
  /** Default: the task's standard metrics. */
  readonly metrics?: readonly MetricName[]
}

export interface FoldResult {
  readonly nTrain: number
  readonly nTest: number
  readonly scores: Readonly<Partial<Record<MetricName, number>>>
  /** Wall time of `learner.fit`, in milliseconds. */
  readonly fitMs: number
}

export interface CrossValidation {
  readonly task: Task
  readonly metrics: readonly MetricName[]
  readonly folds: readonly FoldResult[]
  readonly mean: Readonly<Partial<Record<MetricName, number>>>
  /** Population standard deviation over folds (numpy's default), as scikit-learn reports. */
  readonly std: Readonly<Partial<Record<MetricName, number>>>
  readonly fitMs: number
}

/**
 * Fits `learner` on each fold's training rows, predicts its held-out rows and
 * scores them; folds run one after another so results are reproducible.
 *
 * @example
 * ```ts
 * const cv = await crossValidate(learner, frame, { label: 'churned', folds: 5, metrics: ['rocAuc'] })
 * cv.mean.rocAuc // 0.87
 * ```
 */
export async function crossValidate(learner: Learner, frame: Frame, options: CrossValidateOptions): Promise<CrossValidation> {
  const data = prepareTraining(frame, fitOptions(options))
  const task = data.task
  const metrics = options.metrics ?? STANDARD_METRICS[task]
  const specs = metrics.map((m) => metricFor(m, task))
  const splits = options.splitter ? options.splitter(frame) : defaultSplits(task, data.y, options.folds ?? 5)
  if (splits.length === 0) throw new KeelError('LEARN_INVALID_PARAMS', 'the splitter returned no splits')
  const fit = { ...fitOptions(options), task }
  const folds: FoldResult[] = []
  for (const split of splits) {
    const started = performance.now()
    const model = await learner.fit(frame.take(split.train), fit)
    const fitMs = performance.now() - started
    const test = frame.take(split.test)
    const predictions = model.predict(test)
    const y = targetsFor(model, test)
    const scores: Partial<Record<MetricName, number>> = {}
    metrics.forEach((m, i) => {
      scores[m] = specs[i]?.score(y, predictions) ?? Number.NaN
    })
    folds.push({ nTrain: split.train.length, nTest: split.test.length, scores, fitMs })
  }
  return { task, metrics, folds, ...summarize(metrics, folds), fitMs: folds.reduce((a, f) => a + f.fitMs, 0) }
}

/**
 * scikit-learn's `cv=k`: stratified k-fold for classification (`y` = class
 * indices), contiguous k-fold for regression.
 *
 * @example
 * ```ts
 * defaultSplits('binary', prepareTraining(frame, { label: 'y' }).y, 5)
 * ```
 */
export function defaultSplits(task: Task, y: Float64Array, folds: number): Split[] {
  return task === 'regression' ? kFold(y.length, { folds }) : stratifiedKFold(y, { folds })
}

/** The fit options cross-validation passes through to the learner. */
export function fitOptions(options: Pick<CrossValidateOptions, 'label' | 'task' | 'features'>): FitOptions {
  return {
    label: options.label,
    ...(options.task === undefined ? {} : { task: options.task }),
    ...(options.features === undefined ? {} : { features: options.features }),
  }
}

/** Mean and population standard deviation of each metric over folds. */
export function summarize(
  metrics: readonly MetricName[],
  folds: readonly { readonly scores: Readonly<Partial<Record<MetricName, number>>> }[],
): { mean: Partial<Record<MetricName, number>>; std: Partial<Record<MetricName, number>> } {
  const mean: Partial<Record<MetricName, number>> = {}
  const std: Partial<Record<MetricName, number>> = {}
  for (const m of metrics) {
    const values = folds.map((f) => f.scores[m] ?? Number.NaN)
    const mu = values.reduce((a, b) => a + b, 0) / values.length
    mean[m] = mu
    std[m] = Math.sqrt(values.reduce((a, v) => a + (v - mu) ** 2, 0) / values.length)
  }
  return { mean, std }
}
