import { describe, expect, it } from 'vitest'
import { type ShapValues, treeShap } from '../../../src/learn/explain/tree-shap.js'
import { type Ensemble, rawPredict, type Tree } from '../../../src/learn/trees/tree.js'
import { bruteForceShap, buildTree, conditionalExpectation, randomColumns, randomTree, rng, rowOf, single } from './tree-shap-fixtures.js'

const shapAt = (s: ShapValues, i: number, f: number, k: number) => s.values[(i * s.nFeatures + f) * s.outputs + k] ?? Number.NaN

/** The largest |expected[k] + Σ_f shap[i,f,k] − rawPredict[i,k]| over all rows and outputs. */
function additivityError(e: Ensemble, columns: readonly Float64Array[], nRows: number): number {
  const shap = treeShap(e, columns, nRows)
  const raw = rawPredict(e, columns, nRows)
  let worst = 0
  for (let i = 0; i < nRows; i++) {
    for (let k = 0; k < shap.outputs; k++) {
      let sum = shap.expected[k] ?? Number.NaN
      for (let f = 0; f < shap.nFeatures; f++) sum += shapAt(shap, i, f, k)
      worst = Math.max(worst, Math.abs(sum - (raw[i * shap.outputs + k] ?? Number.NaN)))
    }
  }
  return worst
}

function weightsFor(random: () => number, nRows: number): Float64Array {
  return Float64Array.from({ length: nRows }, () => 0.05 + random())
}

const invalidInput = expect.objectContaining({ code: 'LEARN_INVALID_INPUT' })

const stump = buildTree({ f: 0, t: 0.5, left: { leaf: 1, cover: 3 }, right: { leaf: 5, cover: 1 } })

describe('treeShap against brute-force Shapley values', () => {
  it('matches exact subset enumeration on random trees with repeated features, NaNs and empty leaves', () => {
    const random = rng(7)
    let rowsChecked = 0
    for (let trial = 0; trial < 60; trial++) {
      const nFeatures = 1 + (trial % 5)
      const train = randomColumns(random, nFeatures, 40)
      const tree = randomTree(random, train, weightsFor(random, 40), 1 + (trial % 6))
      const rows = randomColumns(random, nFeatures, 8, 0.2)
      const shap = treeShap(single(tree, nFeatures), rows, 8)
      const none = new Array<boolean>(nFeatures).fill(false)
      expect(shap.expected[0]).toBeCloseTo(conditionalExpectation(tree, 1, 0, new Array<number>(nFeatures).fill(0), none), 9)
      for (let i = 0; i < 8; i++) {
        const exact = bruteForceShap(tree, 1, 0, rowOf(rows, i))
        exact.forEach((phi, f) => {
          expect(Math.abs(shapAt(shap, i, f, 0) - phi)).toBeLessThan(1e-9)
        })
        rowsChecked++
      }
    }
    expect(rowsChecked).toBe(480)
  })

  it('matches subset enumeration for every value slot of a width-3 tree', () => {
    const random = rng(11)
    const train = randomColumns(random, 4, 60)
    const tree = randomTree(random, train, weightsFor(random, 60), 5, 3)
    const e: Ensemble = { trees: [tree], width: 3, treeOutput: Int32Array.of(-1), base: new Float64Array(3), aggregate: 'sum', nFeatures: 4 }
    const rows = randomColumns(random, 4, 10, 0.2)
    const shap = treeShap(e, rows, 10)
    for (let i = 0; i < 10; i++) {
      for (let k = 0; k < 3; k++) {
        bruteForceShap(tree, 3, k, rowOf(rows, i)).forEach((phi, f) => {
          expect(Math.abs(shapAt(shap, i, f, k) - phi)).toBeLessThan(1e-9)
        })
      }
    }
  })
})

