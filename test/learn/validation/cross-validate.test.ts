import { describe, expect, it } from 'vitest'
import { Frame, numericView } from '../../../src/core/frame.js'
import type { FitOptions, Learner, Model, Predictions } from '../../../src/learn/model.js'
import { prepareTraining } from '../../../src/learn/training-data.js'
import { crossValidate, timeSplit } from '../../../src/learn/validation/index.js'

/**
 * Regression: predicts the training mean. Binary: a threshold on the first feature
 * halfway between the largest negative and the smallest positive, with probability 0.9 on its side.
 */
function tinyLearner(seen: Frame[] = []): Learner {
  return {
    kind: 'tiny',
    params: {},
    async fit(frame: Frame, options: FitOptions): Promise<Model> {
      seen.push(frame)
      const data = prepareTraining(frame, options)
      const x = data.columns[0] ?? new Float64Array()
      const xsOf = (label: number) => Array.from(x).filter((_, i) => data.y[i] === label)
      const mean = data.y.reduce((a, b) => a + b, 0) / data.nRows
      const threshold = (Math.max(...xsOf(0)) + Math.min(...xsOf(1))) / 2
      const predict = (f: Frame): Predictions => {
        const fx = numericView(f.column(data.features[0]?.name ?? ''))
        if (data.task === 'regression') return { task: 'regression', nRows: f.nRows, classes: [], values: new Float64Array(f.nRows).fill(mean) }
        const values = new Float64Array(2 * f.nRows)
        fx.forEach((v, i) => {
          const p = v > threshold ? 0.9 : 0.1
          values[2 * i] = 1 - p
          values[2 * i + 1] = p
        })
        return { task: data.task, nRows: f.nRows, classes: data.classes, values }
      }
      return { kind: 'tiny', task: data.task, label: data.label, features: data.features, classes: data.classes, predict, save: () => new Uint8Array() }
    },
  }
}

const regressionFrame = Frame.fromRecords(Array.from({ length: 10 }, (_, i) => ({ x: i, y: i })))
const binaryFrame = Frame.fromRecords(Array.from({ length: 20 }, (_, i) => ({ x: i < 10 ? i : i + 100, y: i >= 10 ? 'yes' : 'no' })))

describe('crossValidate', () => {
  it('fits per contiguous fold for regression and reports per-fold, mean and std scores', async () => {
    const cv = await crossValidate(tinyLearner(), regressionFrame, { label: 'y', folds: 5, metrics: ['mae', 'rmse'] })
    // fold f holds out rows 2f and 2f+1; the training mean is (45 − (4f + 1)) / 8
    const maes = [0, 1, 2, 3, 4].map((f) => {
      const mean = (45 - (4 * f + 1)) / 8
      return (Math.abs(2 * f - mean) + Math.abs(2 * f + 1 - mean)) / 2
    })
    expect(cv.task).toBe('regression')
    expect(cv.folds.map((f) => [f.nTrain, f.nTest])).toEqual(Array(5).fill([8, 2]))
    expect(cv.folds.map((f) => f.scores.mae ?? Number.NaN).map((m, f) => Math.abs(m - (maes[f] ?? 0)))).toEqual(maes.map(() => expect.closeTo(0, 12)))
    const mean = maes.reduce((a, b) => a + b, 0) / 5
    expect(cv.mean.mae).toBeCloseTo(mean, 12)
    expect(cv.std.mae).toBeCloseTo(Math.sqrt(maes.reduce((a, m) => a + (m - mean) ** 2, 0) / 5), 12)
    expect(cv.folds.every((f) => f.fitMs >= 0)).toBe(true)
  })

  it('stratifies classification folds and scores with the standard binary metrics by default', async () => {
    const cv = await crossValidate(tinyLearner(), binaryFrame, { label: 'y', folds: 5 })
    expect(cv.task).toBe('binary')
    expect(cv.metrics).toContain('rocAuc')
    for (const fold of cv.folds) {
      expect(fold.nTest).toBe(4)
      expect(fold.scores.accuracy).toBe(1)
      expect(fold.scores.rocAuc).toBe(1)
      expect(fold.scores.logLoss).toBeCloseTo(-Math.log(0.9), 12)
    }
    expect(cv.std.accuracy).toBe(0)
  })

  it('fits on the training rows only, taken from the frame by a custom splitter', async () => {
    const seen: Frame[] = []
    const frame = regressionFrame.with('day', { kind: 'number', values: Float64Array.from({ length: 10 }, (_, i) => 100 - i) })
    const cv = await crossValidate(tinyLearner(seen), frame, {
      label: 'y',
      features: ['x'],
      splitter: (f) => timeSplit(numericView(f.column('day')), { folds: 2, testSize: 3 }),
      metrics: ['mae'],
    })
    // days run backwards, so the earliest days are the last rows
    expect(seen.map((f) => Array.from(numericView(f.column('x'))))).toEqual([
      [6, 7, 8, 9],
      [3, 4, 5, 6, 7, 8, 9],
    ])
    expect(cv.folds.map((f) => f.nTest)).toEqual([3, 3])
    expect(cv.folds[0]?.scores.mae).toBeCloseTo(7.5 - 4, 12)
  })

  it('refuses metrics that do not fit the task, and a splitter with no splits', async () => {
    await expect(crossValidate(tinyLearner(), regressionFrame, { label: 'y', metrics: ['rocAuc'] })).rejects.toMatchObject({ code: 'LEARN_INVALID_PARAMS' })
    await expect(crossValidate(tinyLearner(), regressionFrame, { label: 'y', splitter: () => [] })).rejects.toThrow(/no splits/)
  })

  it('names a held-out label the fold model never saw', async () => {
    const frame = Frame.fromRecords([...Array.from({ length: 8 }, (_, i) => ({ x: i, y: i % 2 === 0 ? 'a' : 'b' })), { x: 9, y: 'c' }])
    await expect(
      crossValidate(tinyLearner(), frame, {
        label: 'y',
        task: 'multiclass',
        splitter: () => [{ train: Int32Array.from([0, 1, 2, 3]), test: Int32Array.from([8]) }],
      }),
    ).rejects.toThrow(/"c" at row 0 is not one of the model's classes/)
  })
})
