/** @module Permutation importance: how much a metric worsens when one feature's values are shuffled. */
import { KeelError } from '../../core/errors.js'
import type { Frame } from '../../core/frame.js'
import { type Direction, type MetricName, metricFor, STANDARD_METRICS } from '../metrics/table.js'
import type { Model } from '../model.js'
import { createRandom } from '../random.js'
import { permutation } from '../validation/split.js'
import { targetsFor } from '../validation/targets.js'

export interface PermutationOptions {
  /** Default: the task's first standard metric (rocAuc, logLoss, rmse). */
  readonly metric?: MetricName
  /** Shuffles per feature (default 5). */
  readonly nRepeats?: number
  /** Default 0. */
  readonly seed?: number
  /** Default: every model feature. */
  readonly features?: readonly string[]
}

export interface FeatureImportance {
  readonly name: string
  /** Mean worsening of the metric over the shuffles; positive means the model relies on the feature. */
  readonly mean: number
  /** Population standard deviation over the shuffles, as scikit-learn. */
  readonly std: number
  /** The worsening on each shuffle. */
  readonly drops: readonly number[]
}

export interface PermutationImportance {
  readonly metric: MetricName
  readonly direction: Direction
  /** The metric on the unshuffled frame. */
  readonly baseline: number
  readonly features: readonly FeatureImportance[]
}

/**
 * Scores the model on `frame` (which holds its features and label), then for
 * each feature shuffles that column `nRepeats` times and records how much the
 * metric worsens, like scikit-learn's `permutation_importance`. Worsening is
 * signed by the metric's direction, so it is positive for losses and scores alike.
 *
 * @example
 * ```ts
 * const { features } = permutationImportance(model, holdoutFrame, { metric: 'rocAuc', nRepeats: 10, seed: 1 })
 * features.toSorted((a, b) => b.mean - a.mean)[0]?.name // the feature the model leans on most
 * ```
 */
export function permutationImportance(model: Model, frame: Frame, options: PermutationOptions = {}): PermutationImportance {
  const metric = options.metric ?? STANDARD_METRICS[model.task][0] ?? 'rmse'
  const spec = metricFor(metric, model.task)
  const nRepeats = options.nRepeats ?? 5
  if (!Number.isInteger(nRepeats) || nRepeats < 1) throw new KeelError('LEARN_INVALID_PARAMS', `nRepeats must be a positive integer, got ${nRepeats}`)
  const names = options.features ?? model.features.map((f) => f.name)
  const y = targetsFor(model, frame)
  const score = (f: Frame): number => spec.score(y, model.predict(f))
  const baseline = score(frame)
  const worsening = (s: number): number => (spec.direction === 'max' ? baseline - s : s - baseline)
  const rng = createRandom(options.seed ?? 0)
  const features = names.map((name): FeatureImportance => {
    const column = frame.select([name])
    const drops = Array.from({ length: nRepeats }, () => {
      const shuffled = column.take(permutation(frame.nRows, rng.int(2 ** 31))).column(name)
      return worsening(score(frame.with(name, shuffled)))
    })
    const mean = drops.reduce((a, b) => a + b, 0) / nRepeats
    return { name, mean, std: Math.sqrt(drops.reduce((a, d) => a + (d - mean) ** 2, 0) / nRepeats), drops }
  })
  return { metric, direction: spec.direction, baseline, features }
}
