import { describe, expect, it } from 'vitest'
import { createRandom } from '../../../src/learn/random.js'
import { binFeatures } from '../../../src/learn/trees/binning.js'
import { type GrowOptions, GrowWorkspace, growTree } from '../../../src/learn/trees/grow.js'
import { HistogramBuilder, subtractHistogram } from '../../../src/learn/trees/histogram.js'
import { allIndices } from '../../../src/learn/trees/sampling.js'
import { findBestSplitSparse } from '../../../src/learn/trees/sparse-split.js'
import { findBestSplit, type Split } from '../../../src/learn/trees/split.js'
import { leafOf, type Tree } from '../../../src/learn/trees/tree.js'

/** Squared-error gradients for targets y at margin 0 (so leaf values are the regularized means). */
function squaredStats(y: Float64Array) {
  return { channels: 1, grad: y.map((v) => -v), hess: new Float64Array(y.length).fill(1) }
}

function options(over: Partial<GrowOptions>, nFeatures: number): GrowOptions {
  return {
    maxDepth: 6,
    maxLeaves: 0,
    minChildWeight: 1,
    lambda: 0,
    gamma: 0,
    features: allIndices(nFeatures),
    width: 1,
    nodeValue: (s, out) => {
      out.push(-(s[0] as number) / (s[1] as number))
    },
    ...over,
  }
}

function grow(columns: Float64Array[], y: Float64Array, over: Partial<GrowOptions> = {}): Tree {
  const n = y.length
  return growTree(binFeatures(columns, n), squaredStats(y), allIndices(n), n, options(over, columns.length))
}

const leaves = (t: Tree) => t.feature.filter((f) => f < 0).length
function depth(t: Tree, node = 0): number {
  return (t.feature[node] as number) < 0 ? 0 : 1 + Math.max(depth(t, t.left[node] as number), depth(t, t.right[node] as number))
}

