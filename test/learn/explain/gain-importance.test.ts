import { describe, expect, it } from 'vitest'
import { gainImportance } from '../../../src/learn/explain/gain-importance.js'
import type { Ensemble, Tree } from '../../../src/learn/trees/tree.js'
import { buildTree } from './tree-shap-fixtures.js'

const boosting = (trees: Tree[], treeOutput: number[], nFeatures: number): Ensemble => ({
  trees,
  width: 1,
  treeOutput: Int32Array.from(treeOutput),
  base: new Float64Array(Math.max(...treeOutput, 0) + 1),
  aggregate: 'sum',
  nFeatures,
})

const first = buildTree({
  f: 0,
  t: 1,
  gain: 6,
  left: { f: 2, t: 0, gain: 2, left: { leaf: 1, cover: 1 }, right: { leaf: 2, cover: 1 } },
  right: { f: 0, t: 3, gain: 1, left: { leaf: 3, cover: 1 }, right: { leaf: 4, cover: 1 } },
})
const second = buildTree({
  f: 2,
  t: 5,
  gain: 3,
  left: { leaf: 0, cover: 2 },
  right: { f: 3, t: 0, gain: 8, left: { leaf: 1, cover: 1 }, right: { leaf: 0, cover: 1 } },
})

describe('gainImportance', () => {
  it('sums gains and counts splits per feature over every tree, whatever output it feeds', () => {
    const imp = gainImportance(boosting([first, second, buildTree({ leaf: 0.5, cover: 4 })], [0, 1, 1], 5))
    expect([...imp.totalGain]).toEqual([7, 0, 5, 8, 0])
    expect([...imp.splits]).toEqual([2, 0, 2, 1, 0])
    expect([...imp.meanGain]).toEqual([3.5, 0, 2.5, 8, 0])
    expect([...imp.normalizedGain]).toEqual([0.35, 0, 0.25, 0.4, 0])
  })

  it('normalizes to a sum of 1 and keeps the ranking of total gain', () => {
    const imp = gainImportance(boosting([first, second, first], [0, 0, 0], 4))
    expect(imp.normalizedGain.reduce((a, g) => a + g, 0)).toBeCloseTo(1, 12)
    expect([...imp.normalizedGain].map((g) => g * 29)).toEqual([14, 0, 7, 8].map((g) => expect.closeTo(g, 12)))
  })

  it('reports zeros rather than NaN when no split gains anything', () => {
    const flat = buildTree({ f: 1, t: 0, left: { leaf: 0, cover: 1 }, right: { leaf: 0, cover: 1 } })
    const imp = gainImportance(boosting([flat, buildTree({ leaf: 1, cover: 2 })], [0, 0], 2))
    expect([...imp.splits]).toEqual([0, 1])
    expect([...imp.totalGain, ...imp.meanGain, ...imp.normalizedGain]).toEqual([0, 0, 0, 0, 0, 0])
  })

  it('rejects a split on a feature the ensemble does not have', () => {
    expect(() => gainImportance(boosting([first], [0], 2))).toThrow(expect.objectContaining({ code: 'LEARN_INVALID_INPUT' }))
  })
})
