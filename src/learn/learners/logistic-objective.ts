/**
 * @module scikit-learn's L2-penalized logistic objective, divided by the row
 * count: mean log-loss + ‖W‖² / (2·C·n), intercepts unpenalized. Parameters are
 * one block per output: the p weights, then the intercept.
 *
 * A mostly-zero design (one-hot blocks) is first compressed to its non-zero
 * entries per row, which the passes then visit instead of every cell.
 */

import type { Objective } from '../optim/lbfgs.js'
import type { DesignMatrix } from '../preprocess/preprocessor.js'

/**
 * The non-zero entries of each row (compressed sparse rows): row i holds
 * `index[t]`, `value[t]` for `start[i] <= t < start[i + 1]`.
 */
interface SparseRows {
  readonly start: Int32Array
  readonly index: Int32Array
  readonly value: Float64Array
}

/**
 * At or below this share of non-zero cells the sparse rows pay off. The dense
 * kernels below cost about a third as much per cell as the sparse ones do per
 * entry (no index to follow), so denser designs, such as a few one-hot blocks
 * beside as many numbers, run faster dense (measured: 0.33 even, 0.5 ~25% slower).
 */
const SPARSE_DENSITY = 0.25

/** The rows of `m` in sparse form, or undefined when the matrix is too dense to gain from it. */
function sparseRows(m: DesignMatrix): SparseRows | undefined {
  const { x, nRows: n, nCols: p } = m
  const limit = SPARSE_DENSITY * n * p
  let nonZero = 0
  // a dense design is known as soon as the count passes the limit
  for (let t = 0; t < x.length && nonZero <= limit; t++) if (x[t] !== 0) nonZero++
  if (nonZero > limit) return undefined
  const start = new Int32Array(n + 1)
  const index = new Int32Array(nonZero)
  const value = new Float64Array(nonZero)
  let at = 0
  for (let i = 0, row = 0; i < n; i++, row += p) {
    for (let j = 0; j < p; j++) {
      const v = x[row + j] as number
      if (v !== 0) {
        index[at] = j
        value[at] = v
        at++
      }
    }
    start[i + 1] = at
  }
  return { start, index, value }
}

/** Adds the L2 penalty of the weights (not the intercepts) to `g`; returns its value. */
function penalty(w: Float64Array, g: Float64Array, p: number, lambda: number): number {
  let sum = 0
  for (let at = 0; at < w.length; at += p + 1) {
    for (let j = 0; j < p; j++) {
      const v = w[at + j] as number
      sum += v * v
      g[at + j] = (g[at + j] as number) + lambda * v
    }
  }
  return 0.5 * lambda * sum
}

/** Multiplies every entry of `g` by `s`. */
function scale(g: Float64Array, s: number): void {
  for (let t = 0; t < g.length; t++) g[t] = (g[t] as number) * s
}

/** Rows whose factors 1 + e^−|z| (each at most 2) are multiplied before one logarithm; 2⁵¹² is far from overflow. */
const LOG_BLOCK = 512

/**
 * Replaces each margin in `z` by its residual σ(z) − y and returns the summed
 * log-loss, log(1 + eᶻ) − y·z = max(z, 0) + log(1 + e^−|z|) − y·z. One
 * exponential serves both and neither overflows. The logarithms are taken of
 * products of up to LOG_BLOCK factors, one per block instead of one per row: the
 * rounding this adds (~1e-13 per block) is far below what the line search resolves.
 */
function binaryTerms(z: Float64Array, y: Float64Array): number {
  let loss = 0
  let product = 1
  for (let i = 0; i < z.length; i++) {
    const zi = z[i] as number
    const yi = y[i] as number
    const e = Math.exp(-Math.abs(zi))
    const onePlus = 1 + e
    loss += (zi > 0 ? zi : 0) - yi * zi
    product *= onePlus
    if (i % LOG_BLOCK === LOG_BLOCK - 1) {
      loss += Math.log(product)
      product = 1
    }
    z[i] = (zi >= 0 ? 1 / onePlus : e / onePlus) - yi
  }
  return loss + Math.log(product)
}