describe('treeShap attributions', () => {
  it('gives a stump on feature 0 the whole difference from the expected value and every other feature 0', () => {
    const columns = [Float64Array.of(0, 1), Float64Array.of(7, -7), Float64Array.of(3, 3)]
    const shap = treeShap(single(stump, 3), columns, 2)
    expect([...shap.expected]).toEqual([2])
    expect(shapAt(shap, 0, 0, 0)).toBeCloseTo(-1, 12)
    expect(shapAt(shap, 1, 0, 0)).toBeCloseTo(3, 12)
    for (const i of [0, 1]) for (const f of [1, 2]) expect(shapAt(shap, i, f, 0)).toBe(0)
  })

  it('gives exactly 0 to a feature the tree never splits on', () => {
    const tree = buildTree({
      f: 0,
      t: 1.5,
      left: { f: 1, t: 0.5, left: { leaf: -1, cover: 4 }, right: { f: 0, t: 0.5, left: { leaf: 2, cover: 2 }, right: { leaf: 3, cover: 1 } } },
      right: { f: 3, t: 2.5, left: { leaf: 0.5, cover: 5 }, right: { leaf: 4, cover: 3 } },
    })
    const random = rng(3)
    const columns = randomColumns(random, 4, 50, 0.2)
    const shap = treeShap(single(tree, 4), columns, 50)
    for (let i = 0; i < 50; i++) expect(shapAt(shap, i, 2, 0)).toBe(0)
    expect(additivityError(single(tree, 4), columns, 50)).toBeLessThan(1e-12)
  })

  it('sends a NaN down the missingLeft branch, like the value that branch stands for', () => {
    const stumpMissing = (missingLeft: boolean) =>
      single(buildTree({ f: 0, t: 0.5, missingLeft, left: { leaf: 1, cover: 3 }, right: { leaf: 5, cover: 1 } }), 2)
    const columns = [Float64Array.of(Number.NaN, 0, 1), Float64Array.of(0, 0, 0)]
    const viaLeft = treeShap(stumpMissing(true), columns, 3)
    const viaRight = treeShap(stumpMissing(false), columns, 3)
    expect(shapAt(viaLeft, 0, 0, 0)).toBeCloseTo(-1, 12)
    expect(shapAt(viaLeft, 0, 0, 0)).toBe(shapAt(viaLeft, 1, 0, 0))
    expect(shapAt(viaRight, 0, 0, 0)).toBeCloseTo(3, 12)
    expect(shapAt(viaRight, 0, 0, 0)).toBe(shapAt(viaRight, 2, 0, 0))
  })

  it('lays values out row by feature by output', () => {
    const tree = buildTree({ f: 1, t: 0, left: { leaf: [1, 10], cover: 1 }, right: { leaf: [3, 30], cover: 1 } }, 2)
    const e: Ensemble = { trees: [tree], width: 2, treeOutput: Int32Array.of(-1), base: Float64Array.of(0, 0), aggregate: 'sum', nFeatures: 2 }
    const shap = treeShap(e, [Float64Array.of(0, 0), Float64Array.of(-1, 1)], 2)
    expect(shap).toMatchObject({ nRows: 2, nFeatures: 2, outputs: 2 })
    expect([...shap.expected]).toEqual([2, 20])
    expect([...shap.values]).toEqual([0, 0, -1, -10, 0, 0, 1, 10])
  })
})

