import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  accuracy,
  averagePrecision,
  balancedAccuracy,
  brierScore,
  confusionMatrix,
  evaluate,
  f1,
  logLoss,
  type MetricName,
  mae,
  mape,
  precision,
  r2,
  recall,
  rmse,
  rocAuc,
} from '../../../src/learn/metrics/index.js'
import type { Predictions } from '../../../src/learn/model.js'

interface Case {
  readonly name: string
  readonly task: 'binary' | 'multiclass' | 'regression'
  readonly yTrue: number[]
  readonly yPred: number[]
  readonly proba?: number[]
  readonly expected: Record<string, number | 'NaN' | number[][] | null>
}

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/metrics.json', import.meta.url), 'utf8')) as { sklearn: string; cases: Case[] }

type Computed = Record<string, () => number | number[][]>

function classification(c: Case): Computed {
  const y = Int32Array.from(c.yTrue)
  const pred = Int32Array.from(c.yPred)
  const proba = Float64Array.from(c.proba ?? [])
  const computed: Computed = {
    accuracy: () => accuracy(y, pred),
    balancedAccuracy: () => balancedAccuracy(y, pred),
    confusionMatrix: () => confusionMatrix(y, pred),
    precisionMacro: () => precision(y, pred, { average: 'macro' }),
    recallMacro: () => recall(y, pred, { average: 'macro' }),
    f1Macro: () => f1(y, pred, { average: 'macro' }),
    precisionWeighted: () => precision(y, pred, { average: 'weighted' }),
    recallWeighted: () => recall(y, pred, { average: 'weighted' }),
    f1Weighted: () => f1(y, pred, { average: 'weighted' }),
    rocAuc: () => rocAuc(y, proba),
    averagePrecision: () => averagePrecision(y, proba),
    logLoss: () => logLoss(y, proba),
    logLoss1e15: () => logLoss(y, proba, { eps: 1e-15 }),
  }
  if (c.task === 'multiclass') return computed
  return {
    ...computed,
    precision: () => precision(y, pred),
    recall: () => recall(y, pred),
    f1: () => f1(y, pred),
    brierScore: () => brierScore(y, proba),
  }
}

function regression(c: Case): Computed {
  const y = Float64Array.from(c.yTrue)
  const pred = Float64Array.from(c.yPred)
  return { rmse: () => rmse(y, pred), mae: () => mae(y, pred), r2: () => r2(y, pred), mape: () => mape(y, pred) }
}

/** Absolute 1e-9, relative for large values (MAPE with zero targets reaches 1e15). */
const close = (actual: number, expected: number): boolean => Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected))

describe(`metrics agree with scikit-learn ${fixture.sklearn} to 1e-9`, () => {
  it('covers every metric and task in the fixture', () => {
    const names = new Set(fixture.cases.flatMap((c) => Object.keys(c.expected)))
    expect([...names].sort()).toEqual(
      [
        'accuracy',
        'averagePrecision',
        'balancedAccuracy',
        'brierScore',
        'confusionMatrix',
        'f1',
        'f1Macro',
        'f1Weighted',
        'logLoss',
        'logLoss1e15',
        'mae',
        'mape',
        'precision',
        'precisionMacro',
        'precisionWeighted',
        'r2',
        'recall',
        'recallMacro',
        'recallWeighted',
        'rmse',
        'rocAuc',
      ].sort(),
    )
    expect(fixture.cases.length).toBeGreaterThanOrEqual(40)
  })

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const computed = c.task === 'regression' ? regression(c) : classification(c)
    const mismatches: string[] = []
    for (const [metric, expected] of Object.entries(c.expected)) {
      const compute = computed[metric]
      if (!compute) throw new Error(`no computation for ${metric}`)
      if (expected === null) {
        expect(compute, `${metric} must throw where scikit-learn raises`).toThrow(expect.objectContaining({ code: 'LEARN_INVALID_INPUT' }))
        continue
      }
      const actual = compute()
      if (Array.isArray(expected)) expect(actual, metric).toEqual(expected)
      else if (expected === 'NaN') expect(actual, metric).toBeNaN()
      else if (typeof actual !== 'number' || !close(actual, expected)) mismatches.push(`${metric}: keel ${String(actual)}, sklearn ${expected}`)
    }
    expect(mismatches).toEqual([])
  })
})

/** The fixture's probabilities as a model would return them: n × k, binary included. */
function predictionsOf(c: Case): Predictions {
  const proba = c.proba ?? []
  const n = c.yTrue.length
  if (c.task === 'multiclass')
    return { task: 'multiclass', nRows: n, classes: Array.from({ length: proba.length / n }, (_, i) => `c${i}`), values: Float64Array.from(proba) }
  return { task: 'binary', nRows: n, classes: ['no', 'yes'], values: Float64Array.from(proba.flatMap((p) => [1 - p, p])) }
}

describe('evaluate on Predictions agrees with scikit-learn to 1e-9', () => {
  const classificationCases = fixture.cases.filter((c) => c.task !== 'regression')
  it.each(classificationCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const task = c.task === 'multiclass' ? 'multiclass' : 'binary'
    const names = (['rocAuc', 'averagePrecision', 'logLoss', 'brierScore'] as const).filter(
      (m) => typeof c.expected[m] === 'number' && (m !== 'brierScore' || task === 'binary'),
    )
    const scores = evaluate(task, Int32Array.from(c.yTrue), predictionsOf(c), names as readonly MetricName[])
    for (const m of names) expect(close(scores[m] ?? Number.NaN, Number(c.expected[m])), `${m}: ${scores[m]} vs ${c.expected[m]}`).toBe(true)
  })
})
