import { describe, expect, it } from 'vitest'
import { Frame } from '../../../src/core/frame.js'
import { decodeModel } from '../../../src/learn/format.js'
import { decodeLinear } from '../../../src/learn/learners/linear.js'
import { decodeLogistic, LOGISTIC_KIND, logistic } from '../../../src/learn/learners/logistic.js'
import { binaryObjective, multinomialObjective } from '../../../src/learn/learners/logistic-objective.js'
import { loadFixture, maxCoefficientGap, maxGap } from './linear-fixtures.js'

const bytesOf = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)

describe('logistic: agreement with scikit-learn', () => {
  for (const name of ['binary', 'multiclass'] as const) {
    const fx = loadFixture(name)
    for (const [key, fit] of Object.entries(fx.fits)) {
      const [c, solver] = key.split('/')
      it(`${name}, C=${c}, against ${solver}`, async () => {
        const model = await logistic({ C: Number(c) }).fit(fx.train, { label: fx.label })
        expect(model.report?.converged).toBe(true)
        expect(model.classes).toEqual(fit.classes)
        const coefficientGap = maxCoefficientGap(fit, model.coefficients, true)
        const probabilityGap = Math.max(
          maxGap(model.predict(fx.train).values, (fit.trainProba ?? []).flat()),
          // the test rows include a colour never seen in training
          maxGap(model.predict(fx.test).values, (fit.testProba ?? []).flat()),
        )
        if (solver === 'newton-cg') {
          // the tightly converged reference: measured gaps ~1e-8 (coefficients) and ~1e-9 (probabilities)
          expect(coefficientGap).toBeLessThan(1e-6)
          expect(probabilityGap).toBeLessThan(1e-7)
        } else {
          // scipy stops scikit-learn's lbfgs once the loss changes by < 64 ε (gradient ~1e-6), ~1.5e-4 short
          expect(coefficientGap).toBeLessThan(5e-4)
          expect(probabilityGap).toBeLessThan(2e-4)
        }
      })
    }
  }
})

/** The objective written out term by term: mean log-loss + ‖W‖² / (2Cn), with its gradient. */
function referenceObjective(x: number[][], y: number[], k: number, c: number, w: Float64Array): { f: number; g: number[] } {
  const n = x.length
  const p = x[0]?.length ?? 0
  const g = new Array<number>(w.length).fill(0)
  let f = 0
  for (let i = 0; i < n; i++) {
    const row = x[i] as number[]
    const z = Array.from({ length: k }, (_, o) => row.reduce((s, v, j) => s + v * (w[o * (p + 1) + j] as number), w[o * (p + 1) + p] as number))
    // binary: one score against an implicit zero; multinomial: softmax over k scores
    const scores = k === 1 ? [0, z[0] as number] : z
    const max = Math.max(...scores)
    const lse = max + Math.log(scores.reduce((s, v) => s + Math.exp(v - max), 0))
    const yi = y[i] as number
    f += (lse - (scores[yi] as number)) / n
    for (let o = 0; o < k; o++) {
      const prob = Math.exp((scores[k === 1 ? 1 : o] as number) - lse)
      const r = (prob - ((k === 1 ? yi === 1 : yi === o) ? 1 : 0)) / n
      row.forEach((v, j) => {
        g[o * (p + 1) + j] = (g[o * (p + 1) + j] as number) + r * v
      })
      g[o * (p + 1) + p] = (g[o * (p + 1) + p] as number) + r
    }
  }
  for (let o = 0; o < k; o++) {
    for (let j = 0; j < p; j++) {
      const v = w[o * (p + 1) + j] as number
      f += (v * v) / (2 * c * n)
      g[o * (p + 1) + j] = (g[o * (p + 1) + j] as number) + v / (c * n)
    }
  }
  return { f, g }
}

describe('logistic: objective', () => {
  // 13 rows (not a multiple of the 4-row sweep) of 6 columns; the one-hot design is
  // sparse enough to take the sparse-row path, the other is dense
  const rows = 13
  const dense = Array.from({ length: rows }, (_, i) => Array.from({ length: 6 }, (_, j) => Math.sin(i * 7 + j * 3) * 2))
  const oneHot = Array.from({ length: rows }, (_, i) => Array.from({ length: 6 }, (_, j) => (j === i % 6 ? 1 : 0)))
  const design = (x: number[][]) => ({ x: Float64Array.from(x.flat()), nRows: x.length, nCols: 6, names: ['a', 'b', 'c', 'd', 'e', 'f'] })
  for (const [kind, x] of [
    ['dense', dense],
    ['sparse', oneHot],
  ] as const) {
    for (const k of [1, 3]) {
      it(`matches a direct computation (${kind}, ${k === 1 ? 'binary' : 'multinomial'})`, () => {
        const y = Array.from({ length: rows }, (_, i) => (i * 5) % (k === 1 ? 2 : k))
        const c = 0.7
        const objective = k === 1 ? binaryObjective(design(x), Float64Array.from(y), c) : multinomialObjective(design(x), Float64Array.from(y), k, c)
        const w = Float64Array.from({ length: k * 7 }, (_, t) => Math.cos(t * 1.7) * 3)
        const g = new Float64Array(w.length)
        const f = objective(w, g)
        const expected = referenceObjective(x, y, k, c, w)
        expect(f).toBeCloseTo(expected.f, 12)
        expect(maxGap(g, expected.g)).toBeLessThan(1e-13)
      })
    }
  }
})

