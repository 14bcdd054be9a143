/**
 * @module Explanations of fitted models: gain importance and TreeSHAP for tree
 * ensembles, permutation importance for any model.
 */
import { KeelError } from '../../core/errors.js'
import type { Frame } from '../../core/frame.js'
import type { Model } from '../model.js'
import { featureColumns } from '../training-data.js'
import type { TreeModel } from '../trees/tree-model.js'
import { type GainImportance, gainImportance } from './gain-importance.js'
import { permutationImportance } from './permutation.js'
import { type ShapValues, treeShap } from './tree-shap.js'

/** Per-feature importance of a tree model, with the feature names. */
export interface NamedGainImportance extends GainImportance {
  readonly features: readonly string[]
}

function treeModelOf(model: Model, what: string): TreeModel {
  if (!('ensemble' in model)) throw new KeelError('LEARN_INVALID_INPUT', `${what} needs a tree model (gbdt or random-forest); this one is "${model.kind}"`)
  return model as TreeModel
}

/**
 * Total and normalised split gain per feature of a gbdt or random-forest model.
 *
 * @example
 * ```ts
 * const { features, normalizedGain } = explain.gain(model)
 * ```
 */
export function gain(model: Model): NamedGainImportance {
  const tree = treeModelOf(model, 'gain importance')
  return { ...gainImportance(tree.ensemble), features: model.features.map((f) => f.name) }
}

/**
 * Exact TreeSHAP values for the rows of `frame`: `values[(i * nFeatures + f) * outputs + k]`
 * is feature f's contribution to output k (the margin) of row i; each row's
 * contributions plus `expected[k]` equal the model's raw output.
 *
 * @example
 * ```ts
 * const shap = explain.shap(model, frame.slice(0, 100))
 * ```
 */
export function shap(model: Model, frame: Frame): ShapValues {
  const tree = treeModelOf(model, 'TreeSHAP')
  return treeShap(tree.ensemble, featureColumns(frame, model.features), frame.nRows)
}

/** Explanations, grouped for the public API as `explain.*`. */
export const explain = { gain, shap, permutation: permutationImportance } as const
export type { GainImportance, ShapValues }
