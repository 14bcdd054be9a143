/** @module Exact TreeSHAP (Lundberg et al. 2018, Algorithm 2): per-row feature attributions of a tree ensemble in polynomial time. */
import { KeelError } from '../../core/errors.js'
import { type Ensemble, outputCount, type Tree } from '../trees/tree.js'

/** SHAP values of some rows: `expected[k] + Σ_f values[(i * nFeatures + f) * outputs + k]` is the raw output k of row i. */
export interface ShapValues {
  /**
   * `nRows × nFeatures × outputs`, row-major: the attribution of feature `f`
   * to output `k` of row `i` is at `(i * nFeatures + f) * outputs + k`.
   */
  readonly values: Float64Array
  /** Per output: the model's raw output when no feature is known (base plus cover-weighted mean leaf value). */
  readonly expected: Float64Array
  readonly nRows: number
  readonly nFeatures: number
  readonly outputs: number
}

/**
 * The unique-feature path of Algorithm 2 as parallel arrays. Each recursion
 * level keeps its own copy further along the buffers, so one allocation of
 * size (D + 2)(D + 3) / 2 serves every row of every tree of depth ≤ D.
 */
interface Path {
  readonly feature: Int32Array
  readonly zero: Float64Array
  readonly one: Float64Array
  readonly weight: Float64Array
}

/** Where a tree's `width` leaf values go: value slot `slot[s]` feeds output `output[s]` with factor `scale[s]`. */
interface Targets {
  readonly count: number
  readonly slot: Int32Array
  readonly output: Int32Array
  readonly scale: Float64Array
}

/** Everything one tree-and-row walk reads and writes, so the recursion passes only numbers. */
interface Walk {
  readonly path: Path
  readonly columns: readonly Float64Array[]
  readonly values: Float64Array
  readonly outputs: number
  readonly tree: Tree
  readonly width: number
  readonly targets: Targets
  row: number
  /** Index in `values` of the row's feature 0, output 0. */
  rowOffset: number
}

/**
 * Exact SHAP values of an ensemble for `nRows` rows of `columns` (one array per
 * feature), using each node's cover as the weight of its branch. A NaN feature
 * value follows the node's `missingLeft` branch. Outputs follow `rawPredict`:
 * margins for boosting, and for `mean` ensembles each tree's share is divided
 * by the number of trees feeding that output.
 *
 * @example
 * const shap = treeShap(ensemble, columns, nRows)
 * const contribution = shap.values[(row * shap.nFeatures + feature) * shap.outputs + output]
 */
export function treeShap(e: Ensemble, columns: readonly Float64Array[], nRows: number): ShapValues {
  checkInput(e, columns, nRows)
  const outputs = outputCount(e)
  const perOutput = treesPerOutput(e, outputs)
  const depth = e.trees.reduce((d, tree, t) => Math.max(d, checkTree(e, tree, t)), 0)
  const path = createPath(depth)
  const values = new Float64Array(nRows * e.nFeatures * outputs)
  const expected = Float64Array.from(e.base)
  e.trees.forEach((tree, t) => {
    const walk: Walk = { path, columns, values, outputs, tree, width: e.width, targets: targetsOf(e, t, perOutput), row: 0, rowOffset: 0 }
    addExpectation(walk, expected)
    for (let i = 0; i < nRows; i++) explainRow(walk, i, e.nFeatures)
  })
  return { values, expected, nRows, nFeatures: e.nFeatures, outputs }
}

function explainRow(walk: Walk, i: number, nFeatures: number): void {
  walk.row = i
  walk.rowOffset = i * nFeatures * walk.outputs
  recurse(walk, 0, 0, 0, 1, 1, -1)
}

/**
 * Algorithm 2's RECURSE. The node's own path starts at `parentOffset + depth + 1`,
 * past every element its ancestors still need; `depth` is the index the
 * incoming (zero, one, feature) element takes on it.
 */
function recurse(walk: Walk, node: number, depth: number, parentOffset: number, zero: number, one: number, feature: number): void {
  const { path, tree } = walk
  const offset = parentOffset + depth + 1
  copyPath(path, parentOffset, offset, depth)
  extendPath(path, offset, depth, zero, one, feature)
  const split = tree.feature[node] as number
  if (split < 0) {
    attributeLeaf(walk, node, offset, depth)
    return
  }
  const hot = hotChild(walk, node, split)
  const cold = hot === tree.left[node] ? (tree.right[node] as number) : (tree.left[node] as number)
  let incomingZero = 1
  let incomingOne = 1
  let d = depth
  const seen = indexOfFeature(path, offset, d, split)
  if (seen > 0) {
    // A feature enters the path once: undo its earlier split and fold its fractions into this one.
    incomingZero = path.zero[offset + seen] as number
    incomingOne = path.one[offset + seen] as number
    unwindPath(path, offset, d, seen)
    d -= 1
  }
  const cover = tree.cover[node] as number
  const hotZero = ((tree.cover[hot] as number) / cover) * incomingZero
  const coldZero = ((tree.cover[cold] as number) / cover) * incomingZero
  // A branch with both fractions zero adds nothing, and unwinding it later would divide by zero.
  if (hotZero !== 0 || incomingOne !== 0) recurse(walk, hot, d + 1, offset, hotZero, incomingOne, split)
  if (coldZero !== 0) recurse(walk, cold, d + 1, offset, coldZero, 0, split)
}

