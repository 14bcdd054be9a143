/** @module Gradient/hessian histograms per feature bin, built from a node's rows or derived for a sibling by subtraction. */
import type { KernelArena } from '../kernels/arena.js'
import type { KernelCall, KernelThreads } from '../kernels/threads.js'
import type { BinnedFeatures } from './binning.js'

/**
 * Per-row statistics a tree sums: `channels` gradient values per row (row-major)
 * and one hessian (or sample weight) per row. Histogram bins hold `channels + 1`
 * numbers: the gradient sums, then the hessian sum.
 */
export interface RowStats {
  readonly channels: number
  readonly grad: Float64Array
  readonly hess: Float64Array
}

/**
 * Large nodes are summed in this many fixed row shares, each into its own buffer, and the
 * shares added in order: the result is the same bit for bit whether one thread or four did the work.
 */
export const HISTOGRAM_PARTS = 4
// Below this many rows a node is one share: handing work to another thread costs more than it saves.
const PARALLEL_ROWS = 16_384

type HistogramRowsArgs = [table: number, count: number, rows: number, n: number, grad: number, hess: number, scratch: number]

/**
 * Builds histograms for one set of binned features. Rows' statistics are gathered into a
 * scratch buffer first, so the per-feature passes read them sequentially; with one channel
 * and every buffer in the bins' arena, the WebAssembly kernel does the adding.
 */
export class HistogramBuilder {
  readonly #arena: KernelArena
  #scratch: Float64Array
  readonly #tables: Int32Array[]
  readonly #parts: Float64Array[] = []

  constructor(readonly bins: BinnedFeatures) {
    this.#arena = bins.arena
    this.#scratch = this.#arena.float64(0)
    this.#tables = Array.from({ length: HISTOGRAM_PARTS }, () => this.#arena.int32(2 * bins.codes.length))
  }

  /** Whether the kernels can address `view`: buffers meant for `build` should come from here. */
  owns(view: ArrayBufferView): boolean {
    return this.#arena.owns(view)
  }

  /** A histogram buffer for `channels` gradient channels that the kernels can address. */
  allocate(channels: number): Float64Array {
    return this.#arena.float64(this.bins.totalBins * (channels + 1))
  }

  /**
   * Adds rows `rows[start..end)` into `hist` for `features` (whose ranges it zeroes first);
   * `threads`, when given, share large nodes.
   */
  build(hist: Float64Array, stats: RowStats, rows: Int32Array, start: number, end: number, features: Int32Array, threads?: KernelThreads | null): void {
    const s = stats.channels + 1
    const scratch = this.#scratchFor((end - start) * s)
    this.#zero(hist, features, s)
    if (s !== 2 || !this.owns(hist) || !this.owns(rows)) {
      gather(stats, rows, start, end, scratch)
      for (let k = 0; k < features.length; k++) {
        const f = features[k] as number
        addRows(hist, this.bins.codes[f] as Uint8Array, rows, start, end, (this.bins.offsets[f] as number) * s, scratch, s)
      }
      return
    }
    const kernels = this.#arena.kernels
    if (!this.owns(stats.grad) || !this.owns(stats.hess)) {
      gather(stats, rows, start, end, scratch)
      kernels.histogram(this.#table(0, hist, features), features.length, rows.byteOffset + 4 * start, end - start, scratch.byteOffset)
      return
    }
    const parts = end - start >= PARALLEL_ROWS ? HISTOGRAM_PARTS : 1
    const share = Math.ceil((end - start) / parts)
    const { grad, hess } = stats
    const args = (p: number): HistogramRowsArgs => {
      const from = Math.min(end, start + p * share)
      const n = Math.min(end, from + share) - from
      const target = p === 0 ? hist : this.#part(p, features)
      return [
        this.#table(p, target, features),
        features.length,
        rows.byteOffset + 4 * from,
        n,
        grad.byteOffset,
        hess.byteOffset,
        scratch.byteOffset + 16 * p * share,
      ]
    }
    // thread t takes shares t, t + threads, ...; the shares and the order they are added in never change
    const team = parts === 1 || !threads ? 1 : Math.min(threads.count + 1, parts)
    for (let w = 1; w < team; w++) {
      const calls: KernelCall[] = []
      for (let p = w; p < parts; p += team) calls.push(['histogramRows', ...args(p)])
      threads?.post(w - 1, calls)
    }
    for (let p = 0; p < parts; p += team) kernels.histogramRows(...args(p))
    for (let w = 1; w < team; w++) threads?.wait(w - 1)
    for (let p = 1; p < parts; p++) this.#addPart(hist, this.#parts[p - 1] as Float64Array, features)
  }

  /** Writes the (codes, histogram) address pairs of `features` into table `t`; returns its address. */
  #table(t: number, hist: Float64Array, features: Int32Array): number {
    const { bins } = this
    const table = this.#tables[t] as Int32Array
    for (let k = 0; k < features.length; k++) {
      const f = features[k] as number
      table[2 * k] = (bins.codes[f] as Uint8Array).byteOffset
      table[2 * k + 1] = hist.byteOffset + (bins.offsets[f] as number) * 16
    }
    return table.byteOffset
  }