describe('logistic: known answers', () => {
  it('recovers log-odds from a design whose maximum-likelihood answer is known', async () => {
    // x = +1: 3 of 4 positive; x = −1: 1 of 4. Standardized x is ±1, so w = ln 3 and b = 0.
    const rows = [1, 1, 1, 1, -1, -1, -1, -1].map((x, i) => ({ x, y: [1, 1, 1, 0, 1, 0, 0, 0][i] }))
    const model = await logistic({ C: 1e9 }).fit(Frame.fromRecords(rows), { label: 'y' })
    expect(model.coefficients.weights[0]).toBeCloseTo(Math.log(3), 6)
    expect(model.coefficients.intercepts[0]).toBeCloseTo(0, 6)
    const p = model.predict(Frame.fromRecords([{ x: 1 }, { x: -1 }])).values
    expect(Array.from(p).map((v) => Number(v.toFixed(6)))).toEqual([0.25, 0.75, 0.75, 0.25])
  })

  it('separates separable classes with finite coefficients and a capped iteration count', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({ x: i, y: i < 20 ? 'low' : 'high' }))
    const model = await logistic({ C: 1e6, maxIter: 50 }).fit(Frame.fromRecords(rows), { label: 'y' })
    expect(model.report?.iterations).toBeLessThanOrEqual(50)
    for (const w of model.coefficients.weights) expect(Number.isFinite(w)).toBe(true)
    const p = model.predict(Frame.fromRecords([{ x: 0 }, { x: 39 }])).values
    // classes sort as ['high', 'low']
    expect(p[1]).toBeGreaterThan(0.99)
    expect(p[2]).toBeGreaterThan(0.99)
  })

  it('gives multiclass probabilities that sum to one, with an unknown category and a missing one', async () => {
    const fx = loadFixture('multiclass')
    const model = await logistic().fit(fx.train, { label: 'y' })
    const frame = Frame.fromRecords([
      { x0: 0, x1: 1, x2: 2, color: 'never-seen', flag: true },
      { x0: null, x1: null, x2: null, color: null, flag: null },
    ])
    const p = model.predict(frame).values
    for (let i = 0; i < 2; i++) expect((p[3 * i] as number) + (p[3 * i + 1] as number) + (p[3 * i + 2] as number)).toBeCloseTo(1, 12)
    for (const v of p) expect(Number.isFinite(v)).toBe(true)
  })
})

describe('logistic: save and load', () => {
  it('round-trips to bit-identical predictions and coefficients', async () => {
    const fx = loadFixture('multiclass')
    const model = await logistic({ C: 0.3 }).fit(fx.train, { label: 'y' })
    const loaded = decodeLogistic(decodeModel(model.save()))
    expect([loaded.kind, loaded.task, loaded.label, loaded.classes]).toEqual([LOGISTIC_KIND, 'multiclass', 'y', ['a', 'b', 'c']])
    expect(loaded.features).toEqual(model.features)
    expect(bytesOf(loaded.predict(fx.test).values)).toEqual(bytesOf(model.predict(fx.test).values))
    expect(bytesOf(loaded.coefficients.weights)).toEqual(bytesOf(model.coefficients.weights))
    expect(loaded.coefficients.names).toEqual(model.coefficients.names)
    expect(loaded.report).toEqual(model.report)
  })

  it('round-trips every column kind, with ordinal categories, and predicts on zero rows', async () => {
    const rows = Array.from({ length: 24 }, (_, i) => ({
      n: i % 5 === 0 ? null : i,
      b: i % 3 === 0,
      c: ['s', 'm', 'l'][i % 3],
      t: new Date(Date.UTC(2024, i % 12, 1 + i, i % 24)),
      y: i % 2 === 0 ? 'even' : 'odd',
    }))
    const frame = Frame.fromRecords(rows)
    const model = await logistic({ preprocess: { categories: { encoding: 'ordinal' } } }).fit(frame, { label: 'y' })
    expect(model.coefficients.names).toEqual(['n', 'b', 'c', 't=year', 't=month', 't=day', 't=dayOfWeek', 't=hour'])
    const loaded = decodeLogistic(decodeModel(model.save()))
    const probe = frame.with('c', { kind: 'category', codes: Int32Array.from({ length: 24 }, (_, i) => i % 4), levels: ['s', 'm', 'l', 'xl'] })
    expect(bytesOf(loaded.predict(probe).values)).toEqual(bytesOf(model.predict(probe).values))
    const empty = loaded.predict(frame.slice(0, 0))
    expect([empty.nRows, empty.values.length]).toEqual([0, 0])
  })

  it('refuses a model file of another kind', async () => {
    const model = await logistic().fit(loadFixture('binary').train, { label: 'y' })
    expect(() => decodeLinear(decodeModel(model.save()))).toThrow(expect.objectContaining({ code: 'MODEL_FORMAT_UNSUPPORTED' }))
  })
})