function hotChild(walk: Walk, node: number, split: number): number {
  const { tree } = walk
  const x = (walk.columns[split] as Float64Array)[walk.row] as number
  const goLeft = Number.isNaN(x) ? tree.missingLeft[node] === 1 : x <= (tree.threshold[node] as number)
  return (goLeft ? tree.left[node] : tree.right[node]) as number
}

function attributeLeaf(walk: Walk, node: number, offset: number, depth: number): void {
  const { path, targets, values } = walk
  const leafValues = node * walk.width
  for (let i = 1; i <= depth; i++) {
    const at = offset + i
    const w = unwoundPathSum(path, offset, depth, i) * ((path.one[at] as number) - (path.zero[at] as number))
    const featureOffset = walk.rowOffset + (path.feature[at] as number) * walk.outputs
    for (let s = 0; s < targets.count; s++) {
      const v = (walk.tree.value[leafValues + (targets.slot[s] as number)] as number) * (targets.scale[s] as number)
      const k = featureOffset + (targets.output[s] as number)
      values[k] = (values[k] as number) + w * v
    }
  }
}

function createPath(maxDepth: number): Path {
  const size = ((maxDepth + 2) * (maxDepth + 3)) / 2
  return { feature: new Int32Array(size), zero: new Float64Array(size), one: new Float64Array(size), weight: new Float64Array(size) }
}

function copyPath(path: Path, from: number, to: number, length: number): void {
  for (let i = 0; i < length; i++) {
    path.feature[to + i] = path.feature[from + i] as number
    path.zero[to + i] = path.zero[from + i] as number
    path.one[to + i] = path.one[from + i] as number
    path.weight[to + i] = path.weight[from + i] as number
  }
}

function indexOfFeature(path: Path, offset: number, depth: number, feature: number): number {
  for (let i = 1; i <= depth; i++) if (path.feature[offset + i] === feature) return i
  return -1
}

/** EXTEND: adds an element and updates the weights of every subset size. */
function extendPath(path: Path, offset: number, depth: number, zero: number, one: number, feature: number): void {
  const w = path.weight
  path.feature[offset + depth] = feature
  path.zero[offset + depth] = zero
  path.one[offset + depth] = one
  w[offset + depth] = depth === 0 ? 1 : 0
  for (let i = depth - 1; i >= 0; i--) {
    const wi = w[offset + i] as number
    w[offset + i + 1] = (w[offset + i + 1] as number) + (one * wi * (i + 1)) / (depth + 1)
    w[offset + i] = (zero * wi * (depth - i)) / (depth + 1)
  }
}

/** UNWIND: removes element `index`, exactly inverting the EXTEND that added it. */
function unwindPath(path: Path, offset: number, depth: number, index: number): void {
  const w = path.weight
  const one = path.one[offset + index] as number
  const zero = path.zero[offset + index] as number
  let next = w[offset + depth] as number
  for (let i = depth - 1; i >= 0; i--) {
    const wi = w[offset + i] as number
    if (one !== 0) {
      w[offset + i] = (next * (depth + 1)) / ((i + 1) * one)
      next = wi - ((w[offset + i] as number) * zero * (depth - i)) / (depth + 1)
    } else {
      w[offset + i] = (wi * (depth + 1)) / (zero * (depth - i))
    }
  }
  for (let i = index; i < depth; i++) {
    path.feature[offset + i] = path.feature[offset + i + 1] as number
    path.zero[offset + i] = path.zero[offset + i + 1] as number
    path.one[offset + i] = path.one[offset + i + 1] as number
  }
}

/**
 * The total weight the path would have without element `index`, computed without modifying it.
 * The divisions are kept off the loop-carried `next` chain, which is what bounds TreeSHAP's speed.
 */
function unwoundPathSum(path: Path, offset: number, depth: number, index: number): number {
  const w = path.weight
  const one = path.one[offset + index] as number
  const zero = path.zero[offset + index] as number
  let total = 0
  if (one !== 0) {
    let next = w[offset + depth] as number
    for (let i = depth - 1; i >= 0; i--) {
      const tmp = next * ((depth + 1) / ((i + 1) * one))
      total += tmp
      next = (w[offset + i] as number) - tmp * ((zero * (depth - i)) / (depth + 1))
    }
  } else {
    for (let i = depth - 1; i >= 0; i--) total += ((w[offset + i] as number) / zero) * ((depth + 1) / (depth - i))
  }
  return total
}

