import { describe, expect, it } from 'vitest'
import { analyzeCanary } from '../../src/monitor/canary.js'
import type { WindowRow } from '../../src/stores/metadata-store.js'

const row = (alias: string, output: unknown, label: unknown, i: number): WindowRow => ({
  id: `${alias}${i}`,
  at: i,
  version: alias === 'champion' ? 1 : 2,
  alias,
  output: JSON.stringify(output),
  latencyMs: 1,
  fallback: false,
  label: JSON.stringify(label),
})

describe('canary analysis', () => {
  it('compares accuracy with a two-proportion z-test (values from scipy: z = 3.0861, p = 0.0020282)', () => {
    const rows = [
      ...Array.from({ length: 100 }, (_, i) => row('champion', { label: 'yes' }, i < 80 ? 'yes' : 'no', i)),
      ...Array.from({ length: 100 }, (_, i) => row('challenger', { label: 'yes' }, i < 60 ? 'yes' : 'no', i)),
    ]
    const result = analyzeCanary(rows, 'binary', { minSamples: 100 })
    expect(result.champion).toEqual({ n: 100, score: 0.8 })
    expect(result.challenger).toEqual({ n: 100, score: 0.6 })
    expect(result.statistic).toBeCloseTo(-3.086066999241839, 10)
    expect(result.pValue).toBeCloseTo(0.0020282311484520745, 12)
    expect(result.verdict).toBe('worse')
    expect(result.reason).toMatch(/^challenger significantly worse at 0.05: accuracy 0.6000 \(challenger, n=100\) vs 0.8000 \(champion, n=100\)/)
  })

  it('compares squared errors with Welch’s statistic (scipy: t = 2.15401) and a normal tail', () => {
    const rows = [
      ...Array.from({ length: 120 }, (_, i) => row('champion', 0, Math.sqrt((i % 7) * 0.5), i)),
      ...Array.from({ length: 130 }, (_, i) => row('challenger', 0, Math.sqrt((i % 5) * 0.9), i)),
    ]
    const result = analyzeCanary(rows, 'regression', { minSamples: 100 })
    expect(result.statistic).toBeCloseTo(-2.1540087505430714, 9)
    expect(result.pValue).toBeCloseTo(0.03123948568781492, 9)
    expect(result.verdict).toBe('worse')
  })

  it('gives no verdict below the minimum sample, and none without a significant difference', () => {
    const few = [row('champion', { label: 'a' }, 'a', 1), row('challenger', { label: 'a' }, 'b', 2)]
    expect(analyzeCanary(few, 'binary').verdict).toBe('insufficient')
    const same = [
      ...Array.from({ length: 150 }, (_, i) => row('champion', { label: 'a' }, i % 4 === 0 ? 'b' : 'a', i)),
      ...Array.from({ length: 150 }, (_, i) => row('challenger', { label: 'a' }, i % 4 === 1 ? 'b' : 'a', i)),
    ]
    expect(analyzeCanary(same, 'binary').verdict).toBe('inconclusive')
  })

  it('decides "not better" once both arms reach maxSamples without a significant gain, and not before', () => {
    const arms = (n: number) => [
      ...Array.from({ length: n }, (_, i) => row('champion', { label: 'a' }, i % 4 === 0 ? 'b' : 'a', i)),
      ...Array.from({ length: n }, (_, i) => row('challenger', { label: 'a' }, i % 5 === 0 ? 'b' : 'a', i)),
    ]
    expect(analyzeCanary(arms(199), 'binary', { maxSamples: 200 }).verdict).toBe('inconclusive')
    const spent = analyzeCanary(arms(200), 'binary', { maxSamples: 200 })
    expect(spent.verdict).toBe('not better')
    expect(spent.reason).toMatch(/^challenger not significantly better at 0.05 after 200 labelled predictions per arm: accuracy 0.8000/)
    // a significant gain is still a gain when the budget is spent
    const better = [
      ...Array.from({ length: 300 }, (_, i) => row('champion', { label: 'a' }, i % 2 === 0 ? 'b' : 'a', i)),
      ...Array.from({ length: 300 }, (_, i) => row('challenger', { label: 'a' }, i % 10 === 0 ? 'b' : 'a', i)),
    ]
    expect(analyzeCanary(better, 'binary', { maxSamples: 200 }).verdict).toBe('better')
  })
})