describe('logistic: bad input', () => {
  const frame = Frame.fromRecords(Array.from({ length: 10 }, (_, i) => ({ x: i, c: 5, y: i % 3 === 0 ? 'a' : 'b' })))

  it('fits around a constant feature without NaN', async () => {
    const model = await logistic().fit(frame, { label: 'y' })
    expect(model.coefficients.weights[1]).toBe(0)
    for (const w of model.coefficients.weights) expect(Number.isNaN(w)).toBe(false)
  })

  it('rejects a missing label, a single class, an empty frame and a continuous label', async () => {
    const code = { code: 'LEARN_INVALID_INPUT' }
    await expect(
      logistic().fit(
        Frame.fromRecords([
          { x: 1, y: 'a' },
          { x: 2, y: null },
        ]),
        { label: 'y' },
      ),
    ).rejects.toMatchObject(code)
    await expect(
      logistic().fit(
        Frame.fromRecords([
          { x: 1, y: 'a' },
          { x: 2, y: 'a' },
        ]),
        { label: 'y' },
      ),
    ).rejects.toMatchObject(code)
    await expect(logistic().fit(frame.slice(0, 0), { label: 'y' })).rejects.toMatchObject(code)
    await expect(
      logistic().fit(
        Frame.fromRecords([
          { x: 1, y: 0.5 },
          { x: 2, y: 1.5 },
          { x: 3, y: 2.5 },
        ]),
        { label: 'y' },
      ),
    ).rejects.toMatchObject(code)
    await expect(
      logistic().fit(
        Frame.fromRecords([
          { x: Number.POSITIVE_INFINITY, y: 'a' },
          { x: 2, y: 'b' },
        ]),
        { label: 'y' },
      ),
    ).rejects.toMatchObject(code)
  })

  it('rejects prediction frames whose columns do not match training', async () => {
    const model = await logistic().fit(frame, { label: 'y' })
    expect(() => model.predict(Frame.fromRecords([{ x: 1 }]))).toThrow(
      expect.objectContaining({ code: 'LEARN_INVALID_INPUT', message: expect.stringMatching(/"c" is missing/) }),
    )
    expect(() => model.predict(Frame.fromRecords([{ x: 'one', c: 5 }]))).toThrow(
      expect.objectContaining({ code: 'LEARN_INVALID_INPUT', message: expect.stringMatching(/"x" is category/) }),
    )
    expect(() => model.predict(Frame.fromRecords([{ x: Number.NEGATIVE_INFINITY, c: 5 }]))).toThrow(
      expect.objectContaining({ code: 'LEARN_INVALID_INPUT', message: expect.stringMatching(/"x" is infinite at row 0/) }),
    )
  })
})

describe('logistic: parameters', () => {
  it.each([
    [{ C: 0 }, /C must be a positive number/],
    [{ C: Number.NaN }, /C must be/],
    [{ C: '1' }, /C must be/],
    [{ maxIter: 0 }, /maxIter must be a positive integer/],
    [{ maxIter: 2.5 }, /maxIter/],
    [{ tol: -1 }, /tol must be/],
    [{ penalty: 'l1' }, /unknown parameter "penalty"/],
    [{ preprocess: { numbers: { impute: 'mode' } } }, /preprocess\.numbers\.impute/],
    [{ preprocess: { categories: { minFrequency: 2 } } }, /preprocess\.categories\.minFrequency/],
    [{ preprocess: { dates: {} } }, /preprocess\.dates/],
    [{ preprocess: { numbers: { imput: 'mean' } } }, /preprocess\.numbers\.imput must be one of impute, scale/],
    [{ preprocess: { numbers: 'median' } }, /preprocess\.numbers must be an object/],
    [null, /parameters must be an object/],
  ])('rejects %j', (params, message) => {
    expect(() => logistic(params as never)).toThrow(expect.objectContaining({ code: 'LEARN_INVALID_PARAMS', message: expect.stringMatching(message) }))
  })

  it('is deterministic', async () => {
    const fx = loadFixture('binary')
    const a = await logistic().fit(fx.train, { label: 'y' })
    const b = await logistic().fit(fx.train, { label: 'y' })
    expect(bytesOf(a.coefficients.weights)).toEqual(bytesOf(b.coefficients.weights))
  })
})
