import { describe, expect, it } from 'vitest'
import { Frame, numericView } from '../../../src/core/frame.js'
import type { FitOptions, Learner, Model } from '../../../src/learn/model.js'
import { createRandom } from '../../../src/learn/random.js'
import { choice, grid, intRange, logUniform, type Params, sample, schedule, search, type Trial, uniform } from '../../../src/learn/search/index.js'
import { prepareTraining } from '../../../src/learn/training-data.js'

/**
 * y ≈ w·x through the origin. `lambda` shrinks w = Σxy / (Σx² + λ); `iterations`
 * and `rate` stop it short at w·(1 − (1 − rate)^iterations), like an unfinished
 * gradient descent. Records the rows of every fit.
 */
function shrunkLine(params: Params, fittedRows: number[] = []): Learner {
  const lambda = Number(params.lambda ?? 0)
  const rate = Number(params.rate ?? 1)
  const iterations = Number(params.iterations ?? 1)
  return {
    kind: 'shrunk-line',
    params,
    async fit(frame: Frame, options: FitOptions): Promise<Model> {
      fittedRows.push(frame.nRows)
      const data = prepareTraining(frame, options)
      const x = data.columns[0] ?? new Float64Array()
      let sxy = 0
      let sxx = 0
      x.forEach((v, i) => {
        sxy += v * (data.y[i] ?? 0)
        sxx += v * v
      })
      const w = (sxy / (sxx + lambda)) * (1 - (1 - rate) ** iterations)
      const predict = (f: Frame) => ({ task: data.task, nRows: f.nRows, classes: [], values: numericView(f.column('x')).map((v) => w * v) })
      return { kind: 'shrunk-line', task: data.task, label: data.label, features: data.features, classes: [], predict, save: () => new Uint8Array() }
    },
  }
}

// noiseless, so any shrinkage or early stop is strictly worse on held-out rows
const frame = Frame.fromRecords(Array.from({ length: 30 }, (_, i) => ({ x: i + 1, y: 2 * (i + 1) })))
const base = { frame, label: 'y', folds: 3 } as const

describe('search space', () => {
  it('grids explicit values with the last parameter varying fastest', () => {
    expect(grid({ a: [1, 2], b: choice('x', 'y'), c: intRange(0, 1) })).toEqual([
      { a: 1, b: 'x', c: 0 },
      { a: 1, b: 'x', c: 1 },
      { a: 1, b: 'y', c: 0 },
      { a: 1, b: 'y', c: 1 },
      { a: 2, b: 'x', c: 0 },
      { a: 2, b: 'x', c: 1 },
      { a: 2, b: 'y', c: 0 },
      { a: 2, b: 'y', c: 1 },
    ])
  })

  it('samples each distribution in its range, reproducibly by seed', () => {
    const space = { rate: logUniform(1e-3, 1), share: uniform(0.5, 1), depth: intRange(2, 6), loss: ['l1', 'l2'] }
    const draws = sample(space, 200, createRandom(4))
    expect(draws).toEqual(sample(space, 200, createRandom(4)))
    for (const d of draws) {
      expect(Number(d.rate)).toBeGreaterThanOrEqual(1e-3)
      expect(Number(d.rate)).toBeLessThan(1)
      expect(Number(d.share)).toBeGreaterThanOrEqual(0.5)
      expect(Number.isInteger(d.depth) && Number(d.depth) >= 2 && Number(d.depth) <= 6).toBe(true)
    }
    expect(new Set(draws.map((d) => d.depth))).toEqual(new Set([2, 3, 4, 5, 6]))
    // log-uniform puts about half the draws below the geometric midpoint √(1e-3)
    const below = draws.filter((d) => Number(d.rate) < Math.sqrt(1e-3)).length
    expect(below).toBeGreaterThan(70)
    expect(below).toBeLessThan(130)
  })

  it('draws a discrete space without repeats', () => {
    const draws = sample({ a: [1, 2, 3], b: [true, false] }, 10, createRandom(1))
    expect(draws).toHaveLength(6)
    expect(new Set(draws.map((d) => JSON.stringify(d))).size).toBe(6)
  })

  it('refuses empty parameters, bad ranges and gridding a continuous distribution', () => {
    const invalidParams = expect.objectContaining({ code: 'LEARN_INVALID_PARAMS' })
    expect(() => grid({ a: [] })).toThrow(invalidParams)
    expect(() => grid({ rate: uniform(0, 1) })).toThrow(/strategy "random"/)
    expect(() => sample({ rate: logUniform(0, 1) }, 1, createRandom(1))).toThrow(invalidParams)
    expect(() => grid({})).toThrow(invalidParams)
    expect(() => grid({ a: intRange(0, 999), b: intRange(0, 999) })).toThrow(/more than 100000 combinations/)
  })
})

