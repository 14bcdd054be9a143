/** @module An ensemble flattened for fast prediction, with outputs equal to `rawPredict` from tree.ts bit for bit. */
import { type Ensemble, outputCount, type Tree } from './tree.js'

/**
 * Every tree's nodes concatenated; child indices are absolute and a node's children
 * are adjacent (`right = left + 1`). A leaf points to itself (`left` = the leaf,
 * threshold +Infinity, missing values kept left), so walking a tree for exactly
 * `depth[t]` steps lands every row on its leaf without a test for leaves.
 */
export interface CompiledEnsemble {
  readonly roots: Int32Array
  /** Steps from the root to the deepest leaf, per tree. */
  readonly depth: Int32Array
  /** The split feature; 0 for leaves (any readable feature, the threshold keeps them in place). */
  readonly feature: Int32Array
  readonly threshold: Float64Array
  /** 1 when a missing value goes right (the complement of `Tree.missingLeft`), so the step needs no branch. */
  readonly missingRight: Uint8Array
  readonly left: Int32Array
  readonly value: Float64Array
  readonly ensemble: Ensemble
}

/** Flattens an ensemble once, at fit or load time. */
export function compileEnsemble(e: Ensemble): CompiledEnsemble {
  const total = e.trees.reduce((n, t) => n + t.feature.length, 0)
  const c = {
    roots: new Int32Array(e.trees.length),
    depth: new Int32Array(e.trees.length),
    feature: new Int32Array(total),
    threshold: new Float64Array(total),
    missingRight: new Uint8Array(total),
    left: new Int32Array(total),
    value: new Float64Array(total * e.width),
    ensemble: e,
  }
  let at = 0
  e.trees.forEach((tree, i) => {
    c.roots[i] = at
    at = place(c, tree, at, i, e.width)
  })
  return c
}

/** Copies a tree in breadth-first order, so every node's two children sit side by side. */
function place(c: CompiledEnsemble, tree: Tree, at: number, t: number, width: number): number {
  const order = [0]
  const depths = [0]
  let deepest = 0
  for (let k = 0; k < order.length; k++) {
    const old = order[k] as number
    const d = depths[k] as number
    const node = at + k
    const f = tree.feature[old] as number
    c.value.set(tree.value.subarray(old * width, (old + 1) * width), node * width)
    if (f < 0) {
      c.feature[node] = 0
      c.threshold[node] = Number.POSITIVE_INFINITY
      c.missingRight[node] = 0
      c.left[node] = node
      deepest = Math.max(deepest, d)
      continue
    }
    c.feature[node] = f
    c.threshold[node] = tree.threshold[old] as number
    c.missingRight[node] = tree.missingLeft[old] === 1 ? 0 : 1
    c.left[node] = at + order.length
    order.push(tree.left[old] as number, tree.right[old] as number)
    depths.push(d + 1, d + 1)
  }
  c.depth[t] = deepest
  return at + order.length
}

// Rows go through the trees in blocks, tree by tree, so a tree's nodes and the
// block's feature values (copied row-major into one array) stay in cache together.
const BLOCK = 512

/** Raw outputs, `nRows × outputCount`, row-major — identical to `rawPredict(c.ensemble, …)`. */
export function predictCompiled(c: CompiledEnsemble, columns: readonly Float64Array[], nRows: number): Float64Array {
  const e = c.ensemble
  const k = outputCount(e)
  const p = columns.length
  const out = new Float64Array(nRows * k)
  const block = new Float64Array(Math.min(BLOCK, nRows) * p)
  const leaves = new Int32Array(Math.min(BLOCK, nRows))
  for (let start = 0; start < nRows; start += BLOCK) {
    const m = Math.min(BLOCK, nRows - start)
    for (let f = 0; f < p; f++) {
      const col = columns[f] as Float64Array
      for (let j = 0; j < m; j++) block[j * p + f] = col[start + j] as number
    }
    for (let t = 0; t < c.roots.length; t++) {
      findLeaves(c, block, p, m, c.roots[t] as number, c.depth[t] as number, leaves)
      accumulate(c, leaves, out, start, m, t, k)
    }
  }
  finish(out, e, nRows)
  return out
}

/**
 * The leaf of each of the block's `m` rows. Eight rows walk together (~10% faster than four): their walks are
 * independent chains of loads, so the CPU overlaps them instead of waiting on one at a time.
 */