describe('growTree', () => {
  it('learns a step function exactly with one split', () => {
    const x = Float64Array.from({ length: 100 }, (_, i) => i)
    const y = x.map((v) => (v < 37 ? 1 : 5))
    const t = grow([x], y, { maxDepth: 1 })
    expect(Array.from(t.feature)).toEqual([0, -1, -1])
    expect(t.threshold[0]).toBe(36.5)
    expect([t.value[1], t.value[2]]).toEqual([1, 5])
    for (let i = 0; i < 100; i++) expect(t.value[leafOf(t, [x], i)]).toBe(y[i])
  })

  it('fills cover, gain and internal values consistently', () => {
    const r = createRandom(3)
    const x = [Float64Array.from({ length: 500 }, () => r.next()), Float64Array.from({ length: 500 }, () => r.next())]
    const y = Float64Array.from({ length: 500 }, (_, i) => ((x[0] as Float64Array)[i] as number) * 3 + r.next())
    const t = grow(x, y, { maxDepth: 4 })
    expect(t.cover[0]).toBe(500)
    expect(t.value[0]).toBeCloseTo(y.reduce((a, b) => a + b) / 500, 10)
    for (let n = 0; n < t.feature.length; n++) {
      if ((t.feature[n] as number) < 0) {
        expect(t.gain[n]).toBe(0)
        continue
      }
      const l = t.left[n] as number
      const rr = t.right[n] as number
      expect((t.cover[l] as number) + (t.cover[rr] as number)).toBe(t.cover[n])
      expect(t.gain[n]).toBeGreaterThan(0)
      // the parent's value is the cover-weighted mean of its children's (lambda = 0)
      const mean = ((t.value[l] as number) * (t.cover[l] as number) + (t.value[rr] as number) * (t.cover[rr] as number)) / (t.cover[n] as number)
      expect(t.value[n]).toBeCloseTo(mean, 9)
    }
  })

  it('limits depth with maxDepth and leaves with maxLeaves, alone or together', () => {
    const r = createRandom(5)
    const x = [Float64Array.from({ length: 2000 }, () => r.next()), Float64Array.from({ length: 2000 }, () => r.next())]
    const y = Float64Array.from({ length: 2000 }, () => r.next())
    const deep = grow(x, y, { maxDepth: 3 })
    expect(depth(deep)).toBe(3)
    expect(leaves(deep)).toBe(8)
    const leafWise = grow(x, y, { maxDepth: 0, maxLeaves: 5 })
    expect(leaves(leafWise)).toBe(5)
    expect(depth(leafWise)).toBeGreaterThan(2) // best-first goes deep where the gain is, not level by level
    const both = grow(x, y, { maxDepth: 2, maxLeaves: 10 })
    expect(leaves(both)).toBe(4)
    expect(depth(both)).toBe(2)
  })

  it('splits the highest-gain leaf first under maxLeaves', () => {
    const x = Float64Array.from({ length: 400 }, (_, i) => i)
    // a big step at 200 and a small one at 300: with 3 leaves both are found, with 2 only the big one
    const y = x.map((v) => (v < 200 ? 0 : v < 300 ? 10 : 11))
    const two = grow([x], y, { maxDepth: 0, maxLeaves: 2 })
    expect(two.threshold[0]).toBe(199.5)
    expect(leaves(two)).toBe(2)
    const three = grow([x], y, { maxDepth: 0, maxLeaves: 3 })
    expect(Array.from(three.threshold.filter((_, n) => (three.feature[n] as number) >= 0))).toEqual([199.5, 299.5])
  })

  it('learns where missing values go from the label', () => {
    const x = Float64Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? Number.NaN : i))
    // missing rows look like the high values
    const y = x.map((v, i) => (Number.isNaN(v) || i >= 150 ? 1 : 0))
    const t = grow([x], y, { maxDepth: 1 })
    expect(t.missingLeft[0]).toBe(t.value[t.left[0] as number] === 1 ? 1 : 0)
    expect(t.value[leafOf(t, [Float64Array.of(Number.NaN)], 0)]).toBe(1)
    const flipped = grow(
      [x],
      y.map((v) => 1 - v),
      { maxDepth: 1 },
    )
    expect((flipped.value[leafOf(flipped, [Float64Array.of(Number.NaN)], 0)] as number) + 0).toBe(0)
  })

  it('respects minChildWeight and gamma', () => {
    const x = Float64Array.from({ length: 10 }, (_, i) => i)
    const y = x.map((v) => (v === 0 ? 10 : 0))
    expect(leaves(grow([x], y, { maxDepth: 1, minChildWeight: 1 }))).toBe(2)
    expect(leaves(grow([x], y, { maxDepth: 1, minChildWeight: 2 }))).toBe(2)
    expect(grow([x], y, { maxDepth: 1, minChildWeight: 2 }).threshold[0]).toBe(1.5)
    expect(leaves(grow([x], y, { maxDepth: 1, gamma: 1e6 }))).toBe(1)
  })

  it('reports the leaf of every grown row, at the depth limit and above it', () => {
    const r = createRandom(11)
    const n = 3000
    const x = [0, 1, 2].map(() => Float64Array.from({ length: n }, () => (r.next() < 0.1 ? Number.NaN : r.next())))
    const y = Float64Array.from(
      { length: n },
      (_, i) => Math.sin(((x[0] as Float64Array)[i] as number) * 9) + ((x[1] as Float64Array)[i] as number) + r.next() * 0.1,
    )
    for (const over of [{ maxDepth: 1 }, { maxDepth: 4 }, { maxDepth: 0, maxLeaves: 9 }, { maxDepth: 3, maxLeaves: 6 }]) {
      const leafOfRow = new Int32Array(n).fill(-1)
      const t = grow(x, y, { ...over, leafOfRow })
      for (let i = 0; i < n; i++) expect(leafOfRow[i]).toBe(leafOf(t, x, i))
    }
  })

  it('grows the same trees with a workspace reused across trees as with fresh buffers', () => {
    const r = createRandom(13)
    const n = 1500
    const x = [0, 1, 2, 3, 4].map(() => Float64Array.from({ length: n }, () => (r.next() < 0.05 ? Number.NaN : r.next())))
    const workspace = new GrowWorkspace()
    for (const [i, features] of [[0, 1, 2, 3, 4], [3, 1], [4, 0, 2, 1], [2]].entries()) {
      const y = Float64Array.from({ length: n }, (_, row) => ((x[i] as Float64Array)[row] as number) * 4 + r.next())
      const over = { maxDepth: 5, features: Int32Array.from(features) }
      // fewer rows on some trees: buffers sized for more must still give the same result
      const rows = i % 2 === 0 ? n : n - 400
      const bins = binFeatures(x, n)
      const fresh = growTree(bins, squaredStats(y), allIndices(rows), rows, options(over, x.length))
      const reused = growTree(bins, squaredStats(y), allIndices(rows), rows, options({ ...over, workspace }, x.length))
      expect(reused).toEqual(fresh)
    }
  })

  it('makes a single leaf when every feature is constant', () => {
    const t = grow(
      [new Float64Array(50).fill(2)],
      Float64Array.from({ length: 50 }, (_, i) => i % 2),
    )
    expect(Array.from(t.feature)).toEqual([-1])
    expect(t.value[0]).toBe(0.5)
  })
})

