import { describe, expect, it } from 'vitest'
import { Frame } from '../../../src/core/frame.js'
import { decodeModel } from '../../../src/learn/format.js'
import { decodeGbdt, GBDT_KIND, type GbdtModel, gbdt } from '../../../src/learn/learners/gbdt.js'
import { featureColumns } from '../../../src/learn/training-data.js'
import { rawPredict, type Tree } from '../../../src/learn/trees/tree.js'
import { accuracy, binaryFrame, labelsOf, linearFrame, multiclassFrame, numbers, rejects, rmse } from '../trees/data.js'

const fitModel = async (params: Parameters<typeof gbdt>[0], frame: Frame, options: Parameters<ReturnType<typeof gbdt>['fit']>[1] = { label: 'y' }) =>
  (await gbdt(params).fit(frame, options)) as GbdtModel

const leaves = (t: Tree) => t.feature.filter((f) => f < 0).length
function depth(t: Tree, node = 0): number {
  return (t.feature[node] as number) < 0 ? 0 : 1 + Math.max(depth(t, t.left[node] as number), depth(t, t.right[node] as number))
}

describe('gbdt: known answers', () => {
  it('learns a step function exactly with one depth-1 tree', async () => {
    const x = Float64Array.from({ length: 50 }, (_, i) => i)
    const frame = new Frame({ x: { kind: 'number', values: x }, y: { kind: 'number', values: x.map((v) => (v <= 20 ? -3.25 : 4.5)) } })
    const model = await fitModel({ nTrees: 1, maxDepth: 1, learningRate: 1, lambda: 0 }, frame)
    expect(model.task).toBe('regression')
    expect(model.ensemble.trees[0]?.threshold[0]).toBe(20.5)
    expect(Array.from(model.predict(frame).values)).toEqual(Array.from(numbers(frame, 'y')))
  })

  it('separates separable binary data and returns two probabilities per row', async () => {
    const train = binaryFrame(2000, 1)
    const test = binaryFrame(1000, 2)
    const model = await fitModel({ nTrees: 100 }, train)
    const p = model.predict(test)
    expect([p.task, p.nRows, p.classes]).toEqual(['binary', 1000, ['0', '1']])
    expect(p.values.length).toBe(2000)
    for (let i = 0; i < 1000; i++) expect((p.values[2 * i] as number) + (p.values[2 * i + 1] as number)).toBeCloseTo(1, 12)
    expect(accuracy(model.predict(train).values, 2, p.classes, labelsOf(train, 'y'))).toBeGreaterThan(0.99)
    expect(accuracy(p.values, 2, p.classes, labelsOf(test, 'y'))).toBeGreaterThan(0.96)
  })

  it('starts binary boosting from the log-odds of the prior', async () => {
    const model = await fitModel({ nTrees: 1 }, binaryFrame(1000, 3))
    const y = numbers(binaryFrame(1000, 3), 'y')
    const prior = y.reduce((a, b) => a + b) / y.length
    expect(model.ensemble.base[0]).toBeCloseTo(Math.log(prior / (1 - prior)), 12)
  })

  it('recovers y = 2x with a small RMSE', async () => {
    const train = linearFrame(1000)
    const model = await fitModel({ nTrees: 200, learningRate: 0.3 }, train)
    const test = new Frame({ x: { kind: 'number', values: Float64Array.from({ length: 300 }, (_, i) => 0.1 + (9.8 * i) / 300) } })
    const want = numbers(test, 'x').map((v) => 2 * v)
    expect(rmse(model.predict(test).values, want)).toBeLessThan(0.1)
  })

  it('fits multiclass with one tree per class per round and rows of probabilities summing to 1', async () => {
    const train = multiclassFrame(1500, 4)
    const test = multiclassFrame(600, 5)
    const model = await fitModel({ nTrees: 30 }, train)
    expect(model.classes).toEqual(['high', 'low', 'mid'])
    expect(model.ensemble.trees.length).toBe(90)
    expect(Array.from(model.ensemble.treeOutput.slice(0, 6))).toEqual([0, 1, 2, 0, 1, 2])
    const p = model.predict(test)
    expect(p.values.length).toBe(1800)
    for (let i = 0; i < 600; i++) expect((p.values[3 * i] as number) + (p.values[3 * i + 1] as number) + (p.values[3 * i + 2] as number)).toBeCloseTo(1, 12)
    expect(accuracy(p.values, 3, p.classes, labelsOf(test, 'y'))).toBeGreaterThan(0.97)
  })

  it('treats categories as ordinal codes', async () => {
    const levels = ['a', 'b', 'c', 'd']
    const codes = Int32Array.from({ length: 400 }, (_, i) => i % 4)
    const frame = new Frame({ c: { kind: 'category', codes, levels }, y: { kind: 'number', values: Float64Array.from(codes, (c) => (c === 2 ? 1 : 0)) } })
    const model = await fitModel({ nTrees: 20, learningRate: 0.5 }, frame)
    expect(accuracy(model.predict(frame).values, 2, model.classes, labelsOf(frame, 'y'))).toBe(1)
  })

  it('uses boolean and timestamp features, with missing booleans', async () => {
    const n = 300
    const flag = Uint8Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 255 : i % 2))
    const when = Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * 86_400_000)
    const y = Float64Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 2 : i % 2) + (i >= 150 ? 10 : 0))
    const frame = new Frame({ flag: { kind: 'boolean', values: flag }, when: { kind: 'timestamp', values: when }, y: { kind: 'number', values: y } })
    const model = await fitModel({ nTrees: 100, learningRate: 0.5, lambda: 0 }, frame)
    expect(model.features.map((f) => f.kind)).toEqual(['boolean', 'timestamp'])
    expect(rmse(model.predict(frame).values, y)).toBeLessThan(0.01)
  })

  it('is robust to outliers with the absolute and huber objectives', async () => {
    const base = linearFrame(500)
    const y = numbers(base, 'y').map((v, i) => (i % 50 === 0 ? v + 1000 : v))
    const frame = base.with('y', { kind: 'number', values: y })
    const clean = numbers(base, 'y')
    const errors: Record<string, number> = {}
    for (const objective of ['squared', 'absolute', 'huber'] as const) {
      const model = await fitModel({ nTrees: 300, learningRate: 0.3, objective, maxDepth: 3 }, frame)
      errors[objective] = rmse(model.predict(base).values, clean)
    }
    expect(errors.absolute).toBeLessThan((errors.squared as number) / 5)
    expect(errors.huber).toBeLessThan((errors.squared as number) / 5)
  })
})