describe('treeShap additivity: expected + Σ shap = rawPredict', () => {
  it('holds for a hand-built two-class boosting ensemble with a base margin', () => {
    const trees: Tree[] = [
      stump,
      buildTree({
        f: 1,
        t: 2,
        missingLeft: true,
        left: { f: 0, t: 0.5, left: { leaf: 0.3, cover: 2 }, right: { leaf: -0.2, cover: 2 } },
        right: { leaf: 0.7, cover: 6 },
      }),
      buildTree({ f: 2, t: 0, left: { leaf: -1, cover: 5 }, right: { f: 1, t: 1, left: { leaf: 2, cover: 1 }, right: { leaf: 0, cover: 4 } } }),
      buildTree({ leaf: 0.25, cover: 10 }),
    ]
    const e: Ensemble = { trees, width: 1, treeOutput: Int32Array.of(0, 1, 0, 1), base: Float64Array.of(-0.5, 0.4), aggregate: 'sum', nFeatures: 3 }
    const columns = [Float64Array.of(0, 1, Number.NaN, 0.5), Float64Array.of(3, Number.NaN, 1, 2), Float64Array.of(-1, 1, 0, Number.NaN)]
    expect(additivityError(e, columns, 4)).toBeLessThan(1e-6)
    const shap = treeShap(e, columns, 4)
    expect(shap.expected[0]).toBeCloseTo(-0.5 + 2 + (5 * -1 + 2 + 0) / 10, 12)
    expect(shap.expected[1]).toBeCloseTo(0.4 + (0.6 - 0.4 + 4.2) / 10 + 0.25, 12)
  })

  it('holds for a mean ensemble of width-2 trees, each feeding both outputs', () => {
    const trees = [
      buildTree({ f: 0, t: 0.5, left: { leaf: [0.9, 0.1], cover: 6 }, right: { leaf: [0.2, 0.8], cover: 4 } }, 2),
      buildTree(
        { f: 1, t: 1.5, left: { f: 0, t: 1.5, left: { leaf: [1, 0], cover: 3 }, right: { leaf: [0.5, 0.5], cover: 3 } }, right: { leaf: [0, 1], cover: 4 } },
        2,
      ),
      buildTree({ f: 1, t: 0.5, missingLeft: true, left: { leaf: [0.6, 0.4], cover: 7 }, right: { leaf: [0.3, 0.7], cover: 3 } }, 2),
    ]
    const e: Ensemble = { trees, width: 2, treeOutput: Int32Array.of(-1, -1, -1), base: Float64Array.of(0, 0), aggregate: 'mean', nFeatures: 2 }
    const columns = [Float64Array.of(0, 1, 2, Number.NaN), Float64Array.of(0, 2, Number.NaN, 1)]
    expect(additivityError(e, columns, 4)).toBeLessThan(1e-6)
    const shap = treeShap(e, columns, 4)
    expect(shap.expected[0]).toBeCloseTo((0.62 + 0.45 + 0.51) / 3, 12)
    expect((shap.expected[0] ?? 0) + (shap.expected[1] ?? 0)).toBeCloseTo(1, 12)
  })

  it('holds for random boosting and forest ensembles of depth 6 on rows with missing values', () => {
    const random = rng(2024)
    const nFeatures = 8
    const train = randomColumns(random, nFeatures, 300)
    const rows = randomColumns(random, nFeatures, 100, 0.15)
    const boosted = Array.from({ length: 30 }, () => randomTree(random, train, weightsFor(random, 300), 6))
    const boosting: Ensemble = {
      trees: boosted,
      width: 1,
      treeOutput: Int32Array.from(boosted, (_, t) => t % 3),
      base: Float64Array.of(0.1, -0.2, 0.3),
      aggregate: 'sum',
      nFeatures,
    }
    const grown = Array.from({ length: 20 }, () => randomTree(random, train, weightsFor(random, 300), 6, 2))
    const forest: Ensemble = { trees: grown, width: 2, treeOutput: new Int32Array(20).fill(-1), base: new Float64Array(2), aggregate: 'mean', nFeatures }
    expect(additivityError(boosting, rows, 100)).toBeLessThan(1e-6)
    expect(additivityError(forest, rows, 100)).toBeLessThan(1e-6)
  })

  it('holds even when a parent cover is not the sum of its children covers', () => {
    const random = rng(13)
    const train = randomColumns(random, 4, 80)
    const tree = randomTree(random, train, weightsFor(random, 80), 5)
    const skewed = { ...tree, cover: tree.cover.map((c, node) => ((tree.feature[node] ?? -1) >= 0 ? c * (0.5 + random()) : c)) }
    expect(additivityError(single(skewed, 4), randomColumns(random, 4, 40, 0.2), 40)).toBeLessThan(1e-6)
  })

  it('holds for a mean ensemble whose trees feed different outputs', () => {
    const random = rng(5)
    const train = randomColumns(random, 3, 50)
    const trees = Array.from({ length: 5 }, () => randomTree(random, train, weightsFor(random, 50), 4))
    const e: Ensemble = { trees, width: 1, treeOutput: Int32Array.of(0, 1, 1, 1, 0), base: Float64Array.of(1, 2), aggregate: 'mean', nFeatures: 3 }
    expect(additivityError(e, randomColumns(random, 3, 30, 0.2), 30)).toBeLessThan(1e-6)
  })
})

describe('treeShap input checks', () => {
  it('rejects a column count that differs from the ensemble', () => {
    expect(() => treeShap(single(stump, 2), [Float64Array.of(1)], 1)).toThrow(invalidInput)
  })

  it('rejects columns shorter than nRows', () => {
    expect(() => treeShap(single(stump, 1), [Float64Array.of(1)], 2)).toThrow(invalidInput)
  })

  it('rejects a split on a feature the ensemble does not have', () => {
    const tree = buildTree({ f: 3, t: 0, left: { leaf: 0, cover: 1 }, right: { leaf: 1, cover: 1 } })
    expect(() => treeShap(single(tree, 2), [Float64Array.of(1), Float64Array.of(1)], 1)).toThrow(invalidInput)
  })

  it('rejects a split whose node has no cover', () => {
    const noCover = { ...stump, cover: Float64Array.of(0, 0, 0) }
    expect(() => treeShap(single(noCover, 1), [Float64Array.of(1)], 1)).toThrow(invalidInput)
  })

  it('rejects a tree feeding all outputs when the width differs from the output count', () => {
    const e: Ensemble = { ...single(stump, 1), treeOutput: Int32Array.of(-1), base: Float64Array.of(0, 0) }
    expect(() => treeShap(e, [Float64Array.of(1)], 1)).toThrow(invalidInput)
  })

  it('returns the base alone for an ensemble without trees', () => {
    const e: Ensemble = { trees: [], width: 1, treeOutput: new Int32Array(0), base: Float64Array.of(0.5, 1.5), aggregate: 'sum', nFeatures: 2 }
    const shap = treeShap(e, [Float64Array.of(1), Float64Array.of(2)], 1)
    expect([...shap.expected]).toEqual([0.5, 1.5])
    expect([...shap.values]).toEqual([0, 0, 0, 0])
  })
})
