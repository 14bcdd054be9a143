/** @module The standard metric set for a task, computed from a Predictions object. */
import type { Predictions, Task } from '../model.js'
import { type ClassLabels, invalid } from './check.js'
import { type MetricName, metricFor, STANDARD_METRICS } from './table.js'

/**
 * Scores predictions with the task's standard metrics (or the ones named).
 * Classification `yTrue` holds class indices into `predictions.classes`.
 *
 * @example
 * ```ts
 * const scores = evaluate('binary', new Int32Array([0, 1]), model.predict(frame))
 * scores.rocAuc // 1
 * ```
 */
export function evaluate(
  task: Task,
  yTrue: ClassLabels,
  predictions: Predictions,
  metrics: readonly MetricName[] = STANDARD_METRICS[task],
): Partial<Record<MetricName, number>> {
  if (predictions.task !== task) throw invalid(`evaluate: the predictions are for ${predictions.task}, not ${task}`)
  if (yTrue.length !== predictions.nRows) throw invalid(`evaluate: yTrue has ${yTrue.length} values but there are ${predictions.nRows} predictions`)
  const out: Partial<Record<MetricName, number>> = {}
  for (const name of metrics) out[name] = metricFor(name, task).score(yTrue, predictions)
  return out
}
