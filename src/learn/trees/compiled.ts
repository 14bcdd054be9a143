/** @module An ensemble flattened for fast prediction, with outputs equal to `rawPredict` from tree.ts bit for bit. */
import { KernelArena } from '../kernels/arena.js'
import { type Ensemble, outputCount, type Tree } from './tree.js'

/**
 * Every tree's nodes concatenated; child indices are absolute and a node's children
 * are adjacent (`right = left + 1`). A leaf points to itself (`left` = the leaf,
 * threshold +Infinity, missing values kept left), so walking a tree for exactly
 * `depth[t]` steps lands every row on its leaf without a test for leaves.
 *
 * A node is 16 bytes, so one step of a walk reads one cache line: its threshold
 * (`thresholds[2i]`), its feature (`links[4i + 2]`, bit 31 set when a missing value goes
 * right) and its left child (`links[4i + 3]`): two views of the same bytes.
 */
export interface CompiledEnsemble {
  readonly roots: Int32Array
  /** Steps from the root to the deepest leaf, per tree. */
  readonly depth: Int32Array
  /** The output each tree adds to (`ensemble.treeOutput`). */
  readonly targets: Int32Array
  /** The nodes as f64: node i's threshold at 2i. */
  readonly thresholds: Float64Array
  /** The nodes as i32: node i's feature and missing-value direction at 4i + 2, its left child at 4i + 3. */
  readonly links: Int32Array
  readonly value: Float64Array
  /** Every tree has one value per leaf and adds it to one output: one kernel call predicts them all. */
  readonly oneValueLeaves: boolean
  /** How many trees add to each output (a forest averages over them). */
  readonly treesPerOutput: Float64Array
  readonly ensemble: Ensemble
  /** The memory every array above lives in, with the prediction kernels and one block's buffers. */
  readonly arena: KernelArena
  readonly buffers: { readonly block: Float64Array; readonly leaves: Int32Array; readonly out: Float64Array }
  /** The single-value-leaf kernels with this ensemble's addresses bound: one row at `x`, or `m` rows of `p` features at `block`. */
  readonly walk: {
    readonly row: (x: number, out: number) => void
    readonly rows: (block: number, p: number, m: number, out: number, k: number, leaves: number) => void
  }
}

/** Bit 31 of a node's feature word: a missing value goes right. */
const MISSING_RIGHT = 1 << 31

// Rows go through the trees in blocks, tree by tree, so a tree's nodes and the
// block's feature values (copied row-major into one array) stay in cache together.
const BLOCK = 512

/** Flattens an ensemble once, at fit or load time. */
export function compileEnsemble(e: Ensemble): CompiledEnsemble {
  const total = e.trees.reduce((n, t) => n + t.feature.length, 0)
  const k = outputCount(e)
  const arena = new KernelArena(total * (16 + 8 * e.width) + e.trees.length * 12 + BLOCK * (8 * e.nFeatures + 4 + 8 * k) + 1024)
  const thresholds = arena.float64(2 * total)
  const roots = arena.int32(e.trees.length)
  const depth = arena.int32(e.trees.length)
  const targets = arena.int32(e.trees.length)
  const value = arena.float64(total * e.width)
  const ensemble = [thresholds.byteOffset, value.byteOffset, roots.byteOffset, depth.byteOffset, targets.byteOffset, e.trees.length] as const
  const c: CompiledEnsemble = {
    roots,
    depth,
    targets,
    thresholds,
    links: new Int32Array(thresholds.buffer, thresholds.byteOffset, 4 * total),
    value,
    oneValueLeaves: e.width === 1 && e.treeOutput.every((t) => t >= 0),
    treesPerOutput: treesPerOutput(e),
    ensemble: e,
    arena,
    buffers: { block: arena.float64(BLOCK * e.nFeatures), leaves: arena.int32(BLOCK), out: arena.float64(BLOCK * k) },
    walk: { row: arena.kernels.predictRow.bind(null, ...ensemble), rows: arena.kernels.predictTrees.bind(null, ...ensemble) },
  }
  c.targets.set(e.treeOutput)
  let at = 0
  e.trees.forEach((tree, i) => {
    c.roots[i] = at
    at = place(c, tree, at, i, e.width)
  })
  return c
}

