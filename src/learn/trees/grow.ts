/** @module Grows one histogram tree: best-first under `maxLeaves` (leaf-wise), else depth-first, with histogram subtraction. */
import { type KernelThreads, spread } from '../kernels/threads.js'
import type { Random } from '../random.js'
import type { BinnedFeatures } from './binning.js'
import { HistogramBuilder, type RowStats, subtractHistogram } from './histogram.js'
import { findBestSplitSparse, SPARSE_ROWS } from './sparse-split.js'
import { findBestSplit, type Split, type SplitRules } from './split.js'
import type { Tree } from './tree.js'

/** How one tree grows. */
export interface GrowOptions extends SplitRules {
  /** 0 = unlimited. */
  readonly maxDepth: number
  /** 0 = unlimited; otherwise the largest-gain leaf is split first. */
  readonly maxLeaves: number
  /** The features this tree may split on. */
  readonly features: Int32Array
  /** Forest-style: each split draws this many of `features` (histograms are then built per node, without subtraction). */
  readonly featuresPerSplit?: { readonly count: number; readonly random: Random }
  /** Values per node. */
  readonly width: number
  /** Writes the node value(s) for node statistics `stats` (gradient sums, then hessian sum). */
  readonly nodeValue: (stats: Float64Array, out: number[]) => void
  /** When given, receives the leaf each grown row lands in (other entries are left as they are). */
  readonly leafOfRow?: Int32Array
  /** Buffers kept from tree to tree (boosting grows hundreds on the same rows); fresh ones otherwise. */
  readonly workspace?: GrowWorkspace
  /** Worker threads (on the bins' arena) that share the histograms of large nodes. */
  readonly threads?: KernelThreads | null
}

/**
 * Buffers kept from tree to tree (boosting grows hundreds on the same rows): the rows being
 * partitioned, spare histograms and the histogram builder, all in the bins' kernel arena.
 */
export class GrowWorkspace {
  readonly pool: Float64Array[] = []
  #builder: HistogramBuilder | null = null
  #rows: Int32Array = new Int32Array(0)
  #spill: Int32Array = new Int32Array(0)
  #lut: Uint8Array = new Uint8Array(0)

  /** Readies the workspace for trees over `bins` with up to `rows` rows of `channels` channels. */
  bind(bins: BinnedFeatures, rows: number, channels: number): { builder: HistogramBuilder; rows: Int32Array; spill: Int32Array; lut: Uint8Array } {
    const size = bins.totalBins * (channels + 1)
    if (this.#builder?.bins !== bins) {
      this.#builder = new HistogramBuilder(bins)
      this.#rows = this.#spill = new Int32Array(0)
      this.#lut = bins.arena.uint8(256)
      this.pool.length = 0
    }
    // pooled histograms are only reusable at the same size (the same bins and channels)
    if (this.pool.some((h) => h.length !== size)) this.pool.length = 0
    if (this.#rows.length < rows) {
      this.#rows = bins.arena.int32(rows)
      this.#spill = bins.arena.int32(rows)
    }
    return { builder: this.#builder, rows: this.#rows, spill: this.#spill, lut: this.#lut }
  }
}

interface Open {
  readonly node: number
  readonly start: number
  readonly end: number
  readonly depth: number
  readonly stats: Float64Array
  hist: Float64Array | null
  readonly split: Split
}

class TreeBuffer {
  readonly feature: number[] = []
  readonly threshold: number[] = []
  readonly missingLeft: number[] = []
  readonly left: number[] = []
  readonly right: number[] = []
  readonly value: number[] = []
  readonly cover: number[] = []
  readonly gain: number[] = []

  add(stats: Float64Array, channels: number, nodeValue: GrowOptions['nodeValue']): number {
    const id = this.feature.length
    this.feature.push(-1)
    this.threshold.push(0)
    this.missingLeft.push(0)
    this.left.push(-1)
    this.right.push(-1)
    nodeValue(stats, this.value)
    this.cover.push(stats[channels] as number)
    this.gain.push(0)
    return id
  }

  toTree(): Tree {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      missingLeft: Uint8Array.from(this.missingLeft),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float64Array.from(this.value),
      cover: Float64Array.from(this.cover),
      gain: Float64Array.from(this.gain),
    }
  }
}

/**
 * Grows a tree on `rows[0..nRows)`, which may repeat (bootstrap samples). The rows are
 * reordered in place so that every node above the depth limit owns a contiguous range.
 */
export function growTree(bins: BinnedFeatures, stats: RowStats, rows: Int32Array, nRows: number, options: GrowOptions): Tree {
  const workspace = options.workspace ?? new GrowWorkspace()
  const buffers = workspace.bind(bins, nRows, stats.channels)
  // the kernels work on the arena's copy of the rows
  buffers.rows.set(rows.subarray(0, nRows))
  const tree = new Grower(bins, stats, buffers.rows, options, workspace.pool, buffers).grow(nRows)
  rows.set(buffers.rows.subarray(0, nRows))
  return tree
}

