import { describe, expect, it } from 'vitest'
import { Frame } from '../../../src/core/frame.js'
import { decodeModel } from '../../../src/learn/format.js'
import { decodeLinear, LINEAR_KIND, linear } from '../../../src/learn/learners/linear.js'
import { symmetricEigen } from '../../../src/learn/learners/linear-solve.js'
import { loadFixture, maxCoefficientGap, maxGap } from './linear-fixtures.js'

const bytesOf = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)

describe('linear: agreement with scikit-learn', () => {
  const fx = loadFixture('regression')
  it.each([
    ['ols', 0],
    ['ridge1', 1],
    ['ridge10', 10],
  ])('%s (alpha %d)', async (key, alpha) => {
    const fit = fx.fits[key]
    if (!fit) throw new Error(`no fixture fit ${key}`)
    const model = await linear({ alpha }).fit(fx.train, { label: 'y' })
    // OLS with one-hot columns beside the intercept is collinear: both sides give the minimum-norm answer
    expect(maxCoefficientGap(fit, model.coefficients, true)).toBeLessThan(1e-8)
    expect(maxGap(model.predict(fx.train).values, fit.trainPred ?? [])).toBeLessThan(1e-8)
    // two test rows hold a colour unseen in training
    expect(maxGap(model.predict(fx.test).values, fit.testPred ?? [])).toBeLessThan(1e-8)
  })
})

describe('linear: known answers', () => {
  it('recovers the coefficients of noiseless linear data exactly', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => {
      const a = Math.sin(i)
      const b = Math.cos(3 * i) * 4
      return { a, b, y: 2 + 3 * a - 0.5 * b }
    })
    const model = await linear({ preprocess: { numbers: { scale: false } } }).fit(Frame.fromRecords(rows), { label: 'y' })
    expect(model.coefficients.names).toEqual(['a', 'b'])
    expect(model.coefficients.weights[0]).toBeCloseTo(3, 10)
    expect(model.coefficients.weights[1]).toBeCloseTo(-0.5, 10)
    expect(model.coefficients.intercepts[0]).toBeCloseTo(2, 10)
  })

  it('shrinks towards zero as alpha grows, never touching the intercept', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({ x: i, y: 10 + 2 * i }))
    const frame = Frame.fromRecords(rows)
    const small = await linear({ alpha: 1 }).fit(frame, { label: 'y' })
    const big = await linear({ alpha: 1e6 }).fit(frame, { label: 'y' })
    expect(Math.abs(big.coefficients.weights[0] as number)).toBeLessThan(Math.abs(small.coefficients.weights[0] as number))
    // standardized x has mean 0, so the intercept is the mean of y whatever alpha is
    expect(big.coefficients.intercepts[0]).toBeCloseTo(29, 10)
  })

  it('gives a constant or duplicated feature finite weights', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => ({ x: i, twin: i, c: 3, y: 1 + i }))
    const model = await linear().fit(Frame.fromRecords(rows), { label: 'y' })
    const [x, twin, c] = Array.from(model.coefficients.weights)
    expect(c).toBe(0)
    // minimum norm splits the weight evenly between identical columns
    expect(x).toBeCloseTo(twin as number, 8)
    const p = model.predict(Frame.fromRecords([{ x: 20, twin: 20, c: 3 }])).values
    expect(p[0]).toBeCloseTo(21, 8)
  })

  it('decomposes a symmetric matrix', () => {
    const a = Float64Array.from([4, 1, 2, 1, 3, 0, 2, 0, 5])
    const { values, vectors } = symmetricEigen(a, 3)
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < 3; i++) {
        let av = 0
        for (let j = 0; j < 3; j++) av += (a[i * 3 + j] as number) * (vectors[j * 3 + k] as number)
        expect(av).toBeCloseTo((values[k] as number) * (vectors[i * 3 + k] as number), 12)
      }
    }
  })
})

describe('linear: save and load', () => {
  it('round-trips to bit-identical predictions', async () => {
    const fx = loadFixture('regression')
    const model = await linear({ alpha: 0.5 }).fit(fx.train, { label: 'y' })
    const loaded = decodeLinear(decodeModel(model.save()))
    expect([loaded.kind, loaded.task, loaded.classes]).toEqual([LINEAR_KIND, 'regression', []])
    expect(bytesOf(loaded.predict(fx.test).values)).toEqual(bytesOf(model.predict(fx.test).values))
    expect(loaded.coefficients.names).toEqual(model.coefficients.names)
  })
})

describe('linear: bad input and parameters', () => {
  it('rejects a missing label, a class label, an empty frame and mismatched predict columns', async () => {
    const code = { code: 'LEARN_INVALID_INPUT' }
    await expect(
      linear().fit(
        Frame.fromRecords([
          { x: 1, y: 1 },
          { x: 2, y: null },
        ]),
        { label: 'y' },
      ),
    ).rejects.toMatchObject(code)
    await expect(
      linear().fit(
        Frame.fromRecords([
          { x: 1, y: 'a' },
          { x: 2, y: 'b' },
        ]),
        { label: 'y' },
      ),
    ).rejects.toMatchObject(code)
    await expect(linear().fit(Frame.fromRecords([{ x: 1, y: 1 }]).slice(0, 0), { label: 'y' })).rejects.toMatchObject(code)
    const model = await linear().fit(
      Frame.fromRecords([
        { x: 1, y: 1 },
        { x: 2, y: 3 },
      ]),
      { label: 'y' },
    )
    expect(() => model.predict(Frame.fromRecords([{ z: 1 }]))).toThrow(expect.objectContaining(code))
  })

  it('fits binary-looking numeric labels as numbers', async () => {
    const model = await linear().fit(
      Frame.fromRecords([
        { x: 0, y: 0 },
        { x: 1, y: 1 },
        { x: 2, y: 1 },
      ]),
      { label: 'y' },
    )
    expect(model.task).toBe('regression')
  })

  it.each([
    [{ alpha: -1 }, /alpha must be a number ≥ 0/],
    [{ alpha: Number.POSITIVE_INFINITY }, /alpha/],
    [{ C: 1 }, /unknown parameter "C"/],
    [{ preprocess: { timestamps: { parts: ['week'] } } }, /preprocess\.timestamps\.parts\[0\]/],
  ])('rejects %j', (params, message) => {
    expect(() => linear(params as never)).toThrow(expect.objectContaining({ code: 'LEARN_INVALID_PARAMS', message: expect.stringMatching(message) }))
  })
})