function treesPerOutput(e: Ensemble): Float64Array {
  const k = outputCount(e)
  const counts = new Float64Array(k)
  for (const target of e.treeOutput) {
    if (target < 0) for (let j = 0; j < k; j++) counts[j] = (counts[j] as number) + 1
    else counts[target] = (counts[target] as number) + 1
  }
  return counts
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
      c.thresholds[2 * node] = Number.POSITIVE_INFINITY
      c.links[4 * node + 2] = 0
      c.links[4 * node + 3] = node
      deepest = Math.max(deepest, d)
      continue
    }
    c.thresholds[2 * node] = tree.threshold[old] as number
    c.links[4 * node + 2] = tree.missingLeft[old] === 1 ? f : f | MISSING_RIGHT
    c.links[4 * node + 3] = at + order.length
    order.push(tree.left[old] as number, tree.right[old] as number)
    depths.push(d + 1, d + 1)
  }
  c.depth[t] = deepest
  return at + order.length
}

/** Raw outputs, `nRows × outputCount`, row-major — identical to `rawPredict(c.ensemble, …)`. */
export function predictCompiled(c: CompiledEnsemble, columns: readonly Float64Array[], nRows: number): Float64Array {
  const p = columns.length
  if (p !== c.ensemble.nFeatures) throw new RangeError(`compiled ensemble expects ${c.ensemble.nFeatures} feature columns; got ${p}`)
  return predictBlocks(c, nRows, (block, start, m) => {
    for (let f = 0; f < p; f++) {
      const col = columns[f] as Float64Array
      for (let j = 0; j < m; j++) block[j * p + f] = col[start + j] as number
    }
  })
}

/**
 * {@link predictCompiled} for rows already laid out row-major (`nRows × nFeatures`), as a
 * served request's instances are: no columns to build, the rows are copied into the kernels'
 * memory as they are.
 */
export function predictCompiledRows(c: CompiledEnsemble, rows: Float64Array, nRows: number): Float64Array {
  const p = c.ensemble.nFeatures
  if (rows.length !== nRows * p) throw new RangeError(`compiled ensemble expects ${nRows} × ${p} values; got ${rows.length}`)
  return predictBlocks(c, nRows, (block, start, m) => block.set(rows.subarray(start * p, (start + m) * p)))
}

/** Runs the trees over `nRows` rows, one block at a time; `fill` writes rows `start … start + m` into the block. */
function predictBlocks(c: CompiledEnsemble, nRows: number, fill: (block: Float64Array, start: number, m: number) => void): Float64Array {
  const e = c.ensemble
  const k = outputCount(e)
  const p = e.nFeatures
  const result = new Float64Array(nRows * k)
  const { block, leaves, out } = c.buffers
  const { kernels } = c.arena
  for (let start = 0; start < nRows; start += BLOCK) {
    const m = Math.min(BLOCK, nRows - start)
    fill(block, start, m)
    out.fill(0, 0, m * k)
    if (c.oneValueLeaves && m < 4) {
      // too few rows to walk four together: each row walks eight trees together instead
      for (let j = 0; j < m; j++) c.walk.row(block.byteOffset + j * p * 8, out.byteOffset + j * k * 8)
    } else if (c.oneValueLeaves) {
      c.walk.rows(block.byteOffset, p, m, out.byteOffset, k, leaves.byteOffset)
    } else {
      for (let t = 0; t < c.roots.length; t++) {
        kernels.findLeaves(c.thresholds.byteOffset, block.byteOffset, p, m, c.roots[t] as number, c.depth[t] as number, leaves.byteOffset)
        accumulate(c, leaves, out, m, e.treeOutput[t] as number, k)
      }
    }
    result.set(out.subarray(0, m * k), start * k)
  }
  finish(result, c, nRows)
  return result
}

function accumulate(c: CompiledEnsemble, leaves: Int32Array, out: Float64Array, m: number, target: number, k: number): void {
  const { value } = c
  const w = c.ensemble.width
  for (let j = 0; j < m; j++) {
    const leaf = leaves[j] as number
    const o = j * k
    if (target >= 0) out[o + target] = (out[o + target] as number) + (value[leaf * w] as number)
    else for (let q = 0; q < k; q++) out[o + q] = (out[o + q] as number) + (value[leaf * w + q] as number)
  }
}

function finish(out: Float64Array, c: CompiledEnsemble, nRows: number): void {
  const e = c.ensemble
  const k = outputCount(e)
  const counts = c.treesPerOutput
  const mean = e.aggregate === 'mean'
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < k; j++) {
      const sum = out[i * k + j] as number
      out[i * k + j] = (e.base[j] as number) + (mean ? sum / Math.max(1, counts[j] as number) : sum)
    }
  }
}
