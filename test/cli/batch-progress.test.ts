import { describe, expect, it } from 'vitest'
import { progressLine } from '../../src/cli/commands/batch.js'

describe('keel batch progress line', () => {
  it('shows the bar, the counts and an ETA while scoring', () => {
    expect(progressLine({ phase: 'scoring', percent: 41.2, done: 412_000, total: 1_000_000, scored: 411_997, rejected: 3, seconds: 2 })).toBe(
      'scoring [##########..............]  41%  412,000/1,000,000 rows · 3 rejected · ETA 3s',
    )
  })

  it('shows no bar for a phase DuckDB reports no progress for', () => {
    expect(progressLine({ phase: 'reading', percent: 0, done: 0, total: 0, scored: 0, rejected: 0, seconds: 0.2 })).toBe('reading…')
    expect(progressLine({ phase: 'writing', percent: 0, done: 10, total: 10, scored: 9, rejected: 1, seconds: 1 })).toBe('writing…  10/10 rows · 1 rejected')
  })
})
