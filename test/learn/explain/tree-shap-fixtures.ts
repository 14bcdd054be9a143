/** @module Hand-built and random trees for the explanation tests, plus brute-force Shapley values to check TreeSHAP against. */

import { createRandom } from '../../../src/learn/random.js'
import type { Ensemble, Tree } from '../../../src/learn/trees/tree.js'

/** A tree written as nested nodes; an internal node's cover is the sum of its children's. */
export type Spec =
  | { readonly leaf: number | readonly number[]; readonly cover: number }
  | { readonly f: number; readonly t: number; readonly missingLeft?: boolean; readonly gain?: number; readonly left: Spec; readonly right: Spec }

interface Nodes {
  feature: number[]
  threshold: number[]
  missingLeft: number[]
  left: number[]
  right: number[]
  value: number[]
  cover: number[]
  gain: number[]
}

/** Builds the array form of `spec`, nodes numbered in preorder; internal nodes hold their cover-weighted mean value. */
export function buildTree(spec: Spec, width = 1): Tree {
  const n: Nodes = { feature: [], threshold: [], missingLeft: [], left: [], right: [], value: [], cover: [], gain: [] }
  addNode(n, spec, width)
  return {
    feature: Int32Array.from(n.feature),
    threshold: Float64Array.from(n.threshold),
    missingLeft: Uint8Array.from(n.missingLeft),
    left: Int32Array.from(n.left),
    right: Int32Array.from(n.right),
    value: Float64Array.from(n.value),
    cover: Float64Array.from(n.cover),
    gain: Float64Array.from(n.gain),
  }
}

function addNode(n: Nodes, spec: Spec, width: number): { id: number; cover: number; value: number[] } {
  const id = n.feature.length
  n.feature.push(-1)
  n.threshold.push(0)
  n.missingLeft.push(0)
  n.left.push(-1)
  n.right.push(-1)
  n.value.push(...new Array<number>(width).fill(0))
  n.cover.push(0)
  n.gain.push(0)
  if ('leaf' in spec) return fill(n, id, spec.cover, typeof spec.leaf === 'number' ? [spec.leaf] : [...spec.leaf])
  const l = addNode(n, spec.left, width)
  const r = addNode(n, spec.right, width)
  n.feature[id] = spec.f
  n.threshold[id] = spec.t
  n.missingLeft[id] = spec.missingLeft === true ? 1 : 0
  n.left[id] = l.id
  n.right[id] = r.id
  n.gain[id] = spec.gain ?? 0
  const cover = l.cover + r.cover
  return fill(
    n,
    id,
    cover,
    l.value.map((v, j) => (cover > 0 ? (v * l.cover + (r.value[j] ?? 0) * r.cover) / cover : 0)),
  )
}

function fill(n: Nodes, id: number, cover: number, value: number[]): { id: number; cover: number; value: number[] } {
  n.cover[id] = cover
  value.forEach((v, j) => {
    n.value[id * value.length + j] = v
  })
  return { id, cover, value }
}

/** Deterministic uniform numbers in [0, 1), from Keel's seeded generator. */
export function rng(seed: number): () => number {
  const random = createRandom(seed)
  return () => random.next()
}

/** Column-major rows of small integers (so splits repeat on a feature) with about `nanRate` of them missing. */
export function randomColumns(random: () => number, nFeatures: number, nRows: number, nanRate = 0.1): Float64Array[] {
  return Array.from({ length: nFeatures }, () => Float64Array.from({ length: nRows }, () => (random() < nanRate ? Number.NaN : Math.floor(random() * 5))))
}

/**
 * A random tree fitted to nothing but shaped like a learned one: each split
 * sends the training rows down as prediction would, and a node's cover is the
 * summed weight of the rows reaching it, so leaves may have zero cover.
 */
export function randomTree(random: () => number, columns: readonly Float64Array[], weights: Float64Array, maxDepth: number, width = 1): Tree {
  const rows = Array.from(weights.keys())
  return buildTree(randomSpec(random, columns, weights, rows, maxDepth, width), width)
}

function randomSpec(random: () => number, columns: readonly Float64Array[], weights: Float64Array, rows: number[], depth: number, width: number): Spec {
  const cover = rows.reduce((s, i) => s + (weights[i] ?? 0), 0)
  if (depth === 0 || cover === 0 || random() < 0.15) return { leaf: Array.from({ length: width }, () => random() * 4 - 2), cover }
  const f = Math.floor(random() * columns.length)
  const t = Math.floor(random() * 4) + 0.5
  const missingLeft = random() < 0.5
  const column = columns[f] as Float64Array
  const goesLeft = (i: number) => (Number.isNaN(column[i] as number) ? missingLeft : (column[i] as number) <= t)
  const left = randomSpec(random, columns, weights, rows.filter(goesLeft), depth - 1, width)
  const right = randomSpec(
    random,
    columns,
    weights,
    rows.filter((i) => !goesLeft(i)),
    depth - 1,
    width,
  )
  return { f, t, missingLeft, gain: random() * 10, left, right }
}

/** An ensemble of one width-1 tree feeding output 0 with base 0, so its raw output is the tree's. */
export function single(tree: Tree, nFeatures: number): Ensemble {
  return { trees: [tree], width: 1, treeOutput: Int32Array.of(0), base: Float64Array.of(0), aggregate: 'sum', nFeatures }
}

/** E[f(x) | x_S] with the features outside S integrated out by cover, as TreeSHAP's path-dependent model defines it. */
export function conditionalExpectation(tree: Tree, width: number, slot: number, x: readonly number[], known: readonly boolean[], node = 0): number {
  const f = tree.feature[node] ?? -1
  if (f < 0) return tree.value[node * width + slot] ?? Number.NaN
  const left = tree.left[node] ?? -1
  const right = tree.right[node] ?? -1
  if (known[f] === true) {
    const v = x[f] ?? Number.NaN
    const goLeft = Number.isNaN(v) ? tree.missingLeft[node] === 1 : v <= (tree.threshold[node] ?? Number.NaN)
    return conditionalExpectation(tree, width, slot, x, known, goLeft ? left : right)
  }
  const cover = tree.cover[node] ?? Number.NaN
  const l = conditionalExpectation(tree, width, slot, x, known, left)
  const r = conditionalExpectation(tree, width, slot, x, known, right)
  return ((tree.cover[left] ?? Number.NaN) * l + (tree.cover[right] ?? Number.NaN) * r) / cover
}

/** Exact Shapley values of one tree's value slot for row x, by enumerating all 2^M coalitions. */
export function bruteForceShap(tree: Tree, width: number, slot: number, x: readonly number[]): number[] {
  const m = x.length
  const v = Array.from({ length: 1 << m }, (_, mask) =>
    conditionalExpectation(
      tree,
      width,
      slot,
      x,
      x.map((_, f) => (mask & (1 << f)) !== 0),
    ),
  )
  return x.map((_, f) => {
    let phi = 0
    for (let mask = 0; mask < 1 << m; mask++) {
      if ((mask & (1 << f)) !== 0) continue
      const s = popcount(mask)
      phi += (factorial(s) * factorial(m - s - 1) * ((v[mask | (1 << f)] ?? Number.NaN) - (v[mask] ?? Number.NaN))) / factorial(m)
    }
    return phi
  })
}

function popcount(mask: number): number {
  let c = 0
  for (let b = mask; b !== 0; b &= b - 1) c++
  return c
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1)
}

/** Row i of column-major data. */
export function rowOf(columns: readonly Float64Array[], i: number): number[] {
  return columns.map((c) => c[i] ?? Number.NaN)
}
