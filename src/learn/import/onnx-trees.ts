/**
 * @module TreeEnsembleRegressor and TreeEnsembleClassifier as Keel tree models, predicting what
 * ONNX Runtime computes: leaf weights summed (or averaged) per output, base values added, then
 * the post-transform. Shapes where the runtime's output is not a sum Keel can express (ONNX
 * Runtime's binary special cases with a base per class, per-class logistic…) are refused.
 */
import type { Link } from '../link.js'
import type { FeatureSpec, Task } from '../model.js'
import type { Tree } from '../trees/tree.js'
import { type TreeModel, treeModel } from '../trees/tree-model.js'
import type { InputPrecision } from './bounds.js'
import { type OnnxNode, unsupported } from './onnx-graph.js'
import { type ParsedTree, parseTrees } from './onnx-tree-structure.js'

/** What the ensemble computes, in Keel's terms. */
interface Plan {
  readonly task: Task
  readonly link: Link
  readonly kind: 'gbdt' | 'random-forest'
  readonly aggregate: 'sum' | 'mean'
  /** Raw outputs Keel sums: per leaf, its weights by ONNX output id → Keel's output values. */
  readonly outputs: number
  readonly leafValues: (weights: ReadonlyMap<number, number>) => number[]
  readonly base: number[]
}

export interface TreeImport {
  readonly node: OnnxNode
  readonly precision: InputPrecision
  readonly features: readonly FeatureSpec[]
  readonly label: string
  readonly classes?: readonly string[] | undefined
}

const dense = (k: number) => (w: ReadonlyMap<number, number>) => Array.from({ length: k }, (_, j) => w.get(j) ?? 0)

function baseValues(node: OnnxNode, allowed: readonly number[]): number[] {
  const base = node.numbers('base_values').values
  if (!allowed.includes(base.length)) throw unsupported(`${node.title}: ${base.length} base_values; Keel reads ${allowed.join(' or ')}`)
  return base
}

function regressorPlan(node: OnnxNode): Plan {
  const targets = node.int('n_targets', 1)
  if (targets !== 1) throw unsupported(`${node.title}: n_targets is ${targets}; Keel regression predicts one value`)
  const transform = node.string('post_transform', 'NONE')
  if (transform !== 'NONE') throw unsupported(`${node.title}: post_transform ${transform} on a regressor is not supported`)
  const aggregate = node.string('aggregate_function', 'SUM')
  if (aggregate !== 'SUM' && aggregate !== 'AVERAGE') throw unsupported(`${node.title}: aggregate_function ${aggregate} is not supported (SUM, AVERAGE)`)
  const base = baseValues(node, [0, 1])
  return {
    task: 'regression',
    link: 'identity',
    kind: aggregate === 'SUM' ? 'gbdt' : 'random-forest',
    aggregate: aggregate === 'SUM' ? 'sum' : 'mean',
    outputs: 1,
    leafValues: dense(1),
    base: [base[0] ?? 0],
  }
}

export function classLabels(node: OnnxNode, given: readonly string[] | undefined): string[] {
  const ints = node.ints('classlabels_int64s').concat(node.ints('classlabels_ints'))
  const labels = ints.length > 0 ? ints.map(String) : node.strings('classlabels_strings')
  if (labels.length < 2) throw unsupported(`${node.title}: it names ${labels.length} class labels; classification needs at least two`)
  if (given !== undefined && given.length !== labels.length) throw unsupported(`the model has ${labels.length} classes; ${given.length} class names were given`)
  return [...(given ?? labels)]
}

/**
 * Two classes, weights for class 0 only: ONNX Runtime outputs [σ(−s), σ(s)] under LOGISTIC when
 * some weight is negative, and [1 − s, s] untransformed when none is (s = base + weights).
 */
function singleClassBinaryPlan(node: OnnxNode, trees: readonly ParsedTree[], weightClasses: ReadonlySet<number>, transform: string): Plan {
  if (!weightClasses.has(0))
    throw unsupported(`${node.title}: a binary classifier with weights for class 1 only is not supported (ONNX Runtime drops its scores)`)
  const base = baseValues(node, [0, 1])[0] ?? 0
  const positive = trees.every((t) => t.weights.every((w) => [...w.values()].every((v) => v >= 0)))
  if (!positive && transform === 'LOGISTIC') return { ...marginPlan('binary', 'sigmoid', 1), base: [base] }
  if (positive && transform === 'NONE') {
    return {
      task: 'binary',
      link: 'identity',
      kind: 'random-forest',
      aggregate: 'sum',
      outputs: 2,
      leafValues: (w) => [-(w.get(0) ?? 0), w.get(0) ?? 0],
      base: [1 - base, base],
    }
  }
  throw unsupported(
    `${node.title}: a binary classifier with one column of ${positive ? 'non-negative' : 'signed'} weights and post_transform ${transform} does not output probabilities`,
  )
}

