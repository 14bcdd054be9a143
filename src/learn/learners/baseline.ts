/**
 * @module Baselines every candidate must beat: class priors or the majority
 * class for classification, the mean or median for regression.
 */
import { KeelError } from '../../core/errors.js'
import type { Frame } from '../../core/frame.js'
import { type DecodedModel, encodeModel } from '../format.js'
import type { FitOptions, Learner, Model, Predictions, Task } from '../model.js'
import { featureColumns, prepareTraining } from '../training-data.js'
import { decodeModelBasics } from './linear-model.js'
import { checkKnownParams } from './linear-params.js'

/** The `kind` of baseline models and model files. */
export const BASELINE_KIND = 'baseline'

export type BaselineStrategy = 'prior' | 'majority' | 'mean' | 'median'

export interface BaselineParams {
  /** Default: `prior` for classification, `mean` for regression. */
  readonly strategy?: BaselineStrategy
}

/** A fitted baseline: the same output for every row. */
export interface BaselineModel extends Model {
  readonly strategy: BaselineStrategy
  /** Class probabilities (classification) or the single prediction (regression). */
  readonly output: Float64Array
}

export interface BaselineLearner extends Learner<BaselineParams> {
  fit(frame: Frame, options: FitOptions): Promise<BaselineModel>
}

const STRATEGIES: readonly BaselineStrategy[] = ['prior', 'majority', 'mean', 'median']
const forTask = (task: Task): readonly BaselineStrategy[] => (task === 'regression' ? ['mean', 'median'] : ['prior', 'majority'])

function classOutput(y: Float64Array, k: number, strategy: BaselineStrategy): Float64Array {
  const counts = new Float64Array(k)
  for (const c of y) counts[c] = (counts[c] as number) + 1
  if (strategy === 'prior') return counts.map((n) => n / y.length)
  // ties go to the first class in class order, as scikit-learn's DummyClassifier does
  let best = 0
  for (let c = 1; c < k; c++) if ((counts[c] as number) > (counts[best] as number)) best = c
  const out = new Float64Array(k)
  out[best] = 1
  return out
}

function regressionOutput(y: Float64Array, strategy: BaselineStrategy): Float64Array {
  if (strategy === 'median') {
    const s = Float64Array.from(y).sort()
    const mid = s.length >> 1
    return Float64Array.of(s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2)
  }
  let sum = 0
  for (const v of y) sum += v
  return Float64Array.of(sum / y.length)
}

interface BaselineParts {
  readonly task: Task
  readonly label: string
  readonly features: Model['features']
  readonly classes: readonly string[]
  readonly strategy: BaselineStrategy
  readonly output: Float64Array
}

function baselineModel(parts: BaselineParts): BaselineModel {
  const { task, classes, output, features } = parts
  return {
    kind: BASELINE_KIND,
    ...parts,
    predict(frame: Frame): Predictions {
      // the features are unused, but a frame without them signals a wiring mistake upstream
      featureColumns(frame, features)
      const values = new Float64Array(frame.nRows * output.length)
      for (let i = 0; i < frame.nRows; i++) values.set(output, i * output.length)
      return { task, nRows: frame.nRows, classes, values }
    },
    save: () =>
      encodeModel({
        kind: BASELINE_KIND,
        header: { task, label: parts.label, features, classes, params: { strategy: parts.strategy } },
        arrays: { output },
      }),
  }
}

/**
 * A baseline learner.
 *
 * @example
 * ```ts
 * const model = await baseline({ strategy: 'majority' }).fit(frame, { label: 'churned' })
 * model.predict(frame).values // [0, 1, 0, 1, …] if most rows churned
 * ```
 */
export function baseline(params: BaselineParams = {}): BaselineLearner {
  checkKnownParams(BASELINE_KIND, params, ['strategy'])
  if (params.strategy !== undefined && !STRATEGIES.includes(params.strategy)) {
    throw new KeelError('LEARN_INVALID_PARAMS', `baseline: strategy must be one of ${STRATEGIES.join(', ')}; got ${JSON.stringify(params.strategy)}`)
  }
  return {
    kind: BASELINE_KIND,
    params,
    async fit(frame, options) {
      const data = prepareTraining(frame, options)
      const strategy = params.strategy ?? (data.task === 'regression' ? 'mean' : 'prior')
      if (!forTask(data.task).includes(strategy)) {
        throw new KeelError('LEARN_INVALID_PARAMS', `baseline: strategy "${strategy}" does not apply to ${data.task}; use ${forTask(data.task).join(' or ')}`)
      }
      const output = data.task === 'regression' ? regressionOutput(data.y, strategy) : classOutput(data.y, data.classes.length, strategy)
      return baselineModel({ task: data.task, label: data.label, features: data.features, classes: data.classes, strategy, output })
    },
  }
}

/** Rebuilds a baseline model from `decodeModel(bytes)`. */
export function decodeBaseline(decoded: DecodedModel): BaselineModel {
  const basics = decodeModelBasics(decoded, BASELINE_KIND)
  const strategy = basics.params.strategy as BaselineStrategy
  const output = decoded.arrays.output
  const width = basics.task === 'regression' ? 1 : basics.classes.length
  if (!STRATEGIES.includes(strategy) || !(output instanceof Float64Array) || output.length !== width) {
    throw new KeelError('MODEL_FORMAT_UNSUPPORTED', `not a valid "${BASELINE_KIND}" model: bad strategy or output`)
  }
  return baselineModel({ task: basics.task, label: basics.label, features: basics.features, classes: basics.classes, strategy, output })
}
