import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { Frame } from '../../../src/core/frame.js'
import { gbdt } from '../../../src/learn/learners/gbdt.js'

interface Fixture {
  readonly params: Record<string, number>
  readonly columns: Record<string, (number | null)[]>
  readonly binary: { readonly y: number[]; readonly predictions: number[] }
  readonly regression: { readonly y: number[]; readonly predictions: number[] }
}

// written once by scripts/fixtures/trees-xgboost.py (XGBoost 1.7, tree_method 'hist')
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/trees-xgboost.json', import.meta.url), 'utf8')) as Fixture

function frameWith(y: number[]): Frame {
  const columns = Object.fromEntries(
    Object.entries(fixture.columns).map(([name, values]) => [name, { kind: 'number' as const, values: Float64Array.from(values, (v) => v ?? Number.NaN) }]),
  )
  return new Frame({ ...columns, y: { kind: 'number', values: Float64Array.from(y) } })
}

describe('gbdt against XGBoost', () => {
  // XGBoost sums float32 leaf values, so agreement is to float32 precision
  it('matches XGBoost binary:logistic probabilities, missing values included', async () => {
    const frame = frameWith(fixture.binary.y)
    const model = await gbdt(fixture.params).fit(frame, { label: 'y' })
    const p = model.predict(frame).values
    fixture.binary.predictions.forEach((want, i) => {
      expect(p[2 * i + 1]).toBeCloseTo(want, 5)
    })
  })

  it('matches XGBoost reg:squarederror predictions', async () => {
    const frame = frameWith(fixture.regression.y)
    const model = await gbdt(fixture.params).fit(frame, { label: 'y' })
    const p = model.predict(frame).values
    fixture.regression.predictions.forEach((want, i) => {
      expect(p[i]).toBeCloseTo(want, 4)
    })
  })
})
