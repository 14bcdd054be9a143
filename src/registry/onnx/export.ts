/**
 * @module ONNX export: tree models (GBDT, random forest) and linear models (linear, logistic)
 * with their fitted preprocessing, as one graph any ONNX runtime serves like Keel does.
 */
import { KeelError } from '../../core/errors.js'
import type { LinearModel } from '../../learn/learners/linear-model.js'
import type { Model } from '../../learn/model.js'
import type { TreeModel } from '../../learn/trees/tree-model.js'
import { type ExportOptions, GraphBuilder, modelBytes } from './graph.js'
import { linearGraph } from './linear-graph.js'
import { treeGraph } from './tree-graph.js'

export { ONNX_INPUT, ONNX_OUTPUT } from './graph.js'

const isTreeModel = (model: Model): model is TreeModel => 'ensemble' in model && 'link' in model

function isLinearModel(model: Model): model is LinearModel {
  if (!('coefficients' in model && 'preprocessor' in model)) return false
  const { steps } = (model as LinearModel).preprocessor
  return steps.length === model.features.length && steps.every((s) => model.features.some((f) => f.name === s.feature))
}

/** Whether `model` can be exported: tree ensembles, and linear or logistic models with any preprocessing recipe. */
export function canExportOnnx(model: Model): model is TreeModel | LinearModel {
  return isTreeModel(model) || isLinearModel(model)
}

/**
 * The model as ONNX bytes (IR 8, ai.onnx 17, ai.onnx.ml 3). The graph takes `features`, a double
 * tensor [N, features] in the model's feature order (see `onnxInput`: numbers and timestamps as
 * they are, booleans 0/1, categories as their training level index, missing NaN, an unseen level
 * -1), and returns `predictions` (float) shaped like `model.predict(...).values`: class
 * probabilities [N, classes] or values [N, 1].
 *
 * @example
 * ```ts
 * const bytes = exportOnnx(model)
 * const session = await ort.InferenceSession.create(bytes)
 * ```
 */
export function exportOnnx(model: Model, options: ExportOptions = {}): Uint8Array {
  const g = new GraphBuilder()
  let outputs: number
  if (isTreeModel(model)) outputs = treeGraph(g, model)
  else if (isLinearModel(model)) outputs = linearGraph(g, model)
  else {
    throw new KeelError(
      'MODEL_FORMAT_UNSUPPORTED',
      `${model.kind} models have no ONNX export; tree models (gbdt, random-forest) and linear models (linear, logistic) do`,
    )
  }
  return modelBytes(model, g, outputs, options)
}