/** Adds the tree's cover-weighted mean output, the value of its empty coalition, to `expected`. */
function addExpectation(walk: Walk, expected: Float64Array): void {
  const { targets } = walk
  for (let s = 0; s < targets.count; s++) {
    const k = targets.output[s] as number
    const mean = meanLeafValue(walk.tree, walk.width, targets.slot[s] as number, 0)
    expected[k] = (expected[k] as number) + mean * (targets.scale[s] as number)
  }
}

// Weighs children by the same cover ratios as RECURSE, so additivity holds exactly even if a parent's cover is not the sum of its children's.
function meanLeafValue(tree: Tree, width: number, slot: number, node: number): number {
  if ((tree.feature[node] as number) < 0) return tree.value[node * width + slot] as number
  const left = tree.left[node] as number
  const right = tree.right[node] as number
  const cover = tree.cover[node] as number
  return (
    ((tree.cover[left] as number) / cover) * meanLeafValue(tree, width, slot, left) +
    ((tree.cover[right] as number) / cover) * meanLeafValue(tree, width, slot, right)
  )
}

function treesPerOutput(e: Ensemble, outputs: number): Float64Array {
  const counts = new Float64Array(outputs)
  e.trees.forEach((_, t) => {
    const target = e.treeOutput[t] ?? -1
    for (let k = 0; k < outputs; k++) if (target < 0 || target === k) counts[k] = (counts[k] as number) + 1
  })
  return counts
}

function targetsOf(e: Ensemble, t: number, perOutput: Float64Array): Targets {
  const target = e.treeOutput[t] ?? -1
  const outputs = target < 0 ? Array.from({ length: perOutput.length }, (_, k) => k) : [target]
  const scale = outputs.map((k) => (e.aggregate === 'mean' ? 1 / Math.max(1, perOutput[k] as number) : 1))
  return {
    count: outputs.length,
    slot: Int32Array.from(outputs, (k) => (target < 0 ? k : 0)),
    output: Int32Array.from(outputs),
    scale: Float64Array.from(scale),
  }
}

function invalid(message: string): KeelError {
  return new KeelError('LEARN_INVALID_INPUT', `treeShap: ${message}`)
}

function checkInput(e: Ensemble, columns: readonly Float64Array[], nRows: number): void {
  if (!Number.isInteger(nRows) || nRows < 0) throw invalid(`nRows must be a non-negative integer, got ${nRows}`)
  if (columns.length !== e.nFeatures) throw invalid(`the ensemble has ${e.nFeatures} features but ${columns.length} columns were given`)
  columns.forEach((c, f) => {
    if (c.length < nRows) throw invalid(`column ${f} has ${c.length} values, fewer than the ${nRows} rows`)
  })
  if (e.trees.length > 0 && e.width < 1) throw invalid(`ensemble width must be at least 1, got ${e.width}`)
}

/** Throws unless the tree can be walked safely; returns its depth (edges from root to deepest leaf). */
function checkTree(e: Ensemble, tree: Tree, t: number): number {
  const target = e.treeOutput[t] ?? -1
  const outputs = outputCount(e)
  if (target >= outputs) throw invalid(`tree ${t} feeds output ${target}, but the ensemble has ${outputs} outputs`)
  if (target < 0 && e.width !== outputs) throw invalid(`tree ${t} feeds all ${outputs} outputs, but the ensemble width is ${e.width}`)
  return nodeDepth(tree, t, e.nFeatures, 0, 0)
}

function nodeDepth(tree: Tree, t: number, nFeatures: number, node: number, depth: number): number {
  const f = tree.feature[node]
  if (f === undefined || depth > tree.feature.length) throw invalid(`tree ${t} has a broken child link at node ${node}`)
  if (f < 0) return depth
  if (f >= nFeatures) throw invalid(`tree ${t} node ${node} splits on feature ${f}, but the ensemble has ${nFeatures} features`)
  if (!((tree.cover[node] as number) > 0)) throw invalid(`tree ${t} node ${node} has cover ${tree.cover[node]}; a split needs positive cover`)
  for (const child of [tree.left[node], tree.right[node]]) {
    const cover = child === undefined ? Number.NaN : (tree.cover[child] ?? Number.NaN)
    if (!(cover >= 0 && cover < Number.POSITIVE_INFINITY)) throw invalid(`tree ${t} node ${child} has cover ${cover}; covers must be finite and non-negative`)
  }
  const left = nodeDepth(tree, t, nFeatures, tree.left[node] as number, depth + 1)
  return Math.max(left, nodeDepth(tree, t, nFeatures, tree.right[node] as number, depth + 1))
}
