/**
 * @module The trees of an ai.onnx.ml TreeEnsembleRegressor/Classifier as Keel trees: node ids
 * renumbered from each root, splits turned into `x <= threshold` with the same branch for every
 * double the runtime would see, and each leaf's weights per output.
 */
import { emptyTree, type Tree } from '../trees/tree.js'
import { type InputPrecision, thresholdFor } from './bounds.js'
import { type OnnxNode, unsupported } from './onnx-graph.js'

/** One parsed tree: Keel's arrays (values filled later) and each leaf's weights by output. */
export interface ParsedTree {
  readonly tree: Tree
  /** Per Keel node: output id → weight (empty for branches). */
  readonly weights: readonly Map<number, number>[]
}

/** How each ONNX mode maps onto `x <= threshold`: the strictness of the test, and whether its true branch is Keel's left. */
const MODES: Readonly<Record<string, { strict: boolean; trueLeft: boolean }>> = {
  BRANCH_LEQ: { strict: false, trueLeft: true },
  BRANCH_LT: { strict: true, trueLeft: true },
  // x > t is not (x <= t); x >= t is not (x < t)
  BRANCH_GT: { strict: false, trueLeft: false },
  BRANCH_GTE: { strict: true, trueLeft: false },
}

interface NodeArrays {
  readonly treeIds: number[]
  readonly nodeIds: number[]
  readonly features: number[]
  readonly modes: string[]
  readonly values: number[]
  readonly trueIds: number[]
  readonly falseIds: number[]
  readonly missingTrue: number[]
}

function nodeArrays(node: OnnxNode): NodeArrays {
  const a = {
    treeIds: node.ints('nodes_treeids'),
    nodeIds: node.ints('nodes_nodeids'),
    features: node.ints('nodes_featureids'),
    modes: node.strings('nodes_modes'),
    values: node.numbers('nodes_values').values,
    trueIds: node.ints('nodes_truenodeids'),
    falseIds: node.ints('nodes_falsenodeids'),
    missingTrue: node.ints('nodes_missing_value_tracks_true'),
  }
  const n = a.nodeIds.length
  const bad = Object.entries(a).find(([key, v]) => v.length !== n && !(key === 'missingTrue' && v.length === 0))
  if (n === 0 || bad) throw unsupported(`${node.title}: the nodes_* attributes are empty or of different lengths${bad ? ` (${bad[0]})` : ''}`)
  return a
}

/** Leaf weights keyed by `tree:node`. */
function leafWeights(node: OnnxNode, prefix: 'target_' | 'class_'): Map<string, Map<number, number>> {
  const trees = node.ints(`${prefix}treeids`)
  const nodes = node.ints(`${prefix}nodeids`)
  const ids = node.ints(`${prefix}ids`)
  const weights = node.numbers(`${prefix}weights`).values
  if (nodes.length !== trees.length || ids.length !== trees.length || weights.length !== trees.length) {
    throw unsupported(`${node.title}: the ${prefix}* attributes have different lengths`)
  }
  const out = new Map<string, Map<number, number>>()
  trees.forEach((t, i) => {
    const key = `${t}:${nodes[i]}`
    const leaf = out.get(key) ?? new Map<number, number>()
    const id = ids[i] as number
    leaf.set(id, (leaf.get(id) ?? 0) + (weights[i] as number))
    out.set(key, leaf)
  })
  return out
}

/** Parses every tree, in the order their ids first appear. */
export function parseTrees(node: OnnxNode, prefix: 'target_' | 'class_', precision: InputPrecision, nFeatures: number): ParsedTree[] {
  const a = nodeArrays(node)
  const weights = leafWeights(node, prefix)
  const byTree = new Map<number, Map<number, number>>()
  a.treeIds.forEach((t, i) => {
    const nodes = byTree.get(t) ?? new Map<number, number>()
    if (nodes.has(a.nodeIds[i] as number)) throw unsupported(`${node.title}: tree ${t} has node ${a.nodeIds[i]} twice`)
    nodes.set(a.nodeIds[i] as number, i)
    byTree.set(t, nodes)
  })
  return [...byTree].map(([t, nodes]) => parseTree(node, a, t, nodes, weights, precision, nFeatures))
}

function parseTree(
  node: OnnxNode,
  a: NodeArrays,
  treeId: number,
  nodes: Map<number, number>,
  weights: Map<string, Map<number, number>>,
  precision: InputPrecision,
  nFeatures: number,
): ParsedTree {
  const where = `${node.title}, tree ${treeId}`
  const isLeaf = (i: number) => a.modes[i] === 'LEAF'
  const children = new Set<number>()
  for (const i of nodes.values()) if (!isLeaf(i)) children.add(a.trueIds[i] as number).add(a.falseIds[i] as number)
  const roots = [...nodes.keys()].filter((id) => !children.has(id))
  if (roots.length !== 1) throw unsupported(`${where}: expected one root node, found ${roots.length}`)
  // breadth-first from the root: Keel's node 0 is the root
  const order = [roots[0] as number]
  const index = new Map([[order[0] as number, 0]])
  for (let k = 0; k < order.length; k++) {
    const i = nodes.get(order[k] as number) as number
    if (isLeaf(i)) continue
    for (const child of [a.trueIds[i] as number, a.falseIds[i] as number]) {
      if (!nodes.has(child)) throw unsupported(`${where}: node ${order[k]} points to missing node ${child}`)
      if (index.has(child)) throw unsupported(`${where}: node ${child} is reached twice; not a tree`)
      index.set(child, order.length)
      order.push(child)
    }
  }
  const n = order.length
  const tree: Tree = emptyTree(n)
  const leafWeightsOf = order.map((id, k) => {
    const i = nodes.get(id) as number
    const w = weights.get(`${treeId}:${id}`) ?? new Map<number, number>()
    if (isLeaf(i)) {
      tree.feature[k] = -1
      tree.left[k] = -1
      tree.right[k] = -1
      return w
    }
    if (w.size > 0) throw unsupported(`${where}: branch node ${id} carries leaf weights`)
    const mode = MODES[a.modes[i] as string]
    if (mode === undefined) throw unsupported(`${where}: split mode ${a.modes[i]} is not supported (supported: LEAF, ${Object.keys(MODES).join(', ')})`)
    const feature = a.features[i] as number
    if (!(feature >= 0 && feature < nFeatures)) throw unsupported(`${where}: node ${id} splits on feature ${feature}; the input has ${nFeatures}`)
    const [trueNode, falseNode] = [index.get(a.trueIds[i] as number) as number, index.get(a.falseIds[i] as number) as number]
    const missingTrue = (a.missingTrue[i] ?? 0) === 1
    tree.feature[k] = feature
    tree.threshold[k] = thresholdFor(a.values[i] as number, mode.strict, precision)
    tree.left[k] = mode.trueLeft ? trueNode : falseNode
    tree.right[k] = mode.trueLeft ? falseNode : trueNode
    // the runtime sends NaN to the true branch only when told to, and every comparison with NaN is false
    tree.missingLeft[k] = missingTrue === mode.trueLeft ? 1 : 0
    return new Map<number, number>()
  })
  return { tree, weights: leafWeightsOf }
}
