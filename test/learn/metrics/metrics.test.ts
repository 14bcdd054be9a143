import { describe, expect, it } from 'vitest'
import {
  accuracy,
  brierScore,
  confusionMatrix,
  evaluate,
  f1,
  logLoss,
  METRICS,
  metricFor,
  precision,
  predictedClasses,
  recall,
  rmse,
  rocAuc,
} from '../../../src/learn/metrics/index.js'
import type { Predictions } from '../../../src/learn/model.js'

const invalidInput = expect.objectContaining({ code: 'LEARN_INVALID_INPUT' })
const i32 = (...v: number[]) => Int32Array.from(v)
const f64 = (...v: number[]) => Float64Array.from(v)

describe('metric input checks', () => {
  it('rejects length mismatches and empty input', () => {
    expect(() => accuracy(i32(0, 1), i32(0))).toThrow(invalidInput)
    expect(() => accuracy(i32(), i32())).toThrow(invalidInput)
    expect(() => rmse(f64(), f64())).toThrow(invalidInput)
    expect(() => rocAuc(i32(0, 1), f64(0.5))).toThrow(invalidInput)
    expect(() => logLoss(i32(), f64())).toThrow(invalidInput)
  })

  it('rejects labels that are not class indices', () => {
    expect(() => accuracy(f64(0, 1.5), f64(0, 1))).toThrow(invalidInput)
    expect(() => confusionMatrix(i32(-1, 0), i32(0, 0))).toThrow(invalidInput)
  })

  it('names the single class that makes ROC AUC undefined', () => {
    expect(() => rocAuc(i32(1, 1, 1), f64(0.2, 0.5, 0.9))).toThrow(/only one class/)
  })

  it('scores the positive class chosen', () => {
    expect(precision(i32(0, 0, 1), i32(0, 1, 1), { positive: 0 })).toBe(1)
    expect(recall(i32(0, 0, 1), i32(0, 1, 1), { positive: 0 })).toBe(0.5)
  })

  it('asks for an average when binary precision/recall/f1 see more than two classes', () => {
    expect(() => f1(i32(0, 1, 2), i32(0, 1, 2))).toThrow(/macro/)
    expect(f1(i32(0, 1, 2), i32(0, 1, 2), { average: 'macro' })).toBe(1)
  })

  it('keeps Brier scores to binary probabilities in [0, 1]', () => {
    expect(() => brierScore(i32(0, 1), f64(0.2, 1.2))).toThrow(/outside/)
    expect(() => brierScore(i32(0, 2), f64(0.2, 0.3))).toThrow(/binary/)
  })
})

describe('METRICS', () => {
  it('declares a direction for every metric: losses and errors are minimized, scores maximized', () => {
    const minimized = Object.entries(METRICS)
      .filter(([, m]) => m.direction === 'min')
      .map(([name]) => name)
    expect(minimized.sort()).toEqual(['brierScore', 'logLoss', 'mae', 'mape', 'rmse'])
  })

  it('refuses unknown metrics and metrics for another task with LEARN_INVALID_PARAMS', () => {
    expect(() => metricFor('auc', 'binary')).toThrow(expect.objectContaining({ code: 'LEARN_INVALID_PARAMS' }))
    expect(() => metricFor('rmse', 'binary')).toThrow(/applies to regression/)
    expect(metricFor('rocAuc', 'multiclass').direction).toBe('max')
  })
})

describe('evaluate', () => {
  const binary: Predictions = { task: 'binary', nRows: 4, classes: ['no', 'yes'], values: f64(0.9, 0.1, 0.6, 0.4, 0.35, 0.65, 0.2, 0.8) }

  it('scores binary predictions with the positive class in column 1', () => {
    const scores = evaluate('binary', i32(0, 1, 1, 1), binary)
    expect(scores.accuracy).toBe(0.75)
    expect(scores.rocAuc).toBe(1)
    expect(scores.recall).toBeCloseTo(2 / 3, 15)
    expect(scores.precision).toBe(1)
    expect(scores.brierScore).toBeCloseTo((0.1 ** 2 + 0.6 ** 2 + 0.35 ** 2 + 0.2 ** 2) / 4, 15)
    expect(Object.keys(scores)).toContain('logLoss')
  })

  it('scores multiclass and regression predictions, or only the metrics asked for', () => {
    const multi: Predictions = { task: 'multiclass', nRows: 3, classes: ['a', 'b', 'c'], values: f64(0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.5, 0.3, 0.2) }
    const scores = evaluate('multiclass', i32(0, 1, 2), multi)
    expect(scores.accuracy).toBeCloseTo(2 / 3, 15)
    expect(scores.rocAuc).toBe(1)
    const reg: Predictions = { task: 'regression', nRows: 2, classes: [], values: f64(1, 3) }
    expect(evaluate('regression', f64(1, 1), reg, ['rmse', 'mae'])).toEqual({ rmse: Math.sqrt(2), mae: 1 })
  })

  it('refuses predictions for another task or of another length', () => {
    expect(() => evaluate('multiclass', i32(0, 1, 1, 1), binary)).toThrow(invalidInput)
    expect(() => evaluate('binary', i32(0, 1), binary)).toThrow(invalidInput)
  })

  it('predicts the first class on a tie, as numpy argmax does', () => {
    expect(Array.from(predictedClasses({ ...binary, values: f64(0.5, 0.5, 0.4, 0.6, 0.6, 0.4, 0, 1) }))).toEqual([0, 1, 0, 1])
  })
})