describe('search', () => {
  it('grid: cross-validates every candidate and picks the best by a minimized metric', async () => {
    const seen: Trial[] = []
    const result = await search({
      ...base,
      learner: (p) => shrunkLine(p),
      space: { lambda: [1000, 0, 50] },
      strategy: 'grid',
      metric: 'rmse',
      onTrial: (t) => {
        seen.push(t)
      },
    })
    expect(result.direction).toBe('min')
    expect(result.trials.map((t) => t.params.lambda)).toEqual([1000, 0, 50])
    expect(result.bestParams).toEqual({ lambda: 0 })
    expect(result.trials.every((t) => t.foldScores.length === 3 && t.round === 0)).toBe(true)
    const [, exact] = result.trials
    expect(result.bestScore).toBe(exact?.meanScore)
    expect(seen).toEqual(result.trials)
  })

  it('grid: a maximized metric picks the same best candidate', async () => {
    const result = await search({ ...base, learner: (p) => shrunkLine(p), space: { lambda: [1000, 0, 50] }, strategy: 'grid', metric: 'r2' })
    expect(result.direction).toBe('max')
    expect(result.bestParams).toEqual({ lambda: 0 })
    expect(result.bestScore).toBeGreaterThan(result.trials[0]?.meanScore ?? 1)
  })

  it('random: seeded candidates, and the best is the least shrunk line', async () => {
    const options = { ...base, learner: (p: Params) => shrunkLine(p), space: { lambda: logUniform(0.01, 1e4) }, strategy: 'random', nIter: 8, seed: 9 } as const
    const result = await search(options)
    expect(result.trials).toHaveLength(8)
    expect(result.metric).toBe('rmse')
    expect(result.bestParams.lambda).toBe(Math.min(...result.trials.map((t) => Number(t.params.lambda))))
    expect((await search(options)).trials.map((t) => t.params)).toEqual(result.trials.map((t) => t.params))
  })

  it('halving on a parameter resource: budgets grow by factor and the best third survives each round', async () => {
    const result = await search({
      ...base,
      learner: (p) => shrunkLine(p),
      space: { rate: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] },
      strategy: 'halving',
      nIter: 9,
      halving: { resource: 'iterations', maxResources: 9 },
    })
    expect(result.trials.map((t) => [t.round, t.resource])).toEqual([...Array(9).fill([0, 1]), ...Array(3).fill([1, 3]), [2, 9]])
    expect(
      result.trials
        .filter((t) => t.round === 1)
        .map((t) => t.params.rate)
        .sort(),
    ).toEqual([0.7, 0.8, 0.9])
    expect(result.best.params).toEqual({ rate: 0.9, iterations: 9 })
    expect(result.best.round).toBe(2)
  })

  it('halving on rows: early rounds fit on seeded subsamples of each training fold', async () => {
    const fitted: number[] = []
    const result = await search({
      ...base,
      learner: (p) => shrunkLine(p, fitted),
      space: { lambda: [0, 1, 10, 100, 1000, 1e4] },
      strategy: 'halving',
      halving: { factor: 2 },
    })
    // 6 candidates with factor 2: rounds of 6, 3 and 2 candidates on 5, 10 and 20 rows per fold
    expect(schedule(6, 2, 20)).toEqual([5, 10, 20])
    expect(result.trials.map((t) => t.resource)).toEqual([5, 5, 5, 5, 5, 5, 10, 10, 10, 20, 20])
    expect(fitted).toEqual(result.trials.flatMap((t) => Array(3).fill(t.resource)))
    expect(result.bestParams).toEqual({ lambda: 0 })
  })

  it('refuses a metric for another task and halving on a parameter without maxResources', async () => {
    const learner = (p: Params) => shrunkLine(p)
    await expect(search({ ...base, learner, space: { lambda: [0] }, strategy: 'grid', metric: 'rocAuc' })).rejects.toMatchObject({
      code: 'LEARN_INVALID_PARAMS',
    })
    await expect(search({ ...base, learner, space: { lambda: [0, 1] }, strategy: 'halving', halving: { resource: 'iterations' } })).rejects.toThrow(
      /maxResources/,
    )
  })
})

describe('schedule', () => {
  it('reaches the full budget in as many rounds as the candidates allow', () => {
    expect(schedule(27, 3, 270)).toEqual([10, 30, 90, 270])
    expect(schedule(1, 3, 100)).toEqual([100])
    expect(schedule(27, 3, 100, 50)).toEqual([50])
  })
})