function sum(a: Float64Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i] as number
  return s
}

/** `z = X·w + b` over sparse rows, `b = w[p]`. */
function sparseMargins(rows: SparseRows, n: number, w: Float64Array, p: number, z: Float64Array): void {
  const { start, index, value } = rows
  const b = w[p] as number
  for (let i = 0; i < n; i++) {
    let s = b
    for (let t = start[i] as number, to = start[i + 1] as number; t < to; t++) s += (value[t] as number) * (w[index[t] as number] as number)
    z[i] = s
  }
}

/** Adds `Xᵀ·r` over sparse rows to `g`. */
function sparseAddTransposed(rows: SparseRows, n: number, r: Float64Array, g: Float64Array): void {
  const { start, index, value } = rows
  for (let i = 0; i < n; i++) {
    const ri = r[i] as number
    for (let t = start[i] as number, to = start[i + 1] as number; t < to; t++) {
      const j = index[t] as number
      g[j] = (g[j] as number) + ri * (value[t] as number)
    }
  }
}

/**
 * Binary: `y` holds 0/1; one block of parameters. Three tight passes (margins,
 * per-row terms, gradient) run faster than one fused loop: the exponentials no
 * longer interrupt the multiply-add loops over the matrix. The loops live in
 * helpers so that the objective itself has none: optimized while in a loop, it
 * was deoptimized on reaching calls it had not made yet, on every fit.
 */
export function binaryObjective(m: DesignMatrix, y: Float64Array, c: number): Objective {
  const { nRows: n, nCols: p } = m
  const lambda = 1 / (c * n)
  const sparse = sparseRows(m)
  const z = new Float64Array(n)
  if (sparse !== undefined) {
    return (w, g) => {
      g.fill(0)
      sparseMargins(sparse, n, w, p, z)
      const loss = binaryTerms(z, y)
      sparseAddTransposed(sparse, n, z, g)
      g[p] = sum(z)
      scale(g, 1 / n)
      return loss / n + penalty(w, g, p, lambda)
    }
  }
  const { x } = m
  return (w, g) => {
    g.fill(0)
    margins(x, n, p, w, z)
    const loss = binaryTerms(z, y)
    addTransposed(x, n, p, z, g)
    g[p] = sum(z)
    scale(g, 1 / n)
    return loss / n + penalty(w, g, p, lambda)
  }
}

/**
 * `z = X·w + b` for a dense row-major `n × p` matrix, `b = w[p]`. Four partial
 * sums per row shorten the chain of dependent additions.
 */
function margins(x: Float64Array, n: number, p: number, w: Float64Array, z: Float64Array): void {
  const b = w[p] as number
  const p4 = p - (p % 4)
  for (let i = 0, row = 0; i < n; i++, row += p) {
    let s0 = b
    let s1 = 0
    let s2 = 0
    let s3 = 0
    let j = 0
    for (; j < p4; j += 4) {
      s0 += (x[row + j] as number) * (w[j] as number)
      s1 += (x[row + j + 1] as number) * (w[j + 1] as number)
      s2 += (x[row + j + 2] as number) * (w[j + 2] as number)
      s3 += (x[row + j + 3] as number) * (w[j + 3] as number)
    }
    for (; j < p; j++) s0 += (x[row + j] as number) * (w[j] as number)
    z[i] = s0 + s1 + s2 + s3
  }
}

/**
 * Adds `Xᵀ·r` to the first p entries of `g`. Four rows per sweep load and store
 * each gradient entry a quarter as often, which is what bounds this loop.
 */
