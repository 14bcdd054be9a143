import { describe, expect, it } from 'vitest'
import { createRandom } from '../../../src/learn/random.js'
import { assignBins, binFeatures, binThresholds, radixSort } from '../../../src/learn/trees/binning.js'

function messyColumn(n: number, seed: number): Float64Array {
  const r = createRandom(seed)
  return Float64Array.from({ length: n }, () => {
    const u = r.next()
    if (u < 0.1) return Number.NaN
    if (u < 0.3) return 7 // a heavy repeated value
    if (u < 0.32) return r.next() < 0.5 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY
    return Math.round(r.next() * 1e6) / 1e3
  })
}

describe('binFeatures', () => {
  it('gives thresholds that reproduce every bin partition exactly on the training values', () => {
    const columns = [messyColumn(5000, 1), messyColumn(5000, 2)]
    const bins = binFeatures(columns, 5000, 64)
    columns.forEach((x, f) => {
      const codes = bins.codes[f] as Uint8Array
      const thresholds = bins.thresholds[f] as Float64Array
      const nb = bins.nBins[f] as number
      expect(nb).toBeLessThanOrEqual(63)
      let mismatches = 0
      for (let b = 0; b < nb - 1; b++) {
        for (let i = 0; i < x.length; i++) {
          const v = x[i] as number
          const ok = Number.isNaN(v) ? codes[i] === nb : (codes[i] as number) <= b === v <= (thresholds[b] as number)
          if (!ok) mismatches++
        }
      }
      expect(nb).toBeGreaterThan(30)
      expect(mismatches).toBe(0)
    })
  })

  it('bins tall columns from a sample and still reproduces every partition', () => {
    const n = 250_000
    const r = createRandom(4)
    const x = Float64Array.from({ length: n }, () => (r.next() < 0.01 ? Number.NaN : r.next() ** 3))
    x[4] = 5 // a maximum the evenly spaced sample (rows 0, 1, 2, 3, 5…) skips
    const bins = binFeatures([x], n)
    const codes = bins.codes[0] as Uint8Array
    const thresholds = bins.thresholds[0] as Float64Array
    const nb = bins.nBins[0] as number
    expect(nb).toBe(255)
    expect(codes[4]).toBe(nb - 1)
    let mismatches = 0
    for (let i = 0; i < n; i++) {
      const v = x[i] as number
      const c = codes[i] as number
      const ok = Number.isNaN(v) ? c === nb : v <= (thresholds[c] as number) && (c === 0 || v > (thresholds[c - 1] as number))
      if (!ok) mismatches++
    }
    expect(mismatches).toBe(0)
  })

  it('gives each distinct value its own bin when there are few', () => {
    const t = binThresholds(Float64Array.of(3, 1, 2, 2, Number.NaN, 1), 6, 255)
    expect(Array.from(t)).toEqual([1.5, 2.5, Number.POSITIVE_INFINITY])
    expect(Array.from(assignBins(Float64Array.of(1, 2, 3, Number.NaN, 0, 99), 6, t))).toEqual([0, 1, 2, 3, 0, 2])
  })

  it('splits many distinct values into roughly equal-count quantile bins', () => {
    const x = Float64Array.from({ length: 10_000 }, (_, i) => i)
    const bins = binFeatures([x], x.length, 11)
    expect(bins.nBins[0]).toBe(10)
    const counts = new Array(10).fill(0)
    for (const c of bins.codes[0] as Uint8Array) counts[c]++
    for (const c of counts) expect(c).toBe(1000)
  })

  it('handles constant and all-missing columns, and lays features out in one histogram', () => {
    const bins = binFeatures([new Float64Array(5).fill(4), new Float64Array(5).fill(Number.NaN)], 5, 256)
    expect(Array.from(bins.nBins)).toEqual([1, 0])
    expect(Array.from(bins.offsets)).toEqual([0, 2])
    expect(bins.totalBins).toBe(3)
    expect(Array.from(bins.codes[0] as Uint8Array)).toEqual([0, 0, 0, 0, 0])
    expect(Array.from(bins.codes[1] as Uint8Array)).toEqual([0, 0, 0, 0, 0])
  })

  it('never exceeds 255 value bins, keeping the missing code within a byte', () => {
    const x = Float64Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? Number.NaN : i * 0.37))
    const bins = binFeatures([x], x.length)
    expect(bins.nBins[0]).toBe(255)
    expect(Math.max(...(bins.codes[0] as Uint8Array))).toBe(255)
  })
})

describe('radixSort', () => {
  it('orders doubles exactly as Float64Array.prototype.sort does, signed zeros and extremes included', () => {
    const r = createRandom(21)
    const cases = [
      Float64Array.from({ length: 5000 }, () => (r.next() - 0.5) * 10 ** Math.floor(r.next() * 30 - 15)),
      Float64Array.from({ length: 5000 }, () => Math.floor(r.next() * 24)),
      Float64Array.of(0, -0, 1, -1, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, Infinity, -Infinity, 0.5, -0.5),
      Float64Array.of(3, 3, 3),
      new Float64Array(0),
    ]
    for (const values of cases) {
      const got = radixSort(Float64Array.from(values))
      const want = Float64Array.from(values).sort()
      expect(Array.from(got).map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(Array.from(want).map((v) => (Object.is(v, -0) ? '-0' : v)))
    }
  })
})
