import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { Frame } from '../../../src/core/frame.js'
import { fitImpute } from '../../../src/learn/preprocess/impute.js'
import { Preprocessor } from '../../../src/learn/preprocess/preprocessor.js'
import { fitStandardScale } from '../../../src/learn/preprocess/scale.js'

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/linear-preprocess.json', import.meta.url), 'utf8'))
const values = (...v: number[]) => Float64Array.from(v)

describe('fitImpute', () => {
  const x = values(3, Number.NaN, 1, 2, 2, Number.NaN, 10)

  it('fills with the mean, median, most frequent value or a constant', () => {
    expect(fitImpute(x, 'mean')).toBe(18 / 5)
    expect(fitImpute(x, 'median')).toBe(2)
    expect(fitImpute(values(4, 1, 3, 2), 'median')).toBe(2.5)
    expect(fitImpute(x, 'most-frequent')).toBe(2)
    expect(fitImpute(x, { constant: -7 })).toBe(-7)
  })

  it('finds the exact median of large columns, shuffled, sorted or with many ties', () => {
    let seed = 7
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    }
    const sortedMedian = (v: Float64Array) => {
      const s = v.filter((x) => !Number.isNaN(x)).sort()
      const mid = s.length >> 1
      return s.length % 2 === 1 ? s[mid] : ((s[mid - 1] as number) + (s[mid] as number)) / 2
    }
    const columns = [
      Float64Array.from({ length: 50_000 }, () => random() * 1000 - 300),
      Float64Array.from({ length: 50_001 }, () => Math.floor(random() * 7)),
      Float64Array.from({ length: 40_000 }, (_, i) => (i % 3 === 0 ? Number.NaN : i)),
      Float64Array.from({ length: 30_001 }, (_, i) => -i),
      new Float64Array(20_000).fill(4),
    ]
    for (const column of columns) expect(fitImpute(column, 'median')).toBe(sortedMedian(column))
  })

  it('breaks most-frequent ties towards the smallest value, as scikit-learn does', () => {
    expect(fitImpute(values(5, 5, 1, 1, 9), 'most-frequent')).toBe(1)
  })

  it('fills an all-missing column with 0 rather than NaN', () => {
    for (const s of ['mean', 'median', 'most-frequent'] as const) expect(fitImpute(values(Number.NaN, Number.NaN), s)).toBe(0)
  })
})

describe('standard scaling', () => {
  it("matches scikit-learn's StandardScaler, a constant column keeping scale 1", () => {
    const { mean, scale, output } = fixture.scaler as { mean: number[]; scale: number[]; output: number[][] }
    const train = Frame.fromRecords(fixture.train)
    const prep = Preprocessor.fit(train, [
      { name: 'a', kind: 'number' },
      { name: 'b', kind: 'number' },
      { name: 'c', kind: 'number' },
    ])
    const keelScales = ['a', 'b', 'c'].map((n) => {
      const column = train.column(n)
      return fitStandardScale(column.kind === 'number' ? column.values : new Float64Array(0))
    })
    keelScales.forEach((s, j) => {
      expect(Math.abs(s.center - (mean[j] as number))).toBeLessThan(1e-12)
      expect(Math.abs(s.scale - (scale[j] as number))).toBeLessThan(1e-12)
    })
    expect(keelScales[2]?.scale).toBe(1)
    const { x } = prep.transform(train)
    let gap = 0
    output.forEach((row, i) => {
      row.forEach((v, j) => {
        gap = Math.max(gap, Math.abs((x[i * 3 + j] as number) - v))
      })
    })
    expect(gap).toBeLessThan(1e-12)
  })

  it('uses the population standard deviation', () => {
    expect(fitStandardScale(values(1, 3))).toEqual({ center: 2, scale: 1 })
  })
})
