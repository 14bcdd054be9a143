/** @module Boosting objectives: base score, gradients and hessians, validation loss, link. */

import { type Link, sigmoid, softmaxRow } from '../../link.js'
import type { Task } from '../../model.js'
import { median } from '../../preprocess/impute.js'

export type ObjectiveName = 'binary' | 'multiclass' | 'squared' | 'absolute' | 'huber'

/** Margins are `nRows × outputs`, row-major; `y` holds class indices or targets. */
export interface Objective {
  readonly name: ObjectiveName
  readonly task: Task
  readonly link: Link
  readonly outputs: number
  base(y: Float64Array): Float64Array
  /** Fills `grad[k]` and `hess[k]` for every output k. */
  gradients(margins: Float64Array, y: Float64Array, grad: readonly Float64Array[], hess: readonly Float64Array[]): void
  /** Mean loss (log loss, squared error, absolute error or Huber loss). */
  loss(margins: Float64Array, y: Float64Array): number
  /** The WebAssembly kernel computing the same gradients row by row, where there is one (one output only). */
  readonly kernel?: 'binaryGradients' | 'squaredGradients'
}

// Keeps leaf values finite when a node's rows are all predicted with certainty.
const MIN_HESSIAN = 1e-16

/** The objective for a name; `classes` counts label classes (classification). */
export function objectiveFor(name: ObjectiveName, classes: number, huberDelta: number): Objective {
  switch (name) {
    case 'binary':
      return binary
    case 'multiclass':
      return multiclass(classes)
    case 'squared':
      return squared
    case 'absolute':
      return absolute
    case 'huber':
      return huber(huberDelta)
  }
}

const binary: Objective = {
  name: 'binary',
  task: 'binary',
  link: 'sigmoid',
  outputs: 1,
  kernel: 'binaryGradients',
  base(y) {
    const p = clamp(mean(y), 1e-15, 1 - 1e-15)
    return Float64Array.of(Math.log(p / (1 - p)))
  },
  gradients(m, y, [grad], [hess]) {
    const g = grad as Float64Array
    const h = hess as Float64Array
    for (let i = 0; i < y.length; i++) {
      // sigmoid() written out: this loop runs once per row per round
      const p = 1 / (1 + Math.exp(-(m[i] as number)))
      g[i] = p - (y[i] as number)
      h[i] = Math.max(p * (1 - p), MIN_HESSIAN)
    }
  },
  loss(m, y) {
    let sum = 0
    for (let i = 0; i < y.length; i++) {
      const p = clamp(sigmoid(m[i] as number), 1e-15, 1 - 1e-15)
      sum -= y[i] === 1 ? Math.log(p) : Math.log(1 - p)
    }
    return sum / y.length
  },
}

function multiclass(k: number): Objective {
  const probs = (m: Float64Array): Float64Array => {
    const p = new Float64Array(m.length)
    for (let o = 0; o < m.length; o += k) softmaxRow(m, p, o, k)
    return p
  }
  return {
    name: 'multiclass',
    task: 'multiclass',
    link: 'softmax',
    outputs: k,
    base(y) {
      const counts = new Float64Array(k)
      for (const c of y) counts[c] = (counts[c] as number) + 1
      return counts.map((c) => Math.log(Math.max(c, 1e-15) / y.length))
    },
    gradients(m, y, grad, hess) {
      const p = probs(m)
      for (let c = 0; c < k; c++) {
        const g = grad[c] as Float64Array
        const h = hess[c] as Float64Array
        for (let i = 0; i < y.length; i++) {
          const pc = p[i * k + c] as number
          g[i] = pc - (y[i] === c ? 1 : 0)
          // XGBoost's softmax hessian, so leaf values match its scale
          h[i] = Math.max(2 * pc * (1 - pc), MIN_HESSIAN)
        }
      }
    },
    loss(m, y) {
      const p = probs(m)
      let sum = 0
      for (let i = 0; i < y.length; i++) sum -= Math.log(clamp(p[i * k + (y[i] as number)] as number, 1e-15, 1))
      return sum / y.length
    },
  }
}

/** Regression objectives whose hessian is 1 differ only in gradient, base and loss. */
function regression(name: ObjectiveName, base: (y: Float64Array) => number, gradient: (r: number) => number, loss: (r: number) => number): Objective {
  return {
    name,
    task: 'regression',
    link: 'identity',
    outputs: 1,
    base: (y) => Float64Array.of(base(y)),
    gradients(m, y, [g], [h]) {
      for (let i = 0; i < y.length; i++) {
        ;(g as Float64Array)[i] = gradient((m[i] as number) - (y[i] as number))
        ;(h as Float64Array)[i] = 1
      }
    },
    loss(m, y) {
      let sum = 0
      for (let i = 0; i < y.length; i++) sum += loss((m[i] as number) - (y[i] as number))
      return sum / y.length
    },
  }
}

const squared: Objective = {
  ...regression(
    'squared',
    mean,
    (r) => r,
    (r) => r * r,
  ),
  kernel: 'squaredGradients',
}
const medianOf = (y: Float64Array) => median(y, y.length)
const absolute = regression('absolute', medianOf, Math.sign, Math.abs)
const huber = (delta: number) =>
  regression(
    'huber',
    medianOf,
    (r) => (Math.abs(r) <= delta ? r : delta * Math.sign(r)),
    (r) => (Math.abs(r) <= delta ? 0.5 * r * r : delta * (Math.abs(r) - 0.5 * delta)),
  )

function mean(y: Float64Array): number {
  let s = 0
  for (const v of y) s += v
  return s / y.length
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v))
}