describe('gbdt: growth, missing values, sampling, early stopping', () => {
  it('learns the missing-value direction from the label', async () => {
    const n = 2000
    const frame0 = binaryFrame(n, 6)
    const y = numbers(frame0, 'y')
    // x3 is missing mostly for positive rows and otherwise uninformative noise
    const x3 = Float64Array.from({ length: n }, (_, i) => ((y[i] === 1 ? i % 10 < 8 : i % 10 < 1) ? Number.NaN : (i * 7919) % 101))
    const frame = new Frame({ x3: { kind: 'number', values: x3 }, y: { kind: 'number', values: y } })
    const model = await fitModel({ nTrees: 20, maxDepth: 1, learningRate: 0.5 }, frame)
    const missing = model.predict(new Frame({ x3: { kind: 'number', values: Float64Array.of(Number.NaN, 50) } })).values
    expect(missing[1]).toBeGreaterThan(0.8)
    expect(missing[3]).toBeLessThan(0.35)
  })

  it('limits trees by maxDepth (depth-wise) or maxLeaves (leaf-wise), or both', async () => {
    const frame = binaryFrame(3000, 7, 0.2)
    const byDepth = await fitModel({ nTrees: 5, maxDepth: 3, minChildWeight: 0 }, frame)
    for (const t of byDepth.ensemble.trees) expect(depth(t)).toBeLessThanOrEqual(3)
    expect(Math.max(...byDepth.ensemble.trees.map(leaves))).toBe(8)
    const byLeaves = await fitModel({ nTrees: 5, maxDepth: 0, maxLeaves: 6, minChildWeight: 0 }, frame)
    for (const t of byLeaves.ensemble.trees) expect(leaves(t)).toBe(6)
    expect(Math.max(...byLeaves.ensemble.trees.map((t) => depth(t)))).toBeGreaterThan(3)
    const both = await fitModel({ nTrees: 5, maxDepth: 2, maxLeaves: 6 }, frame)
    for (const t of both.ensemble.trees) expect([leaves(t) <= 4, depth(t) <= 2]).toEqual([true, true])
  })

  it('stops early on held-out rows and keeps only the best rounds', async () => {
    const train = binaryFrame(600, 8, 0.3)
    const validation = binaryFrame(400, 9, 0.3)
    const model = await fitModel({ nTrees: 300, maxDepth: 6, learningRate: 0.3, earlyStoppingRounds: 10 }, train, { label: 'y', validation })
    const rounds = model.info.rounds as number
    const losses = model.info.validationLoss as number[]
    expect(rounds).toBeLessThan(100)
    expect(model.ensemble.trees.length).toBe(rounds)
    expect(losses.length).toBe(rounds + 10)
    expect(Math.min(...losses)).toBe(losses[rounds - 1])
    const full = await fitModel({ nTrees: 300, maxDepth: 6, learningRate: 0.3 }, train)
    expect(full.ensemble.trees.length).toBe(300)
  })

  it('is deterministic for a seed and differs for another when sampling', async () => {
    const frame = binaryFrame(1000, 10, 0.1)
    const params = { nTrees: 20, subsample: 0.6, colsampleByTree: 0.7 }
    const a = (await fitModel({ ...params, seed: 1 }, frame)).predict(frame).values
    const b = (await fitModel({ ...params, seed: 1 }, frame)).predict(frame).values
    const c = (await fitModel({ ...params, seed: 2 }, frame)).predict(frame).values
    expect(Array.from(b)).toEqual(Array.from(a))
    expect(Array.from(c)).not.toEqual(Array.from(a))
  })

  it('grows the same model bit for bit on one thread or several (large fits share histograms with worker threads)', async () => {
    // above the sizes where threads start and where a node is summed in shares
    const frame = binaryFrame(60_000, 12, 0.1)
    const params = { nTrees: 8, maxDepth: 5, subsample: 0.9 }
    const one = await fitModel({ ...params, nThreads: 1 }, frame)
    const two = await fitModel({ ...params, nThreads: 2 }, frame)
    const four = await fitModel({ ...params, nThreads: 4 }, frame)
    expect(two.ensemble.trees).toEqual(one.ensemble.trees)
    expect(four.ensemble.trees).toEqual(one.ensemble.trees)
    expect(Array.from(two.predict(frame).values)).toEqual(Array.from(one.predict(frame).values))
    await rejects(fitModel({ nThreads: -1 }, frame), 'LEARN_INVALID_PARAMS', /nThreads/)
  })

  it('draws colsampleByTree of the features for each tree', async () => {
    const r = binaryFrame(500, 11)
    const model = await fitModel({ nTrees: 30, colsampleByTree: 0.34, maxDepth: 3 }, r)
    for (const t of model.ensemble.trees) expect(new Set(Array.from(t.feature).filter((f) => f >= 0)).size).toBeLessThanOrEqual(1)
  })
})

