/**
 * @module The array representation shared by every tree ensemble in Keel
 * (gradient boosting, random forest): what learners build, what predict walks,
 * what explanations (gain importance, TreeSHAP) and serialization read.
 */

/**
 * One tree as parallel arrays indexed by node id; node 0 is the root.
 * An internal node sends row x to `left[node]` when `x[feature[node]] <= threshold[node]`,
 * to `right[node]` otherwise, and a missing (NaN) value to the left when
 * `missingLeft[node] === 1`. A leaf has `feature[node] === -1`.
 */
export interface Tree {
  readonly feature: Int32Array
  readonly threshold: Float64Array
  readonly missingLeft: Uint8Array
  readonly left: Int32Array
  readonly right: Int32Array
  /** `width` values per node (leaf outputs; internal nodes may hold their would-be leaf value). */
  readonly value: Float64Array
  /** Sum of hessians (boosting) or of row weights (forest) that reached the node; TreeSHAP needs it. */
  readonly cover: Float64Array
  /** Loss reduction of the node's split; 0 for leaves. */
  readonly gain: Float64Array
}

/** A tree of `n` nodes with every array zeroed (`width` values per node), for importers to fill in. */
export function emptyTree(n: number, width = 1): Tree {
  return {
    feature: new Int32Array(n),
    threshold: new Float64Array(n),
    missingLeft: new Uint8Array(n),
    left: new Int32Array(n),
    right: new Int32Array(n),
    value: new Float64Array(n * width),
    cover: new Float64Array(n),
    gain: new Float64Array(n),
  }
}

/**
 * A tree ensemble. The raw output for output column k is
 * `base[k] + combine(values of the leaves reached in trees whose output is k)`,
 * where combine is a sum (`sum`) or a mean over those trees (`mean`).
 * Boosting: width 1, `treeOutput[t]` = the class (or 0), aggregate `sum`.
 * Forest: width = number of outputs, `treeOutput[t]` = -1 (all outputs), aggregate `mean`.
 */
export interface Ensemble {
  readonly trees: readonly Tree[]
  /** Values per node in every tree. */
  readonly width: number
  /** Which output column each tree feeds, or -1 when its `width` values feed all columns. */
  readonly treeOutput: Int32Array
  readonly base: Float64Array
  readonly aggregate: 'sum' | 'mean'
  readonly nFeatures: number
}

/** The leaf row `i` of `columns` reaches in `tree`. */
export function leafOf(tree: Tree, columns: readonly Float64Array[], i: number): number {
  let node = 0
  for (;;) {
    const f = tree.feature[node] ?? -1
    if (f < 0) return node
    const x = (columns[f] as Float64Array)[i] as number
    const goLeft = Number.isNaN(x) ? tree.missingLeft[node] === 1 : x <= (tree.threshold[node] as number)
    node = (goLeft ? tree.left[node] : tree.right[node]) as number
  }
}

/** Number of output columns of an ensemble. */
export function outputCount(e: Ensemble): number {
  return e.base.length
}

/**
 * Raw ensemble outputs (margins for boosting, averaged leaf values for forests):
 * `nRows × outputCount(e)`, row-major.
 */
export function rawPredict(e: Ensemble, columns: readonly Float64Array[], nRows: number): Float64Array {
  const k = outputCount(e)
  const out = new Float64Array(nRows * k)
  const counts = new Float64Array(k)
  e.trees.forEach((tree, t) => {
    const target = e.treeOutput[t] ?? -1
    if (target < 0) for (let j = 0; j < k; j++) counts[j] = (counts[j] ?? 0) + 1
    else counts[target] = (counts[target] ?? 0) + 1
    for (let i = 0; i < nRows; i++) {
      const leaf = leafOf(tree, columns, i)
      if (target < 0) for (let j = 0; j < k; j++) out[i * k + j] = (out[i * k + j] ?? 0) + (tree.value[leaf * e.width + j] ?? 0)
      else out[i * k + target] = (out[i * k + target] ?? 0) + (tree.value[leaf * e.width] ?? 0)
    }
  })
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < k; j++) {
      const sum = out[i * k + j] ?? 0
      out[i * k + j] = (e.base[j] ?? 0) + (e.aggregate === 'mean' ? sum / Math.max(1, counts[j] ?? 1) : sum)
    }
  }
  return out
}