  /** Share `p`'s buffer, its features' ranges zeroed. */
  #part(p: number, features: Int32Array): Float64Array {
    while (this.#parts.length < p) this.#parts.push(this.#arena.float64(this.bins.totalBins * 2))
    const part = this.#parts[p - 1] as Float64Array
    this.#zero(part, features, 2)
    return part
  }

  #zero(hist: Float64Array, features: Int32Array, s: number): void {
    for (let k = 0; k < features.length; k++) {
      const f = features[k] as number
      const from = (this.bins.offsets[f] as number) * s
      hist.fill(0, from, from + ((this.bins.nBins[f] as number) + 1) * s)
    }
  }

  #addPart(hist: Float64Array, part: Float64Array, features: Int32Array): void {
    for (let k = 0; k < features.length; k++) {
      const f = features[k] as number
      const from = (this.bins.offsets[f] as number) * 2
      const to = from + ((this.bins.nBins[f] as number) + 1) * 2
      for (let i = from; i < to; i++) hist[i] = (hist[i] as number) + (part[i] as number)
    }
  }

  #scratchFor(length: number): Float64Array {
    if (this.#scratch.length < length) this.#scratch = this.#arena.float64(length)
    return this.#scratch
  }
}

function gather(stats: RowStats, rows: Int32Array, start: number, end: number, scratch: Float64Array): void {
  const c = stats.channels
  const s = c + 1
  const { grad, hess } = stats
  if (c === 1) {
    for (let i = start, j = 0; i < end; i++, j += 2) {
      const r = rows[i] as number
      scratch[j] = grad[r] as number
      scratch[j + 1] = hess[r] as number
    }
    return
  }
  for (let i = start, j = 0; i < end; i++, j += s) {
    const r = rows[i] as number
    for (let q = 0; q < c; q++) scratch[j + q] = grad[r * c + q] as number
    scratch[j + c] = hess[r] as number
  }
}

function addRows(hist: Float64Array, codes: Uint8Array, rows: Int32Array, start: number, end: number, from: number, g: Float64Array, s: number): void {
  for (let i = start, j = 0; i < end; i++, j += s) {
    const k = from + (codes[rows[i] as number] as number) * s
    for (let q = 0; q < s; q++) hist[k + q] = (hist[k + q] as number) + (g[j + q] as number)
  }
}

/** `parent -= child` over the given features' ranges: the parent's buffer becomes the sibling's histogram. */
export function subtractHistogram(parent: Float64Array, child: Float64Array, bins: BinnedFeatures, features: Int32Array, channels: number): void {
  const s = channels + 1
  for (let k = 0; k < features.length; k++) {
    const f = features[k] as number
    const from = (bins.offsets[f] as number) * s
    const to = from + ((bins.nBins[f] as number) + 1) * s
    for (let i = from; i < to; i++) parent[i] = (parent[i] as number) - (child[i] as number)
  }
}
