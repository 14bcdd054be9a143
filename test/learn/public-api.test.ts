import { describe, expect, it } from 'vitest'
import { crossValidate, explain, Frame, learners, loadModel, metrics, search, uniform } from '../../src/index.js'
import { createRandom } from '../../src/learn/random.js'

/** A binary problem with a known signal: numeric, categorical and missing inputs. */
function dataset(n: number, seed: number): Frame {
  const rng = createRandom(seed)
  const records = Array.from({ length: n }, () => {
    const x1 = rng.next() * 4 - 2
    const x2 = rng.next() * 4 - 2
    const plan = ['free', 'pro', 'team'][rng.int(3)] as string
    const margin = 1.5 * x1 - x2 + (plan === 'pro' ? 1 : plan === 'team' ? -1 : 0) + (rng.next() - 0.5)
    return { x1, x2: rng.next() < 0.05 ? null : x2, plan, churned: margin > 0 ? 'yes' : 'no' }
  })
  return Frame.fromRecords(records)
}

const train = dataset(3000, 1)
const test = dataset(1000, 2)
const yTest = Int32Array.from({ length: test.nRows }, (_, i) => (test.row(i).churned === 'yes' ? 1 : 0))

describe('the learning API, as users call it', () => {
  const cases = [
    ['gbdt', learners.gbdt({ nTrees: 60, maxDepth: 4, seed: 3 }), 0.95],
    ['randomForest', learners.randomForest({ nTrees: 40, seed: 3 }), 0.93],
    ['logistic', learners.logistic({ C: 1 }), 0.95],
    ['baseline', learners.baseline({ strategy: 'prior' }), 0.5],
  ] as const

  for (const [name, learner, minAuc] of cases) {
    it(`${name}: fits, predicts probabilities, and round-trips through save/loadModel bit for bit`, async () => {
      const model = await learner.fit(train, { label: 'churned' })
      expect(model.classes).toEqual(['no', 'yes'])
      const predicted = model.predict(test)
      expect(predicted.values.length).toBe(test.nRows * 2)
      expect(predicted.values.every((p) => p >= 0 && p <= 1)).toBe(true)
      const auc = metrics.rocAuc(yTest, predicted.values)
      expect(auc).toBeGreaterThanOrEqual(minAuc)
      const again = loadModel(model.save())
      expect(again.kind).toBe(model.kind)
      expect(new Uint8Array(again.predict(test).values.buffer)).toEqual(new Uint8Array(predicted.values.buffer))
    })
  }

  it('linear regression recovers a known relation', async () => {
    const rng = createRandom(5)
    const frame = Frame.fromRecords(
      Array.from({ length: 500 }, () => {
        const a = rng.next()
        const b = rng.next()
        return { a, b, y: 3 * a - 2 * b + 0.5 }
      }),
    )
    const model = await learners.linear().fit(frame, { label: 'y' })
    expect(model.task).toBe('regression')
    expect(
      metrics.rmse(
        Float64Array.from({ length: 500 }, (_, i) => Number(frame.row(i).y)),
        model.predict(frame).values,
      ),
    ).toBeLessThan(1e-9)
  })

  it('explains a tree model: gain importance ranks the signal, SHAP rows add up to the margin', async () => {
    const model = await learners.gbdt({ nTrees: 30, maxDepth: 3, seed: 1 }).fit(train, { label: 'churned' })
    const importance = explain.gain(model)
    expect(importance.features).toEqual(['x1', 'x2', 'plan'])
    expect(importance.normalizedGain[0]).toBeGreaterThan(importance.normalizedGain[2] ?? 1)
    const rows = test.slice(0, 50)
    const shap = explain.shap(model, rows)
    const proba = model.predict(rows).values
    for (let i = 0; i < rows.nRows; i++) {
      let margin = shap.expected[0] ?? 0
      for (let f = 0; f < shap.nFeatures; f++) margin += shap.values[i * shap.nFeatures + f] ?? 0
      expect(1 / (1 + Math.exp(-margin))).toBeCloseTo(proba[i * 2 + 1] ?? 0, 9)
    }
    const linearModel = await learners.logistic().fit(train, { label: 'churned' })
    expect(() => explain.shap(linearModel, rows)).toThrow(expect.objectContaining({ code: 'LEARN_INVALID_INPUT' }))
    const permuted = explain.permutation(model, test, { nRepeats: 2, seed: 1 })
    expect(permuted.features.map((f) => f.name)).toEqual(['x1', 'x2', 'plan'])
  })

  it('cross-validates and searches hyperparameters with every trial reported', async () => {
    const cv = await crossValidate(learners.gbdt({ nTrees: 20, maxDepth: 3 }), train, { label: 'churned', folds: 3 })
    expect(cv.folds).toHaveLength(3)
    const trials: unknown[] = []
    const result = await search({
      learner: (params) => learners.gbdt({ nTrees: 15, maxDepth: 3, ...params }),
      space: { learningRate: uniform(0.05, 0.3) },
      strategy: 'random',
      nIter: 3,
      seed: 7,
      frame: train,
      label: 'churned',
      folds: 2,
      onTrial: (t) => {
        trials.push(t)
      },
    })
    expect(trials).toHaveLength(3)
    expect(result.trials).toHaveLength(3)
    expect(Object.keys(result.bestParams)).toEqual(['learningRate'])
  })

  it('refuses a frame whose columns do not match the model, and bytes that are no model', async () => {
    const model = await learners.gbdt({ nTrees: 5 }).fit(train, { label: 'churned' })
    expect(() => model.predict(test.drop(['x2']))).toThrow(expect.objectContaining({ code: 'LEARN_INVALID_INPUT' }))
    expect(() => loadModel(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: 'MODEL_FORMAT_UNSUPPORTED' }))
  })
})
