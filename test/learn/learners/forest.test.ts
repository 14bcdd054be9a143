import { describe, expect, it } from 'vitest'
import { Frame } from '../../../src/core/frame.js'
import { decodeModel } from '../../../src/learn/format.js'
import { decodeForest, FOREST_KIND, type ForestModel, featuresPerSplit, randomForest } from '../../../src/learn/learners/forest.js'
import { featureColumns } from '../../../src/learn/training-data.js'
import { rawPredict } from '../../../src/learn/trees/tree.js'
import { accuracy, binaryFrame, labelsOf, linearFrame, multiclassFrame, numbers, rejects, rmse } from '../trees/data.js'

const fitForest = async (
  params: Parameters<typeof randomForest>[0],
  frame: Frame,
  options: Parameters<ReturnType<typeof randomForest>['fit']>[1] = { label: 'y' },
) => (await randomForest(params).fit(frame, options)) as ForestModel

describe('randomForest', () => {
  it('classifies with class-probability leaves averaged over trees', async () => {
    const train = binaryFrame(1500, 21)
    const test = binaryFrame(800, 22)
    const model = await fitForest({ nTrees: 50, seed: 3 }, train)
    expect(model.ensemble.width).toBe(2)
    expect(model.ensemble.aggregate).toBe('mean')
    expect(Array.from(model.ensemble.treeOutput).every((t) => t === -1)).toBe(true)
    const p = model.predict(test)
    for (let i = 0; i < 800; i++) expect((p.values[2 * i] as number) + (p.values[2 * i + 1] as number)).toBeCloseTo(1, 12)
    expect(accuracy(p.values, 2, p.classes, labelsOf(test, 'y'))).toBeGreaterThan(0.95)
  })

  it('grows pure leaves on the training data without depth limits and without bootstrap', async () => {
    const train = multiclassFrame(500, 23)
    const model = await fitForest({ nTrees: 3, bootstrap: false, maxFeatures: 1 }, train)
    const p = model.predict(train)
    expect(accuracy(p.values, 3, p.classes, labelsOf(train, 'y'))).toBe(1)
    for (const t of model.ensemble.trees) {
      for (let n = 0; n < t.feature.length; n++) {
        if ((t.feature[n] as number) >= 0) continue
        const leaf = Array.from(t.value.subarray(3 * n, 3 * n + 3))
        expect(leaf.filter((v) => v === 1).length).toBe(1)
      }
    }
  })

  it('scores splits by Gini decrease and records cover and gain', async () => {
    // a single split on x separates the classes exactly: gain = n (weighted Gini of the root) for balanced classes
    const x = Float64Array.from({ length: 100 }, (_, i) => i)
    const frame = new Frame({ x: { kind: 'number', values: x }, y: { kind: 'number', values: x.map((v) => (v < 50 ? 0 : 1)) } })
    const model = await fitForest({ nTrees: 1, bootstrap: false }, frame)
    const t = model.ensemble.trees[0]
    expect(t && [t.threshold[0], t.cover[0], t.gain[0], t.value[0], t.value[1]]).toEqual([49.5, 100, 50, 0.5, 0.5])
    expect(t && Array.from(t.feature)).toEqual([0, -1, -1])
  })

  it('regresses with leaf means', async () => {
    const train = linearFrame(1000)
    const model = await fitForest({ nTrees: 30, seed: 1 }, train)
    expect(model.task).toBe('regression')
    expect(rmse(model.predict(train).values, numbers(train, 'y'))).toBeLessThan(0.1)
    // a large offset must not hide the variance decrease
    const shifted = train.with('y', { kind: 'number', values: numbers(train, 'y').map((v) => v + 1e9) })
    const offset = await fitForest({ nTrees: 10, seed: 1 }, shifted)
    expect(rmse(offset.predict(shifted).values, numbers(shifted, 'y'))).toBeLessThan(0.2)
  })

  it('honours maxDepth and minSamplesLeaf', async () => {
    const frame = binaryFrame(1000, 24, 0.2)
    const shallow = await fitForest({ nTrees: 5, maxDepth: 2 }, frame)
    for (const t of shallow.ensemble.trees) expect(t.feature.length).toBeLessThanOrEqual(7)
    const big = await fitForest({ nTrees: 5, minSamplesLeaf: 40 }, frame)
    for (const t of big.ensemble.trees) for (let n = 0; n < t.feature.length; n++) expect(t.cover[n]).toBeGreaterThanOrEqual(40)
  })

  it('picks features per split as scikit-learn does', () => {
    expect(featuresPerSplit(undefined, true, 20)).toBe(4)
    expect(featuresPerSplit(undefined, false, 20)).toBe(20)
    expect(featuresPerSplit('log2', true, 20)).toBe(4)
    expect(featuresPerSplit(0.5, true, 20)).toBe(10)
    expect(featuresPerSplit(3, false, 20)).toBe(3)
    expect(featuresPerSplit(50, false, 20)).toBe(20)
    expect(featuresPerSplit(0.01, false, 20)).toBe(1)
  })

  it('is deterministic for a seed and differs for another', async () => {
    const frame = binaryFrame(400, 25, 0.1)
    const a = (await fitForest({ nTrees: 10, seed: 5 }, frame)).predict(frame).values
    const b = (await fitForest({ nTrees: 10, seed: 5 }, frame)).predict(frame).values
    const c = (await fitForest({ nTrees: 10, seed: 6 }, frame)).predict(frame).values
    expect(Array.from(b)).toEqual(Array.from(a))
    expect(Array.from(c)).not.toEqual(Array.from(a))
  })

  it.each([
    ['classification', () => multiclassFrame(300, 26), { nTrees: 8 }],
    ['regression', () => linearFrame(300), { nTrees: 8, maxFeatures: 'sqrt' as const }],
  ])('round-trips a %s forest with bit-identical predictions', async (_, make, params) => {
    const frame = make()
    const x0 = frame.names.includes('x0') ? 'x0' : 'x'
    const holes = frame.with(x0, { kind: 'number', values: numbers(frame, x0).map((v, i) => (i % 5 === 0 ? Number.NaN : v)) })
    const model = await fitForest(params, holes)
    const loaded = decodeForest(decodeModel(model.save()))
    expect(loaded.kind).toBe(FOREST_KIND)
    const before = model.predict(holes).values
    expect(new Uint8Array(loaded.predict(holes).values.buffer)).toEqual(new Uint8Array(before.buffer))
    const raw = rawPredict(model.ensemble, featureColumns(holes, model.features), holes.nRows)
    expect(new Uint8Array(raw.buffer)).toEqual(new Uint8Array(before.buffer))
    await rejects(() => decodeForest({ ...decodeModel(model.save()), kind: 'gbdt' }), 'MODEL_FORMAT_UNSUPPORTED')
  })

  it('rejects bad input like every learner and survives constant features', async () => {
    const x = { kind: 'number' as const, values: Float64Array.of(1, 2, 3, 4) }
    await rejects(fitForest({}, new Frame({ x, y: { kind: 'number', values: Float64Array.of(0, Number.NaN, 1, 0) } })), 'LEARN_INVALID_INPUT')
    await rejects(fitForest({}, new Frame({ x, y: { kind: 'category', codes: Int32Array.of(0, 0, 0, 0), levels: ['a'] } })), 'LEARN_INVALID_INPUT')
    const constant = new Frame({ c: { kind: 'number', values: new Float64Array(4).fill(1) }, y: { kind: 'number', values: Float64Array.of(0, 1, 0, 1) } })
    const model = await fitForest({ nTrees: 3 }, constant)
    const p = model.predict(constant).values
    expect(model.ensemble.trees.every((t) => t.feature.length === 1)).toBe(true)
    for (let i = 0; i < 4; i++) expect((p[2 * i] as number) + (p[2 * i + 1] as number)).toBeCloseTo(1, 12)
    await rejects(() => model.predict(new Frame({ d: x })), 'LEARN_INVALID_INPUT')
  })

  it.each([
    [{ nTrees: 0 }, 'nTrees'],
    [{ maxDepth: -1 }, 'maxDepth'],
    [{ minSamplesLeaf: 0 }, 'minSamplesLeaf'],
    [{ maxFeatures: 2.5 }, 'maxFeatures'],
    [{ maxFeatures: 'all' }, 'maxFeatures'],
    [{ maxFeatures: 0 }, 'maxFeatures'],
    [{ maxBins: 2 }, 'maxBins'],
    [{ bootstrap: 'yes' }, 'bootstrap'],
    [{ seed: Number.POSITIVE_INFINITY }, 'seed'],
    [{ trees: 10 }, 'trees'],
  ])('rejects %j naming %s', (params, name) => {
    expect(() => randomForest(params as never)).toThrow(new RegExp(`"${name}"`))
    return rejects(() => randomForest(params as never), 'LEARN_INVALID_PARAMS')
  })
})
