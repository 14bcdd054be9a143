/**
 * @module scikit-learn's L2-penalized logistic objective, divided by the row
 * count: mean log-loss + ‖W‖² / (2·C·n), intercepts unpenalized. Parameters are
 * one block per output: the p weights, then the intercept.
 */

import type { Objective } from '../optim/lbfgs.js'
import type { DesignMatrix } from '../preprocess/preprocessor.js'

/** log(1 + eˣ) without overflow. */
const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)))

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

/** Binary: `y` holds 0/1; one block of parameters. */
export function binaryObjective(m: DesignMatrix, y: Float64Array, c: number): Objective {
  const { x, nRows: n, nCols: p } = m
  const lambda = 1 / (c * n)
  return (w, g) => {
    g.fill(0)
    let loss = 0
    for (let i = 0; i < n; i++) {
      const row = i * p
      let z = w[p] as number
      for (let j = 0; j < p; j++) z += (x[row + j] as number) * (w[j] as number)
      const yi = y[i] as number
      loss += softplus(z) - yi * z
      const r = (1 / (1 + Math.exp(-z)) - yi) / n
      for (let j = 0; j < p; j++) g[j] = (g[j] as number) + r * (x[row + j] as number)
      g[p] = (g[p] as number) + r
    }
    return loss / n + penalty(w, g, p, lambda)
  }
}

/** Multinomial (softmax): `y` holds class indices; one block per class. */
export function multinomialObjective(m: DesignMatrix, y: Float64Array, k: number, c: number): Objective {
  const { x, nRows: n, nCols: p } = m
  const lambda = 1 / (c * n)
  const z = new Float64Array(k)
  return (w, g) => {
    g.fill(0)
    let loss = 0
    for (let i = 0; i < n; i++) {
      const row = i * p
      let max = Number.NEGATIVE_INFINITY
      for (let o = 0; o < k; o++) {
        const at = o * (p + 1)
        let s = w[at + p] as number
        for (let j = 0; j < p; j++) s += (x[row + j] as number) * (w[at + j] as number)
        z[o] = s
        max = Math.max(max, s)
      }
      let sum = 0
      for (let o = 0; o < k; o++) sum += Math.exp((z[o] as number) - max)
      const lse = max + Math.log(sum)
      const yi = y[i] as number
      loss += lse - (z[yi] as number)
      for (let o = 0; o < k; o++) {
        const r = (Math.exp((z[o] as number) - lse) - (o === yi ? 1 : 0)) / n
        const at = o * (p + 1)
        for (let j = 0; j < p; j++) g[at + j] = (g[at + j] as number) + r * (x[row + j] as number)
        g[at + p] = (g[at + p] as number) + r
      }
    }
    return loss / n + penalty(w, g, p, lambda)
  }
}
