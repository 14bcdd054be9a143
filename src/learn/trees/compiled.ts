/** @module An ensemble flattened for fast prediction, with outputs equal to `rawPredict` from tree.ts bit for bit. */
import { type Ensemble, outputCount, type Tree } from './tree.js'

/** Every tree's nodes concatenated; child indices are absolute. */
export interface CompiledEnsemble {
  readonly roots: Int32Array
  readonly feature: Int32Array
  readonly threshold: Float64Array
  readonly missingLeft: Uint8Array
  readonly left: Int32Array
  readonly right: Int32Array
  readonly value: Float64Array
  readonly ensemble: Ensemble
}

/** Flattens an ensemble once, at fit or load time. */
export function compileEnsemble(e: Ensemble): CompiledEnsemble {
  const total = e.trees.reduce((n, t) => n + t.feature.length, 0)
  const c = {
    roots: new Int32Array(e.trees.length),
    feature: new Int32Array(total),
    threshold: new Float64Array(total),
    missingLeft: new Uint8Array(total),
    left: new Int32Array(total),
    right: new Int32Array(total),
    value: new Float64Array(total * e.width),
    ensemble: e,
  }
  let at = 0
  e.trees.forEach((tree, i) => {
    c.roots[i] = at
    at = place(c, tree, at, e.width)
  })
  return c
}

/** Copies a tree in breadth-first order, so every node's two children sit side by side. */
function place(c: CompiledEnsemble, tree: Tree, at: number, width: number): number {
  const order = [0]
  for (let k = 0; k < order.length; k++) {
    const old = order[k] as number
    const node = at + k
    const f = tree.feature[old] as number
    c.feature[node] = f
    c.threshold[node] = tree.threshold[old] as number
    c.missingLeft[node] = tree.missingLeft[old] as number
    c.value.set(tree.value.subarray(old * width, (old + 1) * width), node * width)
    if (f < 0) continue
    c.left[node] = at + order.length
    c.right[node] = at + order.length + 1
    order.push(tree.left[old] as number, tree.right[old] as number)
  }
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
  for (let start = 0; start < nRows; start += BLOCK) {
    const m = Math.min(BLOCK, nRows - start)
    for (let f = 0; f < p; f++) {
      const col = columns[f] as Float64Array
      for (let j = 0; j < m; j++) block[j * p + f] = col[start + j] as number
    }
    for (let t = 0; t < c.roots.length; t++) accumulate(c, block, p, out, start, m, t, k)
  }
  finish(out, e, nRows)
  return out
}

function accumulate(c: CompiledEnsemble, block: Float64Array, p: number, out: Float64Array, start: number, m: number, t: number, k: number): void {
  const { value } = c
  const w = c.ensemble.width
  const root = c.roots[t] as number
  const target = c.ensemble.treeOutput[t] as number
  for (let j = 0; j < m; j++) {
    const leaf = blockLeaf(c, block, j * p, root)
    const o = (start + j) * k
    if (target >= 0) out[o + target] = (out[o + target] as number) + (value[leaf * w] as number)
    else for (let q = 0; q < k; q++) out[o + q] = (out[o + q] as number) + (value[leaf * w + q] as number)
  }
}

/** The leaf reached by the row whose features start at `block[row]`. */
function blockLeaf(c: CompiledEnsemble, block: Float64Array, row: number, root: number): number {
  const { feature, threshold, missingLeft, left, right } = c
  let node = root
  let f = feature[node] as number
  while (f >= 0) {
    const x = block[row + f] as number
    if (Number.isNaN(x)) node = (missingLeft[node] === 1 ? left[node] : right[node]) as number
    // children are adjacent (right = left + 1), so the comparison picks the child without a branch
    else node = (left[node] as number) + Number(x > (threshold[node] as number))
    f = feature[node] as number
  }
  return node
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