const marginPlan = (task: Task, link: Link, outputs: number): Plan => ({
  task,
  link,
  kind: 'gbdt',
  aggregate: 'sum',
  outputs,
  leafValues: dense(outputs),
  base: [],
})

/** Whether some tree holds a weight for class `c` in every leaf, so that every row gets a score for it. */
const scoredOnEveryRow = (trees: readonly ParsedTree[], c: number) => trees.some((t) => t.weights.every((w, node) => t.tree.feature[node] !== -1 || w.has(c)))

function classifierPlan(node: OnnxNode, trees: readonly ParsedTree[], k: number): Plan {
  const transform = node.string('post_transform', 'NONE')
  const weightClasses = new Set(trees.flatMap((t) => t.weights.flatMap((w) => [...w.keys()])))
  if ([...weightClasses].some((c) => !(c >= 0 && c < k))) throw unsupported(`${node.title}: a class id is outside the ${k} class labels`)
  // with two classes, ONNX Runtime changes the output's form for rows that reach no weight of a class
  const unscored = [...weightClasses].find((c) => k === 2 && !scoredOnEveryRow(trees, c))
  if (unscored !== undefined)
    throw unsupported(`${node.title}: some rows reach no weight for class ${unscored}; give every leaf of a tree a weight for it (0 if need be)`)
  if (k === 2 && weightClasses.size === 1) return singleClassBinaryPlan(node, trees, weightClasses, transform)
  const task: Task = k === 2 ? 'binary' : 'multiclass'
  // with two classes ONNX Runtime adds base values in ways that depend on the row; refuse them
  const base = baseValues(node, k === 2 ? [0] : [0, k])
  if (transform === 'SOFTMAX') return { ...marginPlan(task, 'softmax', k), base: base.length === 0 ? new Array(k).fill(0) : base }
  if (transform === 'NONE') return { ...marginPlan(task, 'identity', k), kind: 'random-forest', base: base.length === 0 ? new Array(k).fill(0) : base }
  throw unsupported(`${node.title}: post_transform ${transform} with ${k} scored classes is not supported (NONE or SOFTMAX)`)
}

/**
 * Width 1 when every tree feeds one output (boosting's one tree per class), else every leaf
 * holds all outputs (a forest's class distributions).
 */
function ensembleTrees(trees: readonly ParsedTree[], plan: Plan): { trees: Tree[]; width: number; treeOutput: Int32Array } {
  const perTree = trees.map((t) => {
    const values = t.weights.map((w, node) => (t.tree.feature[node] === -1 ? plan.leafValues(w) : new Array<number>(plan.outputs).fill(0)))
    const used = new Set(values.flatMap((v) => v.flatMap((x, j) => (x === 0 ? [] : [j]))))
    return { t, values, used }
  })
  const single = plan.outputs === 1 || perTree.every((p) => p.used.size <= 1)
  const width = single ? 1 : plan.outputs
  const treeOutput = Int32Array.from(perTree, (p) => (single ? ([...p.used][0] ?? 0) : -1))
  const out = perTree.map((p, i) => {
    const target = treeOutput[i] as number
    const value = Float64Array.from(p.values.flatMap((v) => (single ? [v[target] ?? 0] : v)))
    return { ...p.t.tree, value }
  })
  return { trees: out, width, treeOutput }
}

/** A Keel tree model computing what the ONNX tree ensemble node computes. */
export function importTreeEnsemble(spec: TreeImport): TreeModel {
  const { node } = spec
  const classifier = node.op === 'TreeEnsembleClassifier'
  const trees = parseTrees(node, classifier ? 'class_' : 'target_', spec.precision, spec.features.length)
  const classes = classifier ? classLabels(node, spec.classes) : []
  const ids = new Set(trees.flatMap((t) => t.weights.flatMap((w) => [...w.keys()])))
  if (!classifier && [...ids].some((id) => id !== 0)) throw unsupported(`${node.title}: a target id other than 0; Keel regression predicts one value`)
  const plan = classifier ? classifierPlan(node, trees, classes.length) : regressorPlan(node)
  const { trees: keelTrees, width, treeOutput } = ensembleTrees(trees, plan)
  const k = width > 1 ? width : plan.outputs
  return treeModel({
    kind: plan.kind,
    task: plan.task,
    label: spec.label,
    features: spec.features,
    classes,
    ensemble: {
      trees: keelTrees,
      width,
      treeOutput,
      base: Float64Array.from({ length: k }, (_, j) => plan.base[j] ?? 0),
      aggregate: plan.aggregate,
      nFeatures: spec.features.length,
    },
    link: plan.link,
    info: { importedFrom: 'onnx', op: node.op, postTransform: node.string('post_transform', 'NONE') },
  })
}
