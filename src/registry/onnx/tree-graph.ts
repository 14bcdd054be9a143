/**
 * @module The ONNX graph of a tree model: the ensemble as one ai.onnx.ml TreeEnsembleRegressor
 * (opset 3, which every current ONNX Runtime loads) followed by the model's link.
 */
import type { TreeModel } from '../../learn/trees/tree-model.js'
import { attr, type GraphBuilder, ONNX_INPUT, ONNX_OUTPUT } from './graph.js'

interface EnsembleAttributes {
  readonly nodes: { treeIds: number[]; nodeIds: number[]; features: number[]; values: number[]; modes: string[] }
  readonly branch: { trueIds: number[]; falseIds: number[]; missingTrue: number[] }
  readonly target: { treeIds: number[]; nodeIds: number[]; ids: number[]; weights: number[] }
}

function ensembleAttributes(model: TreeModel): EnsembleAttributes {
  const { ensemble } = model
  const nodes = { treeIds: [] as number[], nodeIds: [] as number[], features: [] as number[], values: [] as number[], modes: [] as string[] }
  const branch = { trueIds: [] as number[], falseIds: [] as number[], missingTrue: [] as number[] }
  const target = { treeIds: [] as number[], nodeIds: [] as number[], ids: [] as number[], weights: [] as number[] }
  ensemble.trees.forEach((tree, t) => {
    for (let node = 0; node < tree.feature.length; node++) {
      const f = tree.feature[node] as number
      nodes.treeIds.push(t)
      nodes.nodeIds.push(node)
      nodes.features.push(Math.max(0, f))
      // Keel sends x <= threshold left; missing values follow missingLeft
      nodes.values.push(f < 0 ? 0 : (tree.threshold[node] as number))
      nodes.modes.push(f < 0 ? 'LEAF' : 'BRANCH_LEQ')
      branch.trueIds.push(f < 0 ? 0 : (tree.left[node] as number))
      branch.falseIds.push(f < 0 ? 0 : (tree.right[node] as number))
      branch.missingTrue.push(f < 0 ? 0 : (tree.missingLeft[node] as number))
      if (f >= 0) continue
      const output = ensemble.treeOutput[t] as number
      for (let q = 0; q < ensemble.width; q++) {
        target.treeIds.push(t)
        target.nodeIds.push(node)
        target.ids.push(output >= 0 ? output : q)
        target.weights.push(tree.value[node * ensemble.width + q] as number)
      }
    }
  })
  return { nodes, branch, target }
}

/** Number of raw outputs (margins or averaged values) of the ensemble. */
export function treeOutputs(model: TreeModel): number {
  const { ensemble } = model
  return ensemble.width > 1 ? ensemble.width : Math.max(1, ...Array.from(ensemble.treeOutput, (t) => t + 1))
}

/**
 * The input with category codes that are not training levels (the unseen marker -1) made NaN:
 * Keel's trees send unseen levels where they send missing values.
 */
function unseenAsMissing(g: GraphBuilder, model: TreeModel): string {
  const categories = model.features.filter((f) => f.kind === 'category')
  if (categories.length === 0) return ONNX_INPUT
  const lo = model.features.map((f) => (f.kind === 'category' ? 0 : Number.NEGATIVE_INFINITY))
  const hi = model.features.map((f) => (f.kind === 'category' ? (f.levels?.length ?? 0) - 1 : Number.POSITIVE_INFINITY))
  const p = model.features.length
  const below = g.op('Less', [ONNX_INPUT, g.constant('level_min', 'double', lo, [1, p])], 'below_levels')
  const above = g.op('Greater', [ONNX_INPUT, g.constant('level_max', 'double', hi, [1, p])], 'above_levels')
  const unseen = g.op('Or', [below, above], 'unseen_level')
  return g.op('Where', [unseen, g.constant('nan', 'double', [Number.NaN]), ONNX_INPUT], 'tree_input')
}

/** Adds the tree model's nodes to `g`; returns the number of prediction columns. */
export function treeGraph(g: GraphBuilder, model: TreeModel): number {
  const { ensemble, link } = model
  const { nodes, branch, target } = ensembleAttributes(model)
  const input = unseenAsMissing(g, model)
  const margins = g.op('TreeEnsembleRegressor', [input], 'margins', {
    domain: 'ai.onnx.ml',
    output: link === 'identity' ? ONNX_OUTPUT : undefined,
    attributes: [
      attr.ints('nodes_treeids', nodes.treeIds),
      attr.ints('nodes_nodeids', nodes.nodeIds),
      attr.ints('nodes_featureids', nodes.features),
      // thresholds, leaf values and base in double precision (and a double input): a value a hair
      // above a threshold must go right in ONNX as it does in Keel, which float32 cannot promise
      attr.doubles('nodes_values_as_tensor', nodes.values),
      attr.strings('nodes_modes', nodes.modes),
      attr.ints('nodes_truenodeids', branch.trueIds),
      attr.ints('nodes_falsenodeids', branch.falseIds),
      attr.ints('nodes_missing_value_tracks_true', branch.missingTrue),
      attr.ints('target_treeids', target.treeIds),
      attr.ints('target_nodeids', target.nodeIds),
      attr.ints('target_ids', target.ids),
      attr.doubles('target_weights_as_tensor', target.weights),
      attr.int('n_targets', treeOutputs(model)),
      attr.string('aggregate_function', ensemble.aggregate === 'mean' ? 'AVERAGE' : 'SUM'),
      attr.doubles('base_values_as_tensor', Array.from(ensemble.base)),
      attr.string('post_transform', 'NONE'),
    ],
  })
  if (link === 'sigmoid') {
    // Keel's binary probabilities are [1 - p, p]
    const p1 = g.op('Sigmoid', [margins], 'p1')
    const p0 = g.op('Sub', [g.constant('one', 'float', [1]), p1], 'p0')
    g.op('Concat', [p0, p1], 'probabilities', { output: ONNX_OUTPUT, attributes: [attr.int('axis', 1)] })
    return 2
  }
  if (link === 'softmax') g.op('Softmax', [margins], 'probabilities', { output: ONNX_OUTPUT, attributes: [attr.int('axis', 1)] })
  return treeOutputs(model)
}
