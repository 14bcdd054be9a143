/**
 * @module Logistic regression with scikit-learn's L2 parameterization (`C`),
 * binary and multinomial, fitted by L-BFGS on the default linear preprocessing.
 */
import { KeelError } from '../../core/errors.js'
import type { Frame } from '../../core/frame.js'
import type { DecodedModel } from '../format.js'
import type { FitOptions, Learner } from '../model.js'
import { lbfgs } from '../optim/lbfgs.js'
import { Preprocessor } from '../preprocess/preprocessor.js'
import { type RecipeOptions, resolveRecipe } from '../preprocess/recipe.js'
import { prepareTraining } from '../training-data.js'
import { decodeLinearModel, type LinearCoefficients, type LinearModel, linearModel } from './linear-model.js'
import { checkKnownParams, numberParam } from './linear-params.js'
import { binaryObjective, multinomialObjective } from './logistic-objective.js'

/** The `kind` of logistic models and model files. */
export const LOGISTIC_KIND = 'logistic'

export interface LogisticParams {
  /** Inverse L2 strength, as scikit-learn's `C`: minimizes C·Σ log-loss + ½‖w‖² (default 1). */
  readonly C?: number
  /** L-BFGS iteration cap (default 1000). */
  readonly maxIter?: number
  /** Stop when no gradient entry of the per-row objective exceeds this (default 1e-10, tight enough to match scikit-learn's optimum to ~1e-8). */
  readonly tol?: number
  /** Changes to the default linear preprocessing recipe. */
  readonly preprocess?: RecipeOptions
}

export interface LogisticLearner extends Learner<LogisticParams> {
  fit(frame: Frame, options: FitOptions): Promise<LinearModel>
}

const PARAMS = ['C', 'maxIter', 'tol', 'preprocess'] as const

/**
 * Correction pairs L-BFGS keeps. Softmax and one-hot blocks leave directions only
 * the small L2 term curves; a longer memory captures them, cutting multinomial
 * fits from ~220 iterations to ~125 at a cost per iteration (30 dot products of
 * the parameter count) that is negligible next to one pass over the rows.
 */
const LBFGS_MEMORY = 30

function resolve(params: LogisticParams) {
  checkKnownParams(LOGISTIC_KIND, params, PARAMS)
  return {
    C: numberParam(LOGISTIC_KIND, 'C', params.C ?? 1, (v) => v > 0, 'a positive number'),
    maxIter: numberParam(LOGISTIC_KIND, 'maxIter', params.maxIter ?? 1000, (v) => Number.isInteger(v) && v >= 1, 'a positive integer'),
    tol: numberParam(LOGISTIC_KIND, 'tol', params.tol ?? 1e-10, (v) => v > 0, 'a positive number'),
    recipe: resolveRecipe(params.preprocess),
  }
}

/** Splits optimizer parameters (per output: weights, then intercept) into coefficients. */
function unpack(w: Float64Array, names: readonly string[], outputs: number): LinearCoefficients {
  const p = names.length
  const weights = new Float64Array(outputs * p)
  const intercepts = new Float64Array(outputs)
  for (let o = 0; o < outputs; o++) {
    weights.set(w.subarray(o * (p + 1), o * (p + 1) + p), o * p)
    intercepts[o] = w[o * (p + 1) + p] as number
  }
  return { names, weights, intercepts }
}

/**
 * Logistic regression: exactly scikit-learn's `LogisticRegression(solver='lbfgs')`
 * objective, so coefficients agree once both have converged.
 *
 * @example
 * ```ts
 * const model = await logistic({ C: 0.5 }).fit(frame, { label: 'churned' })
 * model.predict(frame).values // [P(no), P(yes)] per row
 * model.coefficients.names // ['tenure', 'plan=free', 'plan=pro', 'plan=__unknown__']
 * ```
 */
export function logistic(params: LogisticParams = {}): LogisticLearner {
  const { C, maxIter, tol, recipe } = resolve(params)
  return {
    kind: LOGISTIC_KIND,
    params,
    async fit(frame, options) {
      const data = prepareTraining(frame, options)
      if (data.task === 'regression') {
        throw new KeelError(
          'LEARN_INVALID_INPUT',
          `logistic regression needs a class label; "${data.label}" looks continuous (use linear(), or pass task 'binary' or 'multiclass')`,
        )
      }
      const preprocessor = Preprocessor.fit(frame, data.features, recipe)
      const m = preprocessor.transform(frame)
      const outputs = data.task === 'binary' ? 1 : data.classes.length
      const objective = outputs === 1 ? binaryObjective(m, data.y, C) : multinomialObjective(m, data.y, outputs, C)
      const result = lbfgs(objective, new Float64Array(outputs * (m.nCols + 1)), { maxIter, gradTol: tol, lossTol: 0, memory: LBFGS_MEMORY })
      return linearModel({
        kind: LOGISTIC_KIND,
        task: data.task,
        label: data.label,
        features: data.features,
        classes: data.classes,
        params: { C, maxIter, tol },
        preprocessor,
        coefficients: unpack(result.x, m.names, outputs),
        report: { iterations: result.iterations, converged: result.converged, reason: result.reason },
      })
    },
  }
}

/** Rebuilds a logistic model from `decodeModel(bytes)`; predictions are bit-identical to the saved model's. */
export function decodeLogistic(decoded: DecodedModel): LinearModel {
  return decodeLinearModel(decoded, LOGISTIC_KIND)
}
