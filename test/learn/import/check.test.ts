import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Frame } from '../../../src/core/frame.js'
import { checkOnnxImport, compareImport, splitSample } from '../../../src/learn/import/check.js'
import { readOnnxImport } from '../../../src/learn/import/onnx.js'
import { importXgboost } from '../../../src/learn/import/xgboost.js'
import { xgboostReference } from '../../../src/learn/import/xgboost-reference.js'
import { type TreeModel, treeModel } from '../../../src/learn/trees/tree-model.js'
import { REPO_ROOT } from '../../helpers/project.js'

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures')
const xgboost = (name: string) => JSON.parse(readFileSync(join(FIXTURES, 'xgboost-models', `${name}.json`), 'utf8')) as unknown
const onnx = (name: string) => readOnnxImport(readFileSync(join(FIXTURES, 'onnx-models', `${name}.onnx`)), { label: 'y' })

describe('checking an import against its source', () => {
  it('samples every split threshold, the doubles on either side of it, and missing values', () => {
    const model = onnx('gb-regression').model as TreeModel
    const sample = splitSample(model, 2000)
    const tree = model.ensemble.trees[0]
    const feature = tree?.feature[0] ?? 0
    const values = (sample.column(`f${feature}`) as { values: Float64Array }).values
    expect(values).toContain(tree?.threshold[0])
    expect(Array.from(values).some(Number.isNaN)).toBe(true)
    expect(new Set(values).size).toBeGreaterThan(10)
  })

  for (const name of ['binary', 'regression', 'multiclass']) {
    it(`an XGBoost import (${name}) agrees with XGBoost's own rule on the split sample and on the training rows`, () => {
      const json = xgboost(name)
      const model = importXgboost(json, { label: 'y' })
      const sample = splitSample(model)
      expect(compareImport(model, sample, xgboostReference(json, model.features, model.link, sample), 'xgboost-json').maxDifference).toBeLessThan(1e-5)
      const expected = JSON.parse(readFileSync(join(FIXTURES, 'xgboost-models', `${name}.expected.json`), 'utf8')) as {
        columns: Record<string, (number | null)[]>
      }
      const frame = new Frame(
        Object.fromEntries(Object.entries(expected.columns).map(([c, v]) => [c, { kind: 'number', values: Float64Array.from(v, (x) => x ?? Number.NaN) }])),
      )
      expect(compareImport(model, frame, xgboostReference(json, model.features, model.link, frame), 'xgboost-json').rows).toBe(frame.nRows)
    })
  }

  it("catches a conversion that moves a split: XGBoost's x < split read as x <= split", () => {
    const json = xgboost('binary')
    const model = importXgboost(json, { label: 'y' })
    const trees = (json as { learner: { gradient_booster: { model: { trees: { split_conditions: number[] }[] } } } }).learner.gradient_booster.model.trees
    const naive = treeModel({
      ...model,
      ensemble: {
        ...model.ensemble,
        trees: model.ensemble.trees.map((t, i) => ({
          ...t,
          threshold: t.threshold.map((v, node) => (t.feature[node] === -1 ? v : (trees[i]?.split_conditions[node] as number))),
        })),
      },
    })
    const sample = splitSample(naive)
    expect(() => compareImport(naive, sample, xgboostReference(json, model.features, model.link, sample), 'xgboost-json')).toThrow(
      expect.objectContaining({ code: 'MODEL_IMPORT_MISMATCH', message: expect.stringMatching(/where xgboost-json predicts .* \(row \d+: \{/) }),
    )
  })

  it('runs the ONNX source with ONNX Runtime: every scikit-learn import agrees on its split sample, another model does not', async () => {
    const names = readdirSync(join(FIXTURES, 'onnx-models')).filter((f) => f.endsWith('.onnx'))
    expect(names).toHaveLength(9)
    for (const name of names) {
      const imported = onnx(name.replace('.onnx', ''))
      const check = await checkOnnxImport(imported, splitSample(imported.model))
      expect(check).toMatchObject({ reference: 'onnxruntime', rows: 1000 })
      expect(check.maxDifference, name).toBeLessThan(1e-5)
    }
    const linear = onnx('linear-regression')
    const wrong = { ...linear, model: onnx('gb-regression').model }
    await expect(checkOnnxImport(wrong, splitSample(linear.model))).rejects.toMatchObject({ code: 'MODEL_IMPORT_MISMATCH' })
  })
})