class Grower {
  readonly #s: number
  readonly #sampled: Int32Array
  readonly #tree = new TreeBuffer()
  readonly #ranges: number[] = []

  constructor(
    readonly bins: BinnedFeatures,
    readonly stats: RowStats,
    readonly rows: Int32Array,
    readonly options: GrowOptions,
    readonly pool: Float64Array[],
    readonly buffers: { readonly builder: HistogramBuilder; readonly spill: Int32Array; readonly lut: Uint8Array },
  ) {
    this.#s = stats.channels + 1
    this.#sampled = new Int32Array(options.featuresPerSplit ? Math.min(options.featuresPerSplit.count, options.features.length) : 0)
  }

  grow(nRows: number): Tree {
    const { maxLeaves } = this.options
    const open: Open[] = []
    const root = this.#open(0, nRows, 0, this.#rootStats(nRows))
    if (this.#canSplit(root)) this.#evaluate(root, null)
    this.#keepOrRelease(root, open)
    let leaves = 1
    // Without a leaf limit the order of splits cannot change the tree, so depth-first
    // (which keeps the fewest histograms alive) grows the depth-wise tree.
    while (open.length > 0 && (maxLeaves === 0 || leaves < maxLeaves)) {
      const next = maxLeaves === 0 ? (open.pop() as Open) : (open.splice(bestIndex(open), 1)[0] as Open)
      this.#split(next, open)
      leaves++
    }
    for (const o of open) this.#release(o)
    if (this.options.leafOfRow) this.#markLeaves(this.options.leafOfRow)
    return this.#tree.toTree()
  }

  #rootStats(nRows: number): Float64Array {
    const { channels: c, grad, hess } = this.stats
    const rows = this.rows
    const total = new Float64Array(this.#s)
    if (c === 1) {
      // scalar accumulators in the boosting case; same order of additions as the general loop
      let g = 0
      let h = 0
      for (let i = 0; i < nRows; i++) {
        const r = rows[i] as number
        g += grad[r] as number
        h += hess[r] as number
      }
      total[0] = g
      total[1] = h
      return total
    }
    for (let i = 0; i < nRows; i++) {
      const r = rows[i] as number
      for (let q = 0; q < c; q++) total[q] = (total[q] as number) + (grad[r * c + q] as number)
      total[c] = (total[c] as number) + (hess[r] as number)
    }
    return total
  }

  #markLeaves(leafOfRow: Int32Array): void {
    const { feature } = this.#tree
    for (let node = 0; node < feature.length; node++) {
      if ((feature[node] as number) >= 0) continue
      const end = this.#ranges[2 * node + 1] as number
      for (let i = this.#ranges[2 * node] as number; i < end; i++) leafOfRow[this.rows[i] as number] = node
    }
  }

  #open(start: number, end: number, depth: number, stats: Float64Array): Open {
    const node = this.#tree.add(stats, this.stats.channels, this.options.nodeValue)
    this.#ranges.push(start, end)
    return { node, start, end, depth, stats, hist: null, split: { gain: 0, feature: -1, bin: 0, missingLeft: false, left: new Float64Array(this.#s) } }
  }

  #canSplit(o: Open): boolean {
    const { maxDepth, minChildWeight } = this.options
    return (maxDepth === 0 || o.depth < maxDepth) && o.end - o.start >= 2 && (o.stats[this.stats.channels] as number) >= 2 * minChildWeight
  }

  /** Finds the node's best split; `hist`, when given, already holds its histogram. */
  #evaluate(o: Open, hist: Float64Array | null): void {
    const sampled = this.options.featuresPerSplit ? this.#sampleFeatures() : null
    const features = sampled ?? this.options.features
    if (sampled && o.end - o.start < SPARSE_ROWS) {
      findBestSplitSparse(o.split, this.stats, this.rows, o.start, o.end, o.stats, this.bins, features, this.options)
      return
    }
    o.hist = hist ?? this.#build(o.start, o.end, features)
    findBestSplit(o.split, o.hist, o.stats, this.bins, features, this.stats.channels, this.options)
    if (sampled) this.#release(o)
  }

  #build(start: number, end: number, features: Int32Array): Float64Array {
    const { builder } = this.buffers
    const hist = this.pool.pop() ?? builder.allocate(this.stats.channels)
    builder.build(hist, this.stats, this.rows, start, end, features, this.options.threads)
    return hist
  }

