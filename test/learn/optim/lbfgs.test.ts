import { describe, expect, it } from 'vitest'
import { lbfgs, type Objective } from '../../../src/learn/optim/lbfgs.js'

const rosenbrock: Objective = (x, g) => {
  const a = x[0] as number
  const b = x[1] as number
  g[0] = -2 * (1 - a) - 400 * a * (b - a * a)
  g[1] = 200 * (b - a * a)
  return (1 - a) ** 2 + 100 * (b - a * a) ** 2
}

/** ½ xᵀAx − bᵀx for a fixed well-conditioned A. */
function quadratic(n: number): { objective: Objective; solution: Float64Array } {
  const a = (i: number, j: number) => (i === j ? 2 + i / n : 0.3 / (1 + Math.abs(i - j)))
  const b = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1))
  const objective: Objective = (x, g) => {
    let f = 0
    for (let i = 0; i < n; i++) {
      let ax = 0
      for (let j = 0; j < n; j++) ax += a(i, j) * (x[j] as number)
      g[i] = ax - (b[i] as number)
      f += 0.5 * (x[i] as number) * ax - (b[i] as number) * (x[i] as number)
    }
    return f
  }
  // solve A s = b by Gauss-Seidel to machine precision (A is diagonally dominant)
  const solution = new Float64Array(n)
  for (let sweep = 0; sweep < 200; sweep++) {
    for (let i = 0; i < n; i++) {
      let r = b[i] as number
      for (let j = 0; j < n; j++) if (j !== i) r -= a(i, j) * (solution[j] as number)
      solution[i] = r / a(i, i)
    }
  }
  return { objective, solution }
}

describe('lbfgs', () => {
  it('finds the Rosenbrock minimum', () => {
    const r = lbfgs(rosenbrock, Float64Array.from([-1.2, 1]))
    expect(r.converged).toBe(true)
    expect(r.x[0]).toBeCloseTo(1, 7)
    expect(r.x[1]).toBeCloseTo(1, 7)
  })

  it('solves a quadratic as far as the precision of its value allows', () => {
    const { objective, solution } = quadratic(30)
    const r = lbfgs(objective, new Float64Array(30))
    expect(r.converged).toBe(true)
    // the value is exact to ~1e-16, which pins x only to ~sqrt(1e-16 / smallest eigenvalue)
    for (let i = 0; i < 30; i++) expect(Math.abs((r.x[i] as number) - (solution[i] as number))).toBeLessThan(1e-7)
  })

  it('does not modify the starting point and is deterministic', () => {
    const x0 = Float64Array.from([-1.2, 1])
    const a = lbfgs(rosenbrock, x0)
    const b = lbfgs(rosenbrock, x0)
    expect(Array.from(x0)).toEqual([-1.2, 1])
    expect(Array.from(a.x)).toEqual(Array.from(b.x))
    expect(a.evaluations).toBe(b.evaluations)
  })

  it('stops at the iteration cap and says so', () => {
    const r = lbfgs(rosenbrock, Float64Array.from([-1.2, 1]), { maxIter: 3 })
    expect(r.iterations).toBe(3)
    expect(r.reason).toBe('max-iterations')
    expect(r.converged).toBe(false)
  })

  it('backs off from steps where the objective is not finite', () => {
    // −log(x) + x: minimum at 1, infinite for x ≤ 0, and a first step that overshoots into it
    const objective: Objective = (x, g) => {
      const v = x[0] as number
      g[0] = -1 / v + 1
      return v > 0 ? -Math.log(v) + v : Number.POSITIVE_INFINITY
    }
    const r = lbfgs(objective, Float64Array.from([0.01]))
    expect(r.x[0]).toBeCloseTo(1, 8)
    expect(Number.isFinite(r.f)).toBe(true)
  })

  it('returns at once when the start is already a minimum', () => {
    const r = lbfgs(rosenbrock, Float64Array.from([1, 1]))
    expect([r.iterations, r.reason]).toEqual([0, 'gradient'])
  })
})