describe('gbdt: saving and fast prediction', () => {
  const withNaN = (frame: Frame) => {
    const x0 = Float64Array.from(numbers(frame, 'x0'), (v, i) => (i % 7 === 0 ? Number.NaN : v))
    return frame.with('x0', { kind: 'number', values: x0 })
  }

  it.each([
    ['binary', () => withNaN(binaryFrame(800, 12, 0.1)), { nTrees: 30 }],
    ['multiclass', () => multiclassFrame(600, 13), { nTrees: 10, maxLeaves: 7 }],
    ['regression', () => linearFrame(500), { nTrees: 25, subsample: 0.8 }],
  ] as const)('round-trips a %s model with bit-identical predictions', async (_, make, params) => {
    const frame = make()
    const model = await fitModel(params, frame)
    const bytes = model.save()
    const loaded = decodeGbdt(decodeModel(bytes))
    expect(loaded.kind).toBe(GBDT_KIND)
    expect([loaded.task, loaded.label, loaded.classes, loaded.features]).toEqual([model.task, model.label, model.classes, model.features])
    expect(loaded.info.rounds).toBe(model.info.rounds)
    const before = model.predict(frame).values
    const after = loaded.predict(frame).values
    expect(new Uint8Array(after.buffer)).toEqual(new Uint8Array(before.buffer))
    expect(loaded.save()).toEqual(bytes)
  })

  it('predicts exactly what rawPredict from tree.ts computes', async () => {
    const frame = withNaN(binaryFrame(500, 14, 0.1))
    const model = await fitModel({ nTrees: 20, objective: 'squared' }, frame)
    const columns = featureColumns(frame, model.features)
    const raw = rawPredict(model.ensemble, columns, frame.nRows)
    expect(new Uint8Array(model.predict(frame).values.buffer)).toEqual(new Uint8Array(raw.buffer))
  })

  it('refuses bytes of another model kind or a corrupt tree', async () => {
    const model = await fitModel({ nTrees: 2 }, binaryFrame(100, 15))
    const decoded = decodeModel(model.save())
    await rejects(() => decodeGbdt({ ...decoded, kind: 'random-forest' }), 'MODEL_FORMAT_UNSUPPORTED')
    const left = Int32Array.from(decoded.arrays['tree.left'] as Int32Array, () => 0)
    await rejects(() => decodeGbdt({ ...decoded, arrays: { ...decoded.arrays, 'tree.left': left } }), 'MODEL_FORMAT_UNSUPPORTED')
    const shared = Int32Array.from(decoded.arrays['tree.right'] as Int32Array)
    shared[0] = (decoded.arrays['tree.left'] as Int32Array)[0] as number
    await rejects(() => decodeGbdt({ ...decoded, arrays: { ...decoded.arrays, 'tree.right': shared } }), 'MODEL_FORMAT_UNSUPPORTED', /two parents/)
    const { 'tree.value': _, ...noValues } = decoded.arrays
    await rejects(() => decodeGbdt({ ...decoded, arrays: noValues }), 'MODEL_FORMAT_UNSUPPORTED')
  })
})