function addTransposed(x: Float64Array, n: number, p: number, r: Float64Array, g: Float64Array): void {
  let i = 0
  let row = 0
  for (; i + 3 < n; i += 4, row += 4 * p) {
    const r0 = r[i] as number
    const r1 = r[i + 1] as number
    const r2 = r[i + 2] as number
    const r3 = r[i + 3] as number
    for (let j = 0, a = row; j < p; j++, a++) {
      g[j] = (g[j] as number) + r0 * (x[a] as number) + r1 * (x[a + p] as number) + r2 * (x[a + 2 * p] as number) + r3 * (x[a + 3 * p] as number)
    }
  }
  for (; i < n; i++, row += p) {
    const ri = r[i] as number
    for (let j = 0; j < p; j++) g[j] = (g[j] as number) + ri * (x[row + j] as number)
  }
}

/**
 * Turns the k margins in `z` into softmax residuals p − 1[o = yi] in place and
 * returns the row's log-loss, with one exponential per class.
 */
function softmaxTerm(z: Float64Array, k: number, yi: number): number {
  let max = Number.NEGATIVE_INFINITY
  for (let o = 0; o < k; o++) max = Math.max(max, z[o] as number)
  const zy = z[yi] as number
  let sum = 0
  for (let o = 0; o < k; o++) {
    const e = Math.exp((z[o] as number) - max)
    z[o] = e
    sum += e
  }
  for (let o = 0; o < k; o++) z[o] = (z[o] as number) / sum
  z[yi] = (z[yi] as number) - 1
  return max + Math.log(sum) - zy
}

/** Turns per-class score columns into softmax residuals in place; returns the summed log-loss. */
function softmaxRows(scores: Float64Array[], y: Float64Array, z: Float64Array): number {
  const k = scores.length
  let loss = 0
  for (let i = 0; i < y.length; i++) {
    for (let o = 0; o < k; o++) z[o] = (scores[o] as Float64Array)[i] as number
    loss += softmaxTerm(z, k, y[i] as number)
    for (let o = 0; o < k; o++) (scores[o] as Float64Array)[i] = z[o] as number
  }
  return loss
}

/** Multinomial (softmax): `y` holds class indices; one block per class. */
export function multinomialObjective(m: DesignMatrix, y: Float64Array, k: number, c: number): Objective {
  const { nRows: n, nCols: p } = m
  const lambda = 1 / (c * n)
  const z = new Float64Array(k)
  const block = p + 1
  const sparse = sparseRows(m)
  if (sparse !== undefined) {
    const { start, index, value } = sparse
    return (w, g) => {
      g.fill(0)
      let loss = 0
      for (let i = 0; i < n; i++) {
        const from = start[i] as number
        const to = start[i + 1] as number
        for (let o = 0, at = 0; o < k; o++, at += block) {
          let s = w[at + p] as number
          for (let t = from; t < to; t++) s += (value[t] as number) * (w[at + (index[t] as number)] as number)
          z[o] = s
        }
        loss += softmaxTerm(z, k, y[i] as number)
        for (let o = 0, at = 0; o < k; o++, at += block) {
          const r = z[o] as number
          for (let t = from; t < to; t++) {
            const j = at + (index[t] as number)
            g[j] = (g[j] as number) + r * (value[t] as number)
          }
          g[at + p] = (g[at + p] as number) + r
        }
      }
      scale(g, 1 / n)
      return loss / n + penalty(w, g, p, lambda)
    }
  }
  const { x } = m
  // one column of scores per class, so the dense passes reuse the binary kernels
  const scores = Array.from({ length: k }, () => new Float64Array(n))
  return (w, g) => {
    g.fill(0)
    for (let o = 0; o < k; o++) margins(x, n, p, w.subarray(o * block, (o + 1) * block), scores[o] as Float64Array)
    const loss = softmaxRows(scores, y, z)
    for (let o = 0; o < k; o++) {
      const r = scores[o] as Float64Array
      addTransposed(x, n, p, r, g.subarray(o * block, (o + 1) * block))
      g[o * block + p] = sum(r)
    }
    scale(g, 1 / n)
    return loss / n + penalty(w, g, p, lambda)
  }
}