function findLeaves(c: CompiledEnsemble, block: Float64Array, p: number, m: number, root: number, depth: number, leaves: Int32Array): void {
  const { feature, threshold, missingRight, left } = c
  let j = 0
  for (; j + 7 < m; j += 8) {
    const r0 = j * p
    const r1 = r0 + p
    const r2 = r1 + p
    const r3 = r2 + p
    const r4 = r3 + p
    const r5 = r4 + p
    const r6 = r5 + p
    const r7 = r6 + p
    let n0 = root
    let n1 = root
    let n2 = root
    let n3 = root
    let n4 = root
    let n5 = root
    let n6 = root
    let n7 = root
    for (let d = 0; d < depth; d++) {
      // x > threshold is false for NaN, which then goes right only when missingRight is set
      const x0 = block[r0 + (feature[n0] as number)] as number
      const x1 = block[r1 + (feature[n1] as number)] as number
      const x2 = block[r2 + (feature[n2] as number)] as number
      const x3 = block[r3 + (feature[n3] as number)] as number
      const x4 = block[r4 + (feature[n4] as number)] as number
      const x5 = block[r5 + (feature[n5] as number)] as number
      const x6 = block[r6 + (feature[n6] as number)] as number
      const x7 = block[r7 + (feature[n7] as number)] as number
      n0 = (left[n0] as number) + (Number(x0 > (threshold[n0] as number)) | (Number(Number.isNaN(x0)) & (missingRight[n0] as number)))
      n1 = (left[n1] as number) + (Number(x1 > (threshold[n1] as number)) | (Number(Number.isNaN(x1)) & (missingRight[n1] as number)))
      n2 = (left[n2] as number) + (Number(x2 > (threshold[n2] as number)) | (Number(Number.isNaN(x2)) & (missingRight[n2] as number)))
      n3 = (left[n3] as number) + (Number(x3 > (threshold[n3] as number)) | (Number(Number.isNaN(x3)) & (missingRight[n3] as number)))
      n4 = (left[n4] as number) + (Number(x4 > (threshold[n4] as number)) | (Number(Number.isNaN(x4)) & (missingRight[n4] as number)))
      n5 = (left[n5] as number) + (Number(x5 > (threshold[n5] as number)) | (Number(Number.isNaN(x5)) & (missingRight[n5] as number)))
      n6 = (left[n6] as number) + (Number(x6 > (threshold[n6] as number)) | (Number(Number.isNaN(x6)) & (missingRight[n6] as number)))
      n7 = (left[n7] as number) + (Number(x7 > (threshold[n7] as number)) | (Number(Number.isNaN(x7)) & (missingRight[n7] as number)))
    }
    leaves[j] = n0
    leaves[j + 1] = n1
    leaves[j + 2] = n2
    leaves[j + 3] = n3
    leaves[j + 4] = n4
    leaves[j + 5] = n5
    leaves[j + 6] = n6
    leaves[j + 7] = n7
  }
  for (; j < m; j++) {
    const r = j * p
    let n = root
    for (let d = 0; d < depth; d++) {
      const x = block[r + (feature[n] as number)] as number
      n = (left[n] as number) + (Number(x > (threshold[n] as number)) | (Number(Number.isNaN(x)) & (missingRight[n] as number)))
    }
    leaves[j] = n
  }
}

function accumulate(c: CompiledEnsemble, leaves: Int32Array, out: Float64Array, start: number, m: number, t: number, k: number): void {
  const { value } = c
  const w = c.ensemble.width
  const target = c.ensemble.treeOutput[t] as number
  for (let j = 0; j < m; j++) {
    const leaf = leaves[j] as number
    const o = (start + j) * k
    if (target >= 0) out[o + target] = (out[o + target] as number) + (value[leaf * w] as number)
    else for (let q = 0; q < k; q++) out[o + q] = (out[o + q] as number) + (value[leaf * w + q] as number)
  }
}

function finish(out: Float64Array, e: Ensemble, nRows: number): void {
  const k = outputCount(e)
  const counts = new Float64Array(k)
  for (let t = 0; t < e.trees.length; t++) {
    const target = e.treeOutput[t] as number
    if (target < 0) for (let j = 0; j < k; j++) counts[j] = (counts[j] as number) + 1
    else counts[target] = (counts[target] as number) + 1
  }
  const mean = e.aggregate === 'mean'
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < k; j++) {
      const sum = out[i * k + j] as number
      out[i * k + j] = (e.base[j] as number) + (mean ? sum / Math.max(1, counts[j] as number) : sum)
    }
  }
}
