/** @module L-BFGS: limited-memory quasi-Newton minimization of smooth functions. */
import { type LinePoint, strongWolfe } from './line-search.js'

/** Writes the gradient at `x` into `grad` and returns the value at `x`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number

export interface LbfgsOptions {
  /** Iteration cap (default 1000). */
  readonly maxIter?: number
  /** Stop when the largest absolute gradient entry is at most this (default 1e-8). */
  readonly gradTol?: number
  /** Stop when an iteration lowers the value by at most this, relative to it (default 64 ε, as scikit-learn asks scipy for; 0 turns this test off). */
  readonly lossTol?: number
  /** Correction pairs kept (default 10). */
  readonly memory?: number
}

export type StopReason = 'gradient' | 'loss' | 'max-iterations' | 'line-search'

export interface LbfgsResult {
  readonly x: Float64Array
  readonly f: number
  /** Largest absolute gradient entry at `x`. */
  readonly gradNorm: number
  readonly iterations: number
  readonly evaluations: number
  readonly reason: StopReason
  /** Whether a tolerance (not a cap or a failed line search) ended the run. */
  readonly converged: boolean
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number)
  return s
}

const infNorm = (a: Float64Array) => {
  let m = 0
  for (const v of a) m = Math.max(m, Math.abs(v))
  return m
}

/** Correction pairs and the two-loop recursion that applies the inverse-Hessian estimate. */
class History {
  readonly #s: Float64Array[] = []
  readonly #y: Float64Array[] = []
  readonly #rho: number[] = []
  constructor(readonly memory: number) {}

  push(s: Float64Array, y: Float64Array): void {
    const sy = dot(s, y)
    // a pair without positive curvature would make the estimate indefinite
    if (!(sy > Number.EPSILON * dot(y, y))) return
    if (this.#s.length === this.memory) {
      this.#s.shift()
      this.#y.shift()
      this.#rho.shift()
    }
    this.#s.push(s)
    this.#y.push(y)
    this.#rho.push(1 / sy)
  }

  /** −H·g. */
  direction(g: Float64Array): Float64Array {
    const q = Float64Array.from(g)
    const m = this.#s.length
    const alpha = new Float64Array(m)
    for (let i = m - 1; i >= 0; i--) {
      const a = (this.#rho[i] as number) * dot(this.#s[i] as Float64Array, q)
      alpha[i] = a
      axpy(-a, this.#y[i] as Float64Array, q)
    }
    const last = m - 1
    const gamma = m > 0 ? 1 / ((this.#rho[last] as number) * dot(this.#y[last] as Float64Array, this.#y[last] as Float64Array)) : 1
    for (let i = 0; i < q.length; i++) q[i] = (q[i] as number) * gamma
    for (let i = 0; i < m; i++) {
      const b = (this.#rho[i] as number) * dot(this.#y[i] as Float64Array, q)
      axpy((alpha[i] as number) - b, this.#s[i] as Float64Array, q)
    }
    for (let i = 0; i < q.length; i++) q[i] = -(q[i] as number)
    return q
  }

  get size(): number {
    return this.#s.length
  }
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) + a * (x[i] as number)
}

function pointAt(objective: Objective, x0: Float64Array, d: Float64Array, step: number): LinePoint {
  const x = Float64Array.from(x0)
  axpy(step, d, x)
  const grad = new Float64Array(x.length)
  const value = objective(x, grad)
  const slope = dot(grad, d)
  // a point whose gradient overflowed is as unusable as one whose value did
  return { step, f: Number.isFinite(slope) ? value : Number.POSITIVE_INFINITY, slope, x, grad }
}

/**
 * Minimizes `objective` from `x0` (which is not modified).
 *
 * @example
 * ```ts
 * const r = lbfgs((x, g) => { g[0] = 2 * (x[0] - 3); return (x[0] - 3) ** 2 }, new Float64Array(1))
 * r.x[0] // 3
 * ```
 */
export function lbfgs(objective: Objective, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const { maxIter = 1000, gradTol = 1e-8, lossTol = 64 * Number.EPSILON, memory = 10 } = options
  const history = new History(memory)
  let evaluations = 0
  const counted: Objective = (x, g) => {
    evaluations++
    return objective(x, g)
  }
  const grad0 = new Float64Array(x0.length)
  let at: LinePoint = { step: 0, f: counted(Float64Array.from(x0), grad0), slope: 0, x: Float64Array.from(x0), grad: grad0 }
  const done = (iterations: number, reason: StopReason): LbfgsResult => ({
    x: at.x,
    f: at.f,
    gradNorm: infNorm(at.grad),
    iterations,
    evaluations,
    reason,
    converged: reason === 'gradient' || reason === 'loss',
  })
  for (let iter = 0; iter < maxIter; iter++) {
    const gNorm = infNorm(at.grad)
    if (gNorm <= gradTol) return done(iter, 'gradient')
    const { d, slope } = descent(history, at.grad)
    const firstStep = history.size === 0 ? Math.min(1, 1 / gNorm) : 1
    const x = at.x
    const next = strongWolfe((step) => pointAt(counted, x, d, step), { ...at, slope }, firstStep)
    if (next === undefined) return done(iter, 'line-search')
    history.push(difference(next.x, at.x), difference(next.grad, at.grad))
    const previous = at.f
    at = { ...next, step: 0 }
    if (lossTol > 0 && previous - at.f <= lossTol * Math.max(Math.abs(previous), Math.abs(at.f), 1)) {
      return done(iter + 1, infNorm(at.grad) <= gradTol ? 'gradient' : 'loss')
    }
  }
  return done(maxIter, infNorm(at.grad) <= gradTol ? 'gradient' : 'max-iterations')
}

/** The L-BFGS direction, or steepest descent when rounding has cost the estimate its descent. */
function descent(history: History, g: Float64Array): { d: Float64Array; slope: number } {
  const d = history.direction(g)
  const slope = dot(g, d)
  if (slope < 0) return { d, slope }
  const steepest = g.map((v) => -v)
  return { d: steepest, slope: dot(g, steepest) }
}

function difference(a: Float64Array, b: Float64Array): Float64Array {
  const out = Float64Array.from(a)
  axpy(-1, b, out)
  return out
}
