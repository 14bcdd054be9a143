import { describe, expect, it } from 'vitest'
import { Frame, numericView } from '../../../src/core/frame.js'
import { permutationImportance } from '../../../src/learn/explain/permutation.js'
import type { Model, Predictions, Task } from '../../../src/learn/model.js'

/** A fixed model: regression predicts 3a + b (c unused); binary says class 1 with probability 0.9 when a > 0.5. */
function fixedModel(task: Task): Model {
  const predict = (f: Frame): Predictions => {
    const a = numericView(f.column('a'))
    const b = numericView(f.column('b'))
    if (task === 'regression') return { task, nRows: f.nRows, classes: [], values: a.map((v, i) => 3 * v + (b[i] ?? 0)) }
    const values = new Float64Array(2 * f.nRows)
    a.forEach((v, i) => {
      values[2 * i] = v > 0.5 ? 0.1 : 0.9
      values[2 * i + 1] = v > 0.5 ? 0.9 : 0.1
    })
    return { task, nRows: f.nRows, classes: ['no', 'yes'], values }
  }
  const features = ['a', 'b', 'c'].map((name) => ({ name, kind: 'number' as const }))
  return { kind: 'fixed', task, label: 'y', features, classes: task === 'regression' ? [] : ['no', 'yes'], predict, save: () => new Uint8Array() }
}

const rows = Array.from({ length: 40 }, (_, i) => ({ a: (i * 37) % 40, b: (i * 11) % 7, c: i }))
const regression = Frame.fromRecords(rows.map((r) => ({ ...r, y: 3 * r.a + r.b })))

describe('permutationImportance', () => {
  it('ranks features by how much shuffling them hurts, and gives unused ones exactly zero', () => {
    const result = permutationImportance(fixedModel('regression'), regression, { metric: 'rmse', nRepeats: 4, seed: 3 })
    expect(result).toMatchObject({ metric: 'rmse', direction: 'min', baseline: 0 })
    const [a, b, c] = result.features
    expect([a?.name, b?.name, c?.name]).toEqual(['a', 'b', 'c'])
    expect(c?.drops).toEqual([0, 0, 0, 0])
    expect(a?.drops).toHaveLength(4)
    expect(Math.min(...(a?.drops ?? []))).toBeGreaterThan(Math.max(...(b?.drops ?? [])))
    expect(b?.mean).toBeGreaterThan(0)
  })

  it('reports the mean and population standard deviation of the drops, reproducibly by seed', () => {
    const model = fixedModel('regression')
    const once = permutationImportance(model, regression, { metric: 'r2', seed: 8 })
    expect(once.direction).toBe('max')
    for (const f of once.features) {
      expect(f.drops).toHaveLength(5)
      const mean = f.drops.reduce((s, d) => s + d, 0) / 5
      expect(f.mean).toBeCloseTo(mean, 14)
      expect(f.std).toBeCloseTo(Math.sqrt(f.drops.reduce((s, d) => s + (d - mean) ** 2, 0) / 5), 14)
    }
    expect(permutationImportance(model, regression, { metric: 'r2', seed: 8 })).toEqual(once)
    expect(permutationImportance(model, regression, { metric: 'r2', seed: 9 }).features[0]?.drops).not.toEqual(once.features[0]?.drops)
  })

  it('signs the drop by the metric direction: a lost AUC and a grown log loss are both positive', () => {
    const frame = Frame.fromRecords(rows.map((r) => ({ ...r, a: r.a / 40, y: r.a / 40 > 0.5 ? 'yes' : 'no' })))
    const model = fixedModel('binary')
    const auc = permutationImportance(model, frame, { seed: 1 })
    expect(auc).toMatchObject({ metric: 'rocAuc', baseline: 1 })
    expect(auc.features[0]?.mean).toBeGreaterThan(0.2)
    const loss = permutationImportance(model, frame, { metric: 'logLoss', seed: 1, features: ['a'] })
    expect(loss.baseline).toBeCloseTo(-Math.log(0.9), 14)
    expect(loss.features.map((f) => f.name)).toEqual(['a'])
    expect(loss.features[0]?.mean).toBeGreaterThan(0.5)
  })

  it('refuses a bad repeat count and a metric for another task', () => {
    const model = fixedModel('regression')
    expect(() => permutationImportance(model, regression, { nRepeats: 0 })).toThrow(expect.objectContaining({ code: 'LEARN_INVALID_PARAMS' }))
    expect(() => permutationImportance(model, regression, { metric: 'accuracy' })).toThrow(/applies to binary, multiclass/)
  })
})
