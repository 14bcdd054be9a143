import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { Frame } from '../../src/core/frame.js'
import {
  chi2Sf,
  chiSquare,
  chooseTest,
  columnDrift,
  columnValues,
  datasetDrift,
  driftDefaults,
  driftPass,
  gammaincc,
  jensenShannon,
  jensenShannonNumeric,
  kolmogorovSf,
  ksTwoSample,
  logGamma,
  normalizedWasserstein,
  normalSf,
  proportionZTest,
  psi,
  psiCategorical,
  sketchCategorical,
  sketchColumn,
  sketchNumeric,
  smirnovSf,
  wasserstein,
} from '../../src/monitor/stats/index.js'

/** The fixtures' agreement rule: |actual − expected| ≤ 1e-6 · max(1, |expected|) — absolute below 1, relative above. */
const TOLERANCE = 1e-6

type Num = number | 'NaN' | 'Infinity' | '-Infinity'
const value = (x: Num): number => (typeof x === 'number' ? x : Number(x))

function expectClose(actual: number, expected: Num, label: string): void {
  const e = value(expected)
  if (Number.isNaN(e) || !Number.isFinite(e)) {
    expect(actual, label).toBe(e)
    return
  }
  expect(Math.abs(actual - e), `${label}: ${actual} vs scipy ${e}`).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(e)))
}

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../fixtures/drift/${name}`, import.meta.url), 'utf8')) as T

describe('special functions against scipy.special / scipy.stats', () => {
  const special = fixture<{
    gammaincc: { a: number; x: number; expected: Num }[]
    chi2Sf: { x: number; df: number; expected: Num }[]
    normalSf: { z: number; expected: Num }[]
    logGamma: { x: number; expected: Num }[]
  }>('special.json')

  it('gammaincc', () => {
    for (const c of special.gammaincc) expectClose(gammaincc(c.a, c.x), c.expected, `gammaincc(${c.a}, ${c.x})`)
  })
  it('chi2.sf', () => {
    for (const c of special.chi2Sf) expectClose(chi2Sf(c.x, c.df), c.expected, `chi2.sf(${c.x}, ${c.df})`)
  })
  it('norm.sf, relative in the far tail too', () => {
    for (const c of special.normalSf) {
      expectClose(normalSf(c.z), c.expected, `norm.sf(${c.z})`)
      expect(Math.abs(normalSf(c.z) / value(c.expected) - 1), `norm.sf(${c.z}) relative`).toBeLessThan(1e-12)
    }
  })
  it('gammaln', () => {
    for (const c of special.logGamma) expectClose(logGamma(c.x), c.expected, `gammaln(${c.x})`)
  })
})

describe('Kolmogorov distributions against scipy', () => {
  const k = fixture<{ kstwoSf: { n: number; x: number; expected: Num }[]; smirnovSf: { n: number; x: number; expected: Num }[] }>('kolmogorov.json')

  it('kstwo.sf over every branch of _kolmogn', () => {
    for (const c of k.kstwoSf) expectClose(kolmogorovSf(c.n, c.x), c.expected, `kstwo.sf(${c.x}, ${c.n})`)
  })
  it('special.smirnov', () => {
    for (const c of k.smirnovSf) expectClose(smirnovSf(c.n, c.x), c.expected, `smirnov(${c.n}, ${c.x})`)
  })
})

interface NumericCase {
  name: string
  a?: number[]
  b?: number[]
  scale?: number
  aInt?: number[]
  bInt?: number[]
  expected: Record<string, Num>
}

const numeric = fixture<{ cases: NumericCase[] }>('numeric.json').cases
const samples = (c: NumericCase): [Float64Array, Float64Array] => {
  if (c.a && c.b) return [Float64Array.from(c.a), Float64Array.from(c.b)]
  const scale = c.scale ?? 1
  return [Float64Array.from(c.aInt ?? [], (v) => v / scale), Float64Array.from(c.bInt ?? [], (v) => v / scale)]
}

describe.each(numeric)('numeric statistics against scipy: $name', (c) => {
  const [a, b] = samples(c)
  const e = c.expected

  it('ks_2samp statistic and p-value', () => {
    const ks = ksTwoSample(a, b)
    expectClose(ks.statistic, e.ksStatistic ?? 'NaN', 'statistic')
    expectClose(ks.pValue, e.ksPValue ?? 'NaN', 'p-value')
  })
  it('wasserstein_distance, and normed by the reference population std', () => {
    expectClose(wasserstein(a, b), e.wasserstein ?? 'NaN', 'wasserstein')
    expectClose(normalizedWasserstein(a, b), e.normalizedWasserstein ?? 'NaN', 'normalized')
  })
  it('PSI and Jensen–Shannon, with reference-quantile and Sturges bins', () => {
    expectClose(psi(a, b), e.psiQuantile ?? 'NaN', 'psi deciles')
    expectClose(psi(a, b, { bins: 20 }), e.psiQuantile20 ?? 'NaN', 'psi 20 bins')
    expectClose(psi(a, b, { binning: 'sturges' }), e.psiSturges ?? 'NaN', 'psi sturges')
    expectClose(jensenShannonNumeric(a, b, { binning: 'sturges' }), e.jensenShannonSturges ?? 'NaN', 'js sturges')
    expectClose(jensenShannonNumeric(a, b), e.jensenShannonQuantile ?? 'NaN', 'js deciles')
    // Evidently's first PSI (pd.qcut edges) agrees wherever no current value lies outside the reference range
    if (e.psiEvidentlyQcut !== undefined) expectClose(psi(a, b), e.psiEvidentlyQcut, 'psi vs pd.qcut')
  })
  it('gives the same answers from an exact reference sketch', () => {
    const sketch = JSON.parse(JSON.stringify(sketchNumeric(a)))
    expect(sketch.exact).toBe(true)
    expectClose(ksTwoSample(sketch, b).pValue, e.ksPValue ?? 'NaN', 'sketch ks')
    expectClose(normalizedWasserstein(sketch, b), e.normalizedWasserstein ?? 'NaN', 'sketch wasserstein')
    expectClose(psi(sketch, b), e.psiQuantile ?? 'NaN', 'sketch psi')
    expectClose(psi(sketch, b, { binning: 'sturges' }), e.psiSturges ?? 'NaN', 'sketch psi sturges')
  })
})

interface CategoricalCase {
  name: string
  reference: Record<string, number>
  current: Record<string, number>
  expected: Record<string, Num>
}

describe.each(fixture<{ cases: CategoricalCase[] }>('categorical.json').cases)('categorical statistics against scipy / Evidently: $name', (c) => {
  const e = c.expected
  it('chi-square (scipy.stats.chisquare of current vs reference proportions)', () => {
    const result = chiSquare(c.reference, c.current)
    expectClose(result.statistic, e.chiSquareStatistic ?? 'NaN', 'statistic')
    expectClose(result.pValue, e.chiSquarePValue ?? 'NaN', 'p-value')
  })
  it('proportion Z-test', () => {
    const result = proportionZTest(c.reference, c.current)
    expectClose(Math.abs(result.statistic), Math.abs(value(e.zStatistic ?? 'NaN')), '|z|')
    expectClose(result.pValue, e.zPValue ?? 'NaN', 'p-value (Evidently 2(1 − Φ))')
    expectClose(result.pValue, e.zPValueScipy ?? 'NaN', 'p-value (2 norm.sf)')
  })
  it('Jensen–Shannon distance (scipy, natural log and base 2)', () => {
    expectClose(jensenShannon(c.reference, c.current), e.jensenShannon ?? 'NaN', 'base e')
    expectClose(jensenShannon(c.reference, c.current, { base: 2 }), e.jensenShannonBase2 ?? 'NaN', 'base 2')
  })
  it('PSI over categories, new ones counted', () => {
    expectClose(psiCategorical(c.reference, c.current), e.psi ?? 'NaN', 'psi')
  })
})

interface ColumnCase {
  name: string
  kind: 'numeric' | 'categorical'
  reference: (number | string)[]
  current: (number | string)[]
  test: string
  score: Num
  drifted: boolean
}

describe.each(fixture<{ cases: ColumnCase[] }>('columns.json').cases)("columnDrift picks Evidently's default test: $name", (c) => {
  it('has the same test, score and verdict as Evidently', () => {
    const result =
      c.kind === 'numeric'
        ? columnDrift(c.name, sketchNumeric(c.reference as number[]), Float64Array.from(c.current as number[]))
        : columnDrift(c.name, sketchCategorical(c.reference), c.current)
    expect(result.test).toBe(c.test)
    expectClose(result.pValue ?? result.statistic, c.score, 'score')
    expect(result.drifted).toBe(c.drifted)
    expect(result.referenceRows).toBe(c.reference.length)
    expect(result.currentRows).toBe(c.current.length)
  })
})

/** A deterministic normal sample (Box–Muller on a 32-bit LCG), so property tests need no fixture. */
function normals(n: number, mean: number, seed: number): Float64Array {
  let state = seed >>> 0
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return (state + 0.5) / 2 ** 32
  }
  return Float64Array.from({ length: n }, () => mean + Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()))
}

describe('drift properties', () => {
  const reference = normals(2000, 0, 1)

  it('finds no drift between identical samples, whatever the test', () => {
    const sketch = sketchNumeric(reference)
    for (const test of ['ks', 'wasserstein', 'psi', 'jensenshannon'] as const) {
      const result = columnDrift('x', sketch, reference, { test })
      expect(result.drifted, test).toBe(false)
      if (test !== 'ks') expect(result.statistic, test).toBe(0)
    }
    expect(ksTwoSample(reference, reference)).toMatchObject({ statistic: 0, pValue: 1 })
    const counts = { a: 10, b: 20, c: 30 }
    expect(chiSquare(counts, counts).pValue).toBe(1)
    expect(proportionZTest({ a: 5, b: 7 }, { a: 5, b: 7 }).pValue).toBe(1)
    expect(jensenShannon(counts, counts)).toBe(0)
    expect(psiCategorical(counts, counts)).toBe(0)
  })

  it('finds drift in a shifted sample with every numeric test', () => {
    const shifted = normals(600, 0.5, 2)
    for (const test of ['ks', 'wasserstein', 'psi', 'jensenshannon'] as const) {
      expect(columnDrift('x', sketchNumeric(reference), shifted, { test }).drifted, test).toBe(true)
    }
  })

  it('counts a category new in the current window as drift', () => {
    const ref = sketchCategorical(Array.from({ length: 200 }, (_, i) => (i % 2 ? 'a' : 'b')))
    const cur = Array.from({ length: 200 }, (_, i) => ['a', 'b', 'c'][i % 3])
    const result = columnDrift('color', ref, cur)
    expect(result).toMatchObject({ test: 'chisquare', statistic: Number.POSITIVE_INFINITY, pValue: 0, drifted: true })
    expect(psiCategorical(ref.counts, sketchCategorical(cur).counts)).toBeGreaterThan(driftDefaults.thresholds.psi)
  })

  it('stays within 1/cap of the exact KS statistic from a capped sketch, with the p-value at the true size', () => {
    const big = normals(50_000, 0, 3)
    const current = normals(3000, 0.05, 4)
    const exact = ksTwoSample(big, current)
    const capped = sketchNumeric(big, { cap: 2000 })
    expect(capped.exact).toBe(false)
    expect(capped.sample).toHaveLength(2000)
    const approx = ksTwoSample(capped, current)
    expect(Math.abs(approx.statistic - exact.statistic)).toBeLessThanOrEqual(1 / 2000 + 1e-12)
    expect(approx.method).toBe(exact.method)
    expect(Math.abs(normalizedWasserstein(capped, current) - normalizedWasserstein(big, current))).toBeLessThan(0.01)
    expect(psi(capped, current)).toBeCloseTo(psi(big, current), 12) // deciles come from every value
  })

  it('keeps sketches as plain JSON', () => {
    const sketch = sketchNumeric([3, 1, Number.NaN, 2, Number.POSITIVE_INFINITY])
    expect(JSON.parse(JSON.stringify(sketch))).toEqual(sketch)
    expect(sketch).toMatchObject({ count: 3, missing: 2, mean: 2, min: 1, max: 3, sample: [1, 2, 3], exact: true })
    expect(sketchCategorical(['a', null, 'b', 'a', Number.NaN])).toEqual({ kind: 'categorical', count: 3, missing: 2, counts: { a: 2, b: 1 } })
  })
})

describe('test choice, thresholds and warnings', () => {
  it("chooses Evidently's defaults", () => {
    expect(chooseTest('numeric', 1000, 6)).toBe('ks')
    expect(chooseTest('numeric', 1000, 5)).toBe('chisquare')
    expect(chooseTest('numeric', 1000, 2)).toBe('z')
    expect(chooseTest('categorical', 1000, 3)).toBe('chisquare')
    expect(chooseTest('categorical', 1000, 2)).toBe('z')
    expect(chooseTest('numeric', 1001, 6)).toBe('wasserstein')
    expect(chooseTest('numeric', 1001, 5)).toBe('jensenshannon')
    expect(chooseTest('categorical', 1001, 2)).toBe('jensenshannon')
  })

  it('warns when a window is too small to judge, and when it is empty', () => {
    const ref = sketchNumeric(normals(500, 0, 5))
    expect(columnDrift('x', ref, normals(29, 0, 6)).warning).toMatch(/current window has 29 rows \(fewer than 30\)/)
    expect(columnDrift('x', ref, normals(30, 0, 6)).warning).toBeUndefined()
    expect(columnDrift('x', ref, normals(10, 0, 6), { minRows: 5 }).warning).toBeUndefined()
    const empty = columnDrift('x', ref, [Number.NaN, Number.NaN])
    expect(empty).toMatchObject({ drifted: false, currentRows: 0, warning: expect.stringMatching(/no values/) })
  })

  it('applies overrides of test and threshold', () => {
    const ref = sketchNumeric(normals(500, 0, 7))
    const result = columnDrift('x', ref, normals(300, 0.1, 8), { test: 'psi', threshold: 0.5 })
    expect(result).toMatchObject({ test: 'psi', threshold: 0.5, drifted: false })
    expect(result.pValue).toBeUndefined()
  })

  it('marks the dataset drifted when at least half of its columns drift', () => {
    const r = (drifted: boolean) => ({
      column: 'c',
      kind: 'numeric' as const,
      test: 'ks' as const,
      statistic: 0,
      threshold: 0.05,
      drifted,
      referenceRows: 1,
      currentRows: 1,
    })
    expect(datasetDrift([r(true), r(false)])).toEqual({ drifted: true, driftedColumns: 1, columns: 2, share: 0.5, threshold: 0.5 })
    expect(datasetDrift([r(true), r(false), r(false)]).drifted).toBe(false)
    expect(datasetDrift([r(true), r(false), r(false)], 0.3).drifted).toBe(true)
    expect(datasetDrift([]).drifted).toBe(false)
  })

  it('runs a pass column by column, reading each column once', async () => {
    const reference = { age: sketchNumeric(normals(800, 40, 9)), color: sketchCategorical(Array.from({ length: 800 }, (_, i) => (i % 4 ? 'red' : 'blue'))) }
    const read: string[] = []
    const window: Record<string, unknown> = { age: normals(200, 48, 10), color: Array.from({ length: 200 }, (_, i) => (i % 4 ? 'red' : 'blue')) }
    const pass = await driftPass(JSON.parse(JSON.stringify(reference)), async (name) => {
      read.push(name)
      return window[name] as Float64Array
    })
    expect(read).toEqual(['age', 'color'])
    expect(pass.columns.map((c) => [c.column, c.test, c.drifted])).toEqual([
      ['age', 'ks', true],
      ['color', 'z', false],
    ])
    expect(pass.dataset).toMatchObject({ drifted: true, driftedColumns: 1, columns: 2 })
  })

  it('takes Frame columns: numbers numeric, categories and booleans categorical, missing dropped', () => {
    const frame = Frame.fromRecords(
      Array.from({ length: 40 }, (_, i) => ({ x: i % 7 === 0 ? null : i, plan: i % 5 === 0 ? null : ['free', 'pro'][i % 2], paid: i % 3 === 0 })),
    )
    const x = sketchColumn(frame.column('x'))
    const plan = sketchColumn(frame.column('plan'))
    expect(x).toMatchObject({ kind: 'numeric', count: 34, missing: 6 })
    expect(plan).toMatchObject({ kind: 'categorical', count: 32, missing: 8 })
    expect(sketchColumn(frame.column('paid'))).toMatchObject({ kind: 'categorical', counts: { true: 14, false: 26 } })
    expect(columnDrift('plan', plan, columnValues(frame.column('plan')))).toMatchObject({ test: 'z', pValue: 1, drifted: false, currentRows: 32 })
  })

  it('rejects values that are not finite in the statistics themselves', () => {
    expect(() => ksTwoSample([1, Number.NaN], [1, 2])).toThrow(expect.objectContaining({ code: 'LEARN_INVALID_INPUT' }))
    expect(() => wasserstein([], [1])).toThrow(/no values/)
  })
})
