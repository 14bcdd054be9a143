/** @module The two-sample Kolmogorov–Smirnov test, as `scipy.stats.ks_2samp(a, b)` (two-sided, method 'auto'). */
import { kolmogorovSf } from './kolmogorov.js'
import { type NumericSample, resolveSample, type SortedSample } from './sketch.js'

/** scipy's 'auto' switch: the exact p-value when both samples have at most this many values. */
const MAX_EXACT_N = 10_000

export interface KsResult {
  /** sup |F_a − F_b|; in the exact method rounded to a multiple of 1/lcm(n_a, n_b), as scipy. */
  readonly statistic: number
  readonly pValue: number
  /** 'exact' (Hodges' lattice-path count) or 'asymp' (the Kolmogorov distribution of D at n_a n_b/(n_a + n_b)). */
  readonly method: 'exact' | 'asymp'
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))

/** numpy's round: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x)
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r
}

/** sup of the ECDF difference over both samples' values; the ECDFs step by 1/length of each sorted array. */
function statistic(a: Float64Array, b: Float64Array): number {
  let i = 0
  let j = 0
  let max = Number.NEGATIVE_INFINITY
  let min = Number.POSITIVE_INFINITY
  while (i < a.length || j < b.length) {
    const x = Math.min(a[i] ?? Number.POSITIVE_INFINITY, b[j] ?? Number.POSITIVE_INFINITY)
    while (i < a.length && a[i] === x) i++
    while (j < b.length && b[j] === x) j++
    const diff = i / a.length - j / b.length
    if (diff > max) max = diff
    if (diff < min) min = diff
  }
  const minS = Math.min(Math.max(-min, 0), 1)
  return minS > max ? minS : max
}

/**
 * Pr(D_{n,n} ≥ h/n), Hodges' formula evaluated as scipy's `_compute_prob_outside_square`
 * (Horner-like, no subtractive cancellation).
 */
export function probOutsideSquare(n: number, h: number): number {
  let p = 0
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1)
    p = p1 * (1 - p)
  }
  return 2 * p
}

/**
 * The share of lattice paths from (0,0) to (m,n) that leave the band |x/m − y/n| < h/lcm,
 * by the inside method with Viehmann's recursion for 1 − p (scipy `_compute_outer_prob_inside_method`).
 */
export function probOutsideBand(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 >= n0 ? [m0, n0] : [n0, m0]
  const mg = m / g
  const ng = n / g
  let minj = 0
  let maxj = Math.min(Math.ceil(h / mg), n + 1)
  let curlen = maxj - minj
  const A = new Float64Array(Math.min(2 * maxj + 2, n + 1)).fill(1)
  A.fill(0, minj, maxj)
  for (let i = 1; i <= m; i++) {
    const lastminj = minj
    const lastlen = curlen
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n)
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1)
    if (maxj <= minj) return 1
    let val = minj === 0 ? 0 : 1
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj
      val = ((A[jj + minj - lastminj] ?? 0) * i + val * j) / (i + j)
      A[jj] = val
    }
    curlen = maxj - minj
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen))
  }
  return A[maxj - minj - 1] ?? Number.NaN
}

/** scipy's `_attempt_exact_2kssamp` (two-sided): the exact p-value, or undefined when it fails numerically. */
function exactPValue(n1: number, n2: number, d: number): { d: number; p: number } | undefined {
  const g = gcd(n1, n2)
  const lcm = (n1 / g) * n2
  const h = roundHalfEven(d * lcm)
  const rounded = h / lcm
  if (h === 0) return { d: rounded, p: 1 }
  const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h)
  return p >= 0 && p <= 1 ? { d: rounded, p } : undefined
}

/** The test on resolved samples; the p-value uses each sample's `count` (its true size, also for a capped sketch). */
export function ksFromSorted(a: SortedSample, b: SortedSample): KsResult {
  const d = statistic(a.sorted, b.sorted)
  const n1 = a.count
  const n2 = b.count
  if (Math.max(n1, n2) <= MAX_EXACT_N) {
    const exact = exactPValue(n1, n2, d)
    if (exact) return { statistic: exact.d, pValue: exact.p, method: 'exact' }
  }
  const en = (n1 * n2) / (n1 + n2)
  const p = kolmogorovSf(roundHalfEven(en), d)
  return { statistic: d, pValue: Math.min(1, Math.max(0, p)), method: 'asymp' }
}

/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, as `scipy.stats.ks_2samp(a, b)`
 * with method 'auto': the exact p-value when both samples have at most 10 000
 * values, the asymptotic one otherwise (and when the exact one fails numerically).
 * Either sample may be a {@link NumericSketch}; a capped sketch gives an
 * approximate statistic (within about 1/cap) with the p-value at its true size.
 *
 * @example
 * ```ts
 * ksTwoSample(Float64Array.of(1, 2, 3, 4), Float64Array.of(5, 6, 7, 8)) // { statistic: 1, pValue: 0.0285…, method: 'exact' }
 * ```
 */
export function ksTwoSample(a: NumericSample, b: NumericSample): KsResult {
  return ksFromSorted(resolveSample('ksTwoSample', a), resolveSample('ksTwoSample', b))
}
