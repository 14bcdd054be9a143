/** @module Gradient-boosted decision trees in the class of XGBoost `hist` and LightGBM. */
import type { Frame } from '../../core/frame.js'
import type { DecodedModel } from '../format.js'
import type { FitOptions, Learner, Task } from '../model.js'
import { prepareTraining } from '../training-data.js'
import { paramError } from '../trees/params.js'
import { decodeTreeModel, type TreeModel, treeModel } from '../trees/tree-model.js'
import { boost } from './gbdt/boost.js'
import { type ObjectiveName, objectiveFor } from './gbdt/objectives.js'
import { type GbdtObjective, type GbdtParams, resolveGbdtParams } from './gbdt/params.js'
import { heldOut } from './gbdt/validation-data.js'

export type { GbdtObjective, GbdtParams } from './gbdt/params.js'

/** The model header kind of boosted-tree models. */
export const GBDT_KIND = 'gbdt'

/** A fitted GBDT model; `info.rounds` is the number of boosting rounds kept (after early stopping). */
export type GbdtModel = TreeModel

/**
 * A gradient-boosted trees learner. Missing values (NaN) go the way each split
 * learned; categories are split on their level codes.
 *
 * @example
 * ```ts
 * const learner = gbdt({ nTrees: 200, learningRate: 0.05, maxDepth: 4, earlyStoppingRounds: 20 })
 * const model = await learner.fit(train, { label: 'churned', validation: holdout })
 * model.predict(test).values // P(class 0), P(class 1) per row
 * ```
 */
export function gbdt(params: Partial<GbdtParams> = {}): Learner<GbdtParams> {
  const resolved = Object.freeze(resolveGbdtParams(params))
  return { kind: GBDT_KIND, params: resolved, fit: async (frame, options) => fitGbdt(frame, options, resolved) }
}

const TASK_OF: Record<ObjectiveName, Task> = { binary: 'binary', multiclass: 'multiclass', squared: 'regression', absolute: 'regression', huber: 'regression' }

function fitGbdt(frame: Frame, options: FitOptions, params: GbdtParams): GbdtModel {
  const task = taskFor(params.objective, options.task)
  const data = prepareTraining(frame, { ...options, task })
  if (params.earlyStoppingRounds !== undefined && !options.validation) {
    throw paramError(GBDT_KIND, 'parameter "earlyStoppingRounds" needs held-out rows: pass `validation` in the fit options')
  }
  const name: ObjectiveName = params.objective === 'auto' ? defaultObjective(data.task) : params.objective
  const objective = objectiveFor(name, data.classes.length, params.huberDelta)
  const validation = options.validation ? heldOut(options.validation, data) : undefined
  const boosted = boost(data, params, objective, validation)
  return treeModel({
    kind: GBDT_KIND,
    task: data.task,
    label: data.label,
    features: data.features,
    classes: data.classes,
    ensemble: boosted.ensemble,
    link: objective.link,
    info: { params, objective: name, rounds: boosted.rounds, validationLoss: boosted.validationLoss },
  })
}

function taskFor(objective: GbdtObjective, requested: FitOptions['task']): Task | 'auto' {
  if (objective === 'auto') return requested ?? 'auto'
  const task = TASK_OF[objective]
  if (requested !== undefined && requested !== 'auto' && requested !== task) {
    throw paramError(GBDT_KIND, `objective "${objective}" is for ${task}, but the fit options ask for task "${requested}"`)
  }
  return task
}

function defaultObjective(task: Task): ObjectiveName {
  return task === 'regression' ? 'squared' : task
}

/**
 * Rebuilds a GBDT model from `decodeModel(bytes)`; predictions are bit-identical to the saved model's.
 *
 * @example
 * ```ts
 * const model = decodeGbdt(decodeModel(bytes))
 * ```
 */
export function decodeGbdt(decoded: DecodedModel): GbdtModel {
  return decodeTreeModel(decoded, GBDT_KIND)
}