describe('gbdt: bad input and parameters', () => {
  it('rejects NaN labels, a single class, an empty frame and no features', async () => {
    const y = Float64Array.of(1, Number.NaN, 0, 1)
    const x = { kind: 'number' as const, values: Float64Array.of(1, 2, 3, 4) }
    await rejects(fitModel({}, new Frame({ x, y: { kind: 'number', values: y } })), 'LEARN_INVALID_INPUT', /missing in 1 row/)
    await rejects(
      fitModel({ objective: 'binary' }, new Frame({ x, y: { kind: 'number', values: Float64Array.of(1, 1, 1, 1) } })),
      'LEARN_INVALID_INPUT',
      /single class/,
    )
    await rejects(
      fitModel({}, new Frame({ x: { kind: 'number', values: new Float64Array(0) }, y: { kind: 'number', values: new Float64Array(0) } })),
      'LEARN_INVALID_INPUT',
    )
    await rejects(fitModel({}, new Frame({ y: { kind: 'number', values: y } })), 'LEARN_INVALID_INPUT')
  })

  it('fits a valid model without NaN predictions when features are constant, missing or infinite', async () => {
    const n = 200
    const frame = new Frame({
      constant: { kind: 'number', values: new Float64Array(n).fill(3) },
      empty: { kind: 'number', values: new Float64Array(n).fill(Number.NaN) },
      wild: {
        kind: 'number',
        values: Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? Number.POSITIVE_INFINITY : i % 3 === 1 ? Number.NEGATIVE_INFINITY : i)),
      },
      y: { kind: 'number', values: Float64Array.from({ length: n }, (_, i) => i % 2) },
    })
    for (const params of [{ nTrees: 10 }, { nTrees: 10, lambda: 0, minChildWeight: 0 }]) {
      const model = await fitModel(params, frame)
      const p = model.predict(frame).values
      expect(p.every((v) => Number.isFinite(v))).toBe(true)
      expect(decodeGbdt(decodeModel(model.save())).predict(frame).values).toEqual(p)
    }
    const constantOnly = await fitModel({ nTrees: 3 }, frame.select(['constant', 'y']))
    expect(constantOnly.ensemble.trees.every((t) => t.feature.length === 1)).toBe(true)
    expect(constantOnly.predict(frame).values[1]).toBeCloseTo(0.5, 12)
  })

  it('rejects prediction frames whose columns do not match training', async () => {
    const model = await fitModel({ nTrees: 2 }, binaryFrame(100, 16))
    await rejects(() => model.predict(new Frame({ x0: { kind: 'number', values: Float64Array.of(1) } })), 'LEARN_INVALID_INPUT', /"x1" is missing/)
    const wrongKind = binaryFrame(3, 17).with('x2', { kind: 'category', codes: Int32Array.of(0, 0, 0), levels: ['a'] })
    await rejects(() => model.predict(wrongKind), 'LEARN_INVALID_INPUT', /"x2" is category/)
    await rejects(fitModel({}, binaryFrame(50, 18), { label: 'nope' }), 'FRAME_COLUMN_UNKNOWN')
  })

  it('checks the validation frame against training', async () => {
    const train = multiclassFrame(300, 19)
    const bad = new Frame({
      x0: { kind: 'number', values: Float64Array.of(0.1) },
      x1: { kind: 'number', values: Float64Array.of(0.1) },
      y: { kind: 'category', codes: Int32Array.of(0), levels: ['other'] },
    })
    await rejects(fitModel({ nTrees: 3, earlyStoppingRounds: 2 }, train, { label: 'y', validation: bad }), 'LEARN_INVALID_INPUT', /not seen in training/)
    await rejects(fitModel({ nTrees: 3, earlyStoppingRounds: 2 }, train), 'LEARN_INVALID_PARAMS', /earlyStoppingRounds/)
    await rejects(fitModel({ objective: 'squared' }, train, { label: 'y', task: 'multiclass' }), 'LEARN_INVALID_PARAMS', /objective/)
  })

  it.each([
    [{ nTrees: 0 }, 'nTrees'],
    [{ nTrees: 2.5 }, 'nTrees'],
    [{ learningRate: 0 }, 'learningRate'],
    [{ maxDepth: -1 }, 'maxDepth'],
    [{ maxLeaves: 1 }, 'maxLeaves'],
    [{ maxDepth: 0, maxLeaves: 0 }, 'maxDepth'],
    [{ maxBins: 257 }, 'maxBins'],
    [{ minChildWeight: -1 }, 'minChildWeight'],
    [{ lambda: Number.NaN }, 'lambda'],
    [{ gamma: -0.1 }, 'gamma'],
    [{ subsample: 0 }, 'subsample'],
    [{ colsampleByTree: 1.5 }, 'colsampleByTree'],
    [{ earlyStoppingRounds: 0 }, 'earlyStoppingRounds'],
    [{ objective: 'poisson' }, 'objective'],
    [{ seed: 0.5 }, 'seed'],
    [{ depth: 3 }, 'depth'],
  ])('rejects %j naming %s', async (params, name) => {
    await rejects(() => gbdt(params as never), 'LEARN_INVALID_PARAMS', new RegExp(`"${name}"`))
  })

  it('exposes its resolved parameters', () => {
    const learner = gbdt({ nTrees: 7 })
    expect([learner.kind, learner.params.nTrees, learner.params.learningRate, learner.params.maxDepth]).toEqual(['gbdt', 7, 0.1, 6])
  })
})
