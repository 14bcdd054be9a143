import { describe, expect, it } from 'vitest'
import { configTemplate } from '../../src/init-templates.js'
import { modelSpecFrom, selectionMetric } from '../../src/pipeline/model-spec.js'
import { addToConfig, specText } from '../../src/pipeline/quick-start.js'

const valid = { data: 'orders', label: 'churned', candidates: { gbdt: { learner: 'gbdt', space: { maxDepth: [3, 5] } } } }

describe('model specs', () => {
  it('accepts a full spec and names the first wrong field of a bad one', () => {
    expect(modelSpecFrom({ churn: valid }, 'churn')).toBe(valid)
    const bad = (spec: unknown) => () => modelSpecFrom({ churn: spec }, 'churn')
    expect(() => modelSpecFrom({ churn: valid }, 'fraud')).toThrow(/no model "fraud" in keel.config.ts \(declared: churn\)/)
    expect(bad({ ...valid, candidates: {} })).toThrow(/declare at least one candidate/)
    expect(bad({ ...valid, candidates: { x: { learner: 'svm' } } })).toThrow(/`candidates.x.learner`/)
    expect(bad({ ...valid, select: { metric: 'auc' } })).toThrow(/`select.metric`/)
    expect(bad({ ...valid, validation: { kind: 'time' } })).toThrow(/`validation.column`/)
    expect(bad({ ...valid, gates: { beatBaseline: { metric: 'rocAuc', by: -1 } } })).toThrow(/`gates.beatBaseline.by`/)
    expect(bad({ ...valid, extra: 1 })).toThrow(/MODEL_SPEC_INVALID|extra/)
  })

  it('refuses a stated direction that contradicts the metric, and a metric of another task', () => {
    expect(() => modelSpecFrom({ churn: { ...valid, select: { metric: 'logLoss', direction: 'max' } } }, 'churn')).toThrow(
      /select.direction says max but logLoss is better when lower/,
    )
    expect(selectionMetric(valid as never, 'binary')).toBe('rocAuc')
    expect(selectionMetric(valid as never, 'regression')).toBe('rmse')
    expect(() => selectionMetric({ ...valid, select: { metric: 'rmse' } } as never, 'binary')).toThrow(/rmse does not apply to binary models/)
  })
})

describe('writing the quick path into keel.config.ts', () => {
  const add = {
    imports: ['contract', 'csv', 'dataset', 'model'],
    before: 'export const weatherContract = contract({ columns: {} })',
    datasets: "weather: dataset({ source: csv('w.csv'), contract: weatherContract })",
    models: `weather: model(${specText('weather', 'kind', 'multiclass')})`,
  }

  it("extends the config keel init writes: imports, the contract, datasets and models after the project's name", () => {
    const text = addToConfig(configTemplate('demo'), add)
    expect(text).toContain("import { contract, csv, dataset, defineProject, model } from 'keel'")
    expect(text.indexOf('export const weatherContract')).toBeLessThan(text.indexOf('export default'))
    expect(text).toMatch(/name: "demo",\n {2}datasets: \{\n {4}weather: dataset\(/)
    expect(text.indexOf('datasets: {')).toBeLessThan(text.indexOf('models: {'))
    expect(text).toContain("select: { metric: 'logLoss' }")
  })

  it('adds to datasets and models objects that exist, and refuses a layout it does not know', () => {
    const existing =
      "import { defineProject, dataset } from 'keel'\nexport default defineProject({\n  name: 'x',\n  datasets: {\n    old: dataset({}),\n  },\n  models: {},\n})\n"
    const text = addToConfig(existing, add)
    expect(text).toMatch(/datasets: \{\n {4}weather: dataset\(.*\),\n {4}old: dataset/)
    expect(text).toMatch(/models: \{\n {4}weather: model\(/)
    expect(() => addToConfig('module.exports = {}', add)).toThrow(/no `import \{ … \} from 'keel'`/)
  })
})