describe('histograms', () => {
  it('sums gradients and hessians per feature bin, missing bin included, for any number of features', () => {
    const r = createRandom(8)
    const n = 700
    for (const [p, channels] of [
      [6, 1],
      [3, 1],
      [5, 3],
    ] as const) {
      const cols = Array.from({ length: p }, () => Float64Array.from({ length: n }, () => (r.next() < 0.1 ? Number.NaN : r.int(20))))
      const bins = binFeatures(cols, n, 16)
      const stats = {
        channels,
        grad: Float64Array.from({ length: n * channels }, () => r.next() - 0.5),
        hess: Float64Array.from({ length: n }, () => r.next()),
      }
      const rows = Int32Array.from({ length: 300 }, (_, i) => 2 * i + 1)
      const s = channels + 1
      const hist = new Float64Array(bins.totalBins * s).fill(99)
      new HistogramBuilder(bins).build(hist, stats, rows, 0, rows.length, allIndices(p))
      const want = new Float64Array(bins.totalBins * s)
      for (const row of rows) {
        for (let f = 0; f < p; f++) {
          const at = ((bins.offsets[f] as number) + ((bins.codes[f] as Uint8Array)[row] as number)) * s
          for (let c = 0; c < channels; c++) want[at + c] = (want[at + c] as number) + (stats.grad[row * channels + c] as number)
          want[at + channels] = (want[at + channels] as number) + (stats.hess[row] as number)
        }
      }
      for (let i = 0; i < want.length; i++) expect(hist[i]).toBeCloseTo(want[i] as number, 12)
    }
  })

  it('a sibling histogram by subtraction equals one built directly', () => {
    const r = createRandom(9)
    const n = 1000
    const cols = [Float64Array.from({ length: n }, () => (r.next() < 0.1 ? Number.NaN : r.next())), Float64Array.from({ length: n }, () => r.int(5))]
    const bins = binFeatures(cols, n, 32)
    const stats = { channels: 1, grad: Float64Array.from({ length: n }, () => r.next() - 0.5), hess: Float64Array.from({ length: n }, () => 1 + r.int(3)) }
    const rows = allIndices(n)
    const features = allIndices(2)
    const parent = new Float64Array(bins.totalBins * 2)
    const left = new Float64Array(bins.totalBins * 2)
    const right = new Float64Array(bins.totalBins * 2)
    new HistogramBuilder(bins).build(parent, stats, rows, 0, n, features)
    new HistogramBuilder(bins).build(left, stats, rows, 0, 400, features)
    new HistogramBuilder(bins).build(right, stats, rows, 400, n, features)
    subtractHistogram(parent, left, bins, features, 1)
    for (let i = 0; i < parent.length; i++) expect(parent[i]).toBeCloseTo(right[i] as number, 10)
  })
})

describe('split search', () => {
  it('finds the same split from sorted rows as from a histogram, for one or many channels', () => {
    const r = createRandom(11)
    let splits = 0
    for (let trial = 0; trial < 40; trial++) {
      const n = 20 + r.int(100)
      const channels = 1 + r.int(3)
      const cols = [0, 1, 2].map(() => Float64Array.from({ length: n }, () => (r.next() < 0.15 ? Number.NaN : r.int(12))))
      const bins = binFeatures(cols, n, 8)
      const stats = {
        channels,
        grad: Float64Array.from({ length: n * channels }, () => r.int(5) - 2),
        hess: Float64Array.from({ length: n }, () => 1 + r.int(2)),
      }
      const rows = allIndices(n)
      const features = allIndices(3)
      const total = new Float64Array(channels + 1)
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < channels; c++) total[c] = (total[c] as number) + (stats.grad[i * channels + c] as number)
        total[channels] = (total[channels] as number) + (stats.hess[i] as number)
      }
      const rules = { lambda: trial % 2, gamma: 0, minChildWeight: 1 + (trial % 3) }
      const hist = new Float64Array(bins.totalBins * (channels + 1))
      new HistogramBuilder(bins).build(hist, stats, rows, 0, n, features)
      const dense: Split = { gain: 0, feature: -1, bin: 0, missingLeft: false, left: new Float64Array(channels + 1) }
      const sparse: Split = { gain: 0, feature: -1, bin: 0, missingLeft: false, left: new Float64Array(channels + 1) }
      findBestSplit(dense, hist, total, bins, features, channels, rules)
      findBestSplitSparse(sparse, stats, rows, 0, n, total, bins, features, rules)
      expect([sparse.feature, sparse.bin, sparse.missingLeft, Array.from(sparse.left)]).toEqual([
        dense.feature,
        dense.bin,
        dense.missingLeft,
        Array.from(dense.left),
      ])
      expect(sparse.gain).toBeCloseTo(dense.gain, 9)
      if (dense.gain > 0) splits++
    }
    expect(splits).toBeGreaterThan(30)
  })
})