  #keepOrRelease(o: Open, open: Open[]): void {
    if (o.split.gain > 0) open.push(o)
    else this.#release(o)
  }

  #release(o: Open): void {
    if (o.hist) this.pool.push(o.hist)
    o.hist = null
  }

  #split(o: Open, open: Open[]): void {
    const { split } = o
    const { maxDepth, leafOfRow } = this.options
    // Children at the depth limit stay leaves whatever their row counts, so their rows
    // need no partition: only the leaf each row lands in is wanted (empty ranges keep #markLeaves off them).
    const lastLevel = maxDepth !== 0 && o.depth + 1 >= maxDepth
    const mid = lastLevel ? o.start : this.#partition(o)
    const rightStats = new Float64Array(this.#s)
    for (let q = 0; q < this.#s; q++) rightStats[q] = (o.stats[q] as number) - (split.left[q] as number)
    const left = this.#open(o.start, mid, o.depth + 1, Float64Array.from(split.left))
    const right = this.#open(mid, lastLevel ? mid : o.end, o.depth + 1, rightStats)
    this.#record(o, left.node, right.node)
    if (lastLevel && leafOfRow) this.#assignLeaves(o, left.node, right.node, leafOfRow)
    const canLeft = this.#canSplit(left)
    const canRight = this.#canSplit(right)
    if (this.options.featuresPerSplit) {
      this.#release(o)
      if (canLeft) this.#evaluate(left, null)
      if (canRight) this.#evaluate(right, null)
    } else if (canLeft || canRight) {
      this.#childHistograms(o, left, right)
      if (canLeft) this.#evaluate(left, left.hist)
      if (canRight) this.#evaluate(right, right.hist)
    } else this.#release(o)
    this.#keepOrRelease(left, open)
    this.#keepOrRelease(right, open)
  }

  /** Builds the smaller child's histogram and turns the parent's into the larger child's. */
  #childHistograms(parent: Open, left: Open, right: Open): void {
    const [small, large] = left.end - left.start <= right.end - right.start ? [left, right] : [right, left]
    small.hist = this.#build(small.start, small.end, this.options.features)
    const hist = parent.hist as Float64Array
    subtractHistogram(hist, small.hist, this.bins, this.options.features, this.stats.channels)
    large.hist = hist
    parent.hist = null
  }

  #record(o: Open, left: number, right: number): void {
    const t = this.#tree
    const { feature, bin, missingLeft, gain } = o.split
    t.feature[o.node] = feature
    t.threshold[o.node] = (this.bins.thresholds[feature] as Float64Array)[bin] as number
    t.missingLeft[o.node] = missingLeft ? 1 : 0
    t.left[o.node] = left
    t.right[o.node] = right
    t.gain[o.node] = gain
  }

  /** Which bin codes of the split feature go left (the missing bin included). */
  #goLeft(o: Open): Uint8Array {
    const { feature, bin, missingLeft } = o.split
    const { lut } = this.buffers
    lut.fill(0)
    lut.fill(1, 0, bin + 1)
    if (missingLeft) lut[this.bins.nBins[feature] as number] = 1
    return lut
  }

  /** Stable partition of the node's rows, left rows first; returns where the right rows start. */
  #partition(o: Open): number {
    const codes = this.bins.codes[o.split.feature] as Uint8Array
    const lut = this.#goLeft(o)
    const { kernels } = this.bins.arena
    const left = kernels.partition(codes.byteOffset, lut.byteOffset, this.rows.byteOffset + 4 * o.start, o.end - o.start, this.buffers.spill.byteOffset)
    return o.start + left
  }

  /** For children that cannot split: records each row's leaf directly, which is all a partition would be used for. */
  #assignLeaves(o: Open, leftNode: number, rightNode: number, leafOfRow: Int32Array): void {
    const codes = this.bins.codes[o.split.feature] as Uint8Array
    const lut = this.#goLeft(o)
    const rows = this.rows
    const { arena } = this.bins
    if (arena.owns(leafOfRow)) {
      const at = rows.byteOffset + 4 * o.start
      spread(arena, this.options.threads ?? null, o.end - o.start, (from, count) => [
        'assignLeaves',
        codes.byteOffset,
        lut.byteOffset,
        at + 4 * from,
        count,
        leafOfRow.byteOffset,
        leftNode,
        rightNode,
      ])
      return
    }
    const toRight = rightNode - leftNode
    for (let i = o.start; i < o.end; i++) {
      const row = rows[i] as number
      leafOfRow[row] = rightNode - toRight * (lut[codes[row] as number] as number)
    }
  }

  #sampleFeatures(): Int32Array {
    const { features, featuresPerSplit } = this.options
    const random = (featuresPerSplit as NonNullable<GrowOptions['featuresPerSplit']>).random
    const pool = Int32Array.from(features)
    const out = this.#sampled
    for (let i = 0; i < out.length; i++) {
      const j = i + random.int(pool.length - i)
      const picked = pool[j] as number
      pool[j] = pool[i] as number
      pool[i] = picked
      out[i] = picked
    }
    return out
  }
}

/** The open leaf with the largest gain (ties: the earliest node). */
function bestIndex(open: readonly Open[]): number {
  let best = 0
  for (let i = 1; i < open.length; i++) {
    const a = open[i] as Open
    const b = open[best] as Open
    if (a.split.gain > b.split.gain || (a.split.gain === b.split.gain && a.node < b.node)) best = i
  }
  return best
}
