import { describe, expect, it } from 'vitest'
import { evaluateGates } from '../../src/registry/gates.js'

describe('evaluateGates', () => {
  it('judges beating the baseline in the metric direction, with the numbers in the detail', () => {
    const auc = evaluateGates({ beatBaseline: { metric: 'rocAuc', by: 0.02 } }, { candidate: { rocAuc: 0.81 }, baseline: { rocAuc: 0.8 } })
    expect(auc.passed).toBe(false)
    expect(auc.results[0]?.detail).toBe('rocAuc 0.81 vs baseline 0.8: better by 0.01 (needs more than 0 and at least 0.02)')
    // lower is better for rmse: 9 beats 10 by 1
    expect(evaluateGates({ beatBaseline: { metric: 'rmse', by: 0.5 } }, { candidate: { rmse: 9 }, baseline: { rmse: 10 } }).passed).toBe(true)
    expect(evaluateGates({ beatBaseline: { metric: 'rmse' } }, { candidate: { rmse: 10 }, baseline: { rmse: 10 } }).passed).toBe(false)
  })

  it('applies the champion gate only when there is a champion, absolute or relative', () => {
    const gates = { notWorseThanChampion: { metric: 'rocAuc' as const, by: 0.005 }, min: { rocAuc: 0.7 } }
    const first = evaluateGates(gates, { candidate: { rocAuc: 0.75 } })
    expect(first).toMatchObject({ passed: true, skipped: [{ gate: 'notWorseThanChampion', detail: 'no champion yet' }] })
    expect(evaluateGates(gates, { candidate: { rocAuc: 0.75 }, champion: { rocAuc: 0.754 } }).passed).toBe(true)
    const worse = evaluateGates(gates, { candidate: { rocAuc: 0.75 }, champion: { rocAuc: 0.76 } })
    expect(worse.passed).toBe(false)
    expect(worse.results[0]?.detail).toBe('rocAuc 0.75 vs champion 0.76: worse by 0.01 (allowed worse by 0.005)')
    const relative = { notWorseThanChampion: { metric: 'rmse' as const, byRelative: 0.1 } }
    expect(evaluateGates(relative, { candidate: { rmse: 10.9 }, champion: { rmse: 10 } }).passed).toBe(true)
    expect(evaluateGates(relative, { candidate: { rmse: 11.1 }, champion: { rmse: 10 } }).passed).toBe(false)
  })

  it('checks bounds, latency and every slice, and never passes with no gate at all', () => {
    const verdict = evaluateGates(
      { min: { recall: 0.6 }, max: { logLoss: 0.5 }, maxPredictLatencyMs: 1, slices: { column: 'region', min: { recall: 0.5 } } },
      { candidate: { recall: 0.7, logLoss: 0.4 }, predictLatencyMs: 0.02, slices: { north: { recall: 0.8 }, south: { recall: 0.45 } } },
    )
    expect(verdict.results.map((r) => [r.gate, r.passed])).toEqual([
      ['min.recall', true],
      ['max.logLoss', true],
      ['maxPredictLatencyMs', true],
      ['slices.region=north.recall', true],
      ['slices.region=south.recall', false],
    ])
    expect(verdict.passed).toBe(false)
    expect(evaluateGates({}, { candidate: { rocAuc: 0.99 } })).toEqual({ passed: false, results: [], skipped: [] })
    expect(() => evaluateGates({ min: { rocAuc: 0.7 } }, { candidate: {} })).toThrow(/candidate's rocAuc, which was not measured/)
  })
})
