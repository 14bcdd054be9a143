/** @module Loads the scikit-learn reference answers written by scripts/fixtures/linear.py. */
import { readFileSync } from 'node:fs'
import { Frame } from '../../../src/core/frame.js'

export interface SklearnFit {
  readonly names: string[]
  readonly coef: number[][]
  readonly intercept: number[]
  readonly classes?: string[]
  readonly trainProba?: number[][]
  readonly testProba?: number[][]
  readonly trainPred?: number[]
  readonly testPred?: number[]
}

export interface LinearFixture {
  readonly train: Frame
  readonly test: Frame
  readonly label: string
  readonly fits: Record<string, SklearnFit>
}

export function loadFixture(name: 'binary' | 'multiclass' | 'regression'): LinearFixture {
  const raw = JSON.parse(readFileSync(new URL(`../../fixtures/linear-${name}.json`, import.meta.url), 'utf8'))
  return { train: Frame.fromRecords(raw.train), test: Frame.fromRecords(raw.test), label: raw.label, fits: raw.fits }
}

/** scikit-learn's `num__x0` / `cat__color_red` / `flag__flag` as Keel names `x0` / `color=red` / `flag`. */
export function keelName(sklearnName: string): string {
  const bare = sklearnName.replace(/^[a-z]+__/, '')
  return sklearnName.startsWith('cat__') ? bare.replace(/^([^_]+)_/, '$1=') : bare
}

/** Largest absolute difference between scikit-learn's coefficients and Keel's, matched by column name. */
export function maxCoefficientGap(
  fit: SklearnFit,
  keel: { names: readonly string[]; weights: Float64Array; intercepts: Float64Array },
  unmatchedMustBeZero: boolean,
): number {
  const p = keel.names.length
  let gap = 0
  fit.coef.forEach((row, o) => {
    const matched = new Set<number>()
    fit.names.forEach((name, j) => {
      const at = keel.names.indexOf(keelName(name))
      if (at < 0) throw new Error(`Keel has no column for ${name}`)
      matched.add(at)
      gap = Math.max(gap, Math.abs((keel.weights[o * p + at] as number) - (row[j] as number)))
    })
    // columns scikit-learn does not have (the unknown bucket) carry no weight
    if (unmatchedMustBeZero) for (let j = 0; j < p; j++) if (!matched.has(j)) gap = Math.max(gap, Math.abs(keel.weights[o * p + j] as number))
    gap = Math.max(gap, Math.abs((keel.intercepts[o] as number) - (fit.intercept[o] as number)))
  })
  return gap
}

export function maxGap(a: ArrayLike<number>, b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`)
  let gap = 0
  for (let i = 0; i < b.length; i++) gap = Math.max(gap, Math.abs((a[i] as number) - (b[i] as number)))
  return gap
}
