/**
 * @module Linear regression: ordinary least squares or ridge (scikit-learn's
 * `alpha`), solved exactly on the default linear preprocessing.
 */
import { KeelError } from '../../core/errors.js'
import type { Frame } from '../../core/frame.js'
import type { DecodedModel } from '../format.js'
import type { FitOptions, Learner } from '../model.js'
import { Preprocessor } from '../preprocess/preprocessor.js'
import { type RecipeOptions, resolveRecipe } from '../preprocess/recipe.js'
import { prepareTraining } from '../training-data.js'
import { decodeLinearModel, type LinearModel, linearModel } from './linear-model.js'
import { checkKnownParams, numberParam } from './linear-params.js'
import { solveRidge } from './linear-solve.js'

/** The `kind` of linear-regression models and model files. */
export const LINEAR_KIND = 'linear'

export interface LinearParams {
  /** L2 strength as scikit-learn's Ridge `alpha`: minimizes ‖y − Xw − b‖² + α‖w‖² (default 0, ordinary least squares). */
  readonly alpha?: number
  /** Changes to the default linear preprocessing recipe. */
  readonly preprocess?: RecipeOptions
}

export interface LinearLearner extends Learner<LinearParams> {
  fit(frame: Frame, options: FitOptions): Promise<LinearModel>
}

/**
 * Least-squares regression. With collinear columns (one-hot levels beside the
 * intercept) and `alpha` 0 it returns the minimum-norm solution, as
 * scikit-learn's LinearRegression does.
 *
 * @example
 * ```ts
 * const model = await linear({ alpha: 1 }).fit(frame, { label: 'price' })
 * model.predict(frame).values // one prediction per row
 * ```
 */
export function linear(params: LinearParams = {}): LinearLearner {
  checkKnownParams(LINEAR_KIND, params, ['alpha', 'preprocess'])
  const alpha = numberParam(LINEAR_KIND, 'alpha', params.alpha ?? 0, (v) => v >= 0, 'a number ≥ 0')
  const recipe = resolveRecipe(params.preprocess)
  return {
    kind: LINEAR_KIND,
    params,
    async fit(frame, options) {
      const task = options.task === undefined || options.task === 'auto' ? 'regression' : options.task
      const data = prepareTraining(frame, { ...options, task })
      if (data.task !== 'regression') {
        throw new KeelError('LEARN_INVALID_INPUT', `linear regression predicts numbers; task "${data.task}" needs logistic()`)
      }
      const preprocessor = Preprocessor.fit(frame, data.features, recipe)
      const m = preprocessor.transform(frame)
      const { weights, intercept } = solveRidge(m, data.y, alpha)
      return linearModel({
        kind: LINEAR_KIND,
        task: 'regression',
        label: data.label,
        features: data.features,
        classes: [],
        params: { alpha },
        preprocessor,
        coefficients: { names: m.names, weights, intercepts: Float64Array.of(intercept) },
        report: undefined,
      })
    },
  }
}

/** Rebuilds a linear model from `decodeModel(bytes)`; predictions are bit-identical to the saved model's. */
export function decodeLinear(decoded: DecodedModel): LinearModel {
  return decodeLinearModel(decoded, LINEAR_KIND)
}
