import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Frame } from '../../../src/core/frame.js'
import { importXgboost } from '../../../src/learn/import/xgboost.js'
import { loadModel } from '../../../src/learn/load.js'
import { REPO_ROOT } from '../../helpers/project.js'

// Models trained by Debian's python3-xgboost 1.7 (scripts/fixtures/xgboost-models.py), with XGBoost's own predictions.
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'xgboost-models')
const read = (file: string) => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as unknown

describe('importXgboost', () => {
  for (const name of ['binary', 'regression', 'multiclass']) {
    it(`predicts what XGBoost predicts (${name}, within 1e-5), and saves and loads exactly`, async () => {
      const expected = read(`${name}.expected.json`) as { columns: Record<string, (number | null)[]>; predictions: number[][] }
      const frame = new Frame(
        Object.fromEntries(
          Object.entries(expected.columns).map(([c, values]) => [c, { kind: 'number', values: Float64Array.from(values, (v) => v ?? Number.NaN) }]),
        ),
      )
      const model = importXgboost(read(`${name}.json`), { label: 'y' })
      const got = model.predict(frame).values
      const want = expected.predictions.flat()
      expect(got.length).toBe(want.length)
      let worst = 0
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)))
      expect(worst).toBeLessThan(1e-5)
      const reloaded = await loadModel(model.save())
      expect(Array.from(reloaded.predict(frame).values)).toEqual(Array.from(got))
    })
  }

  it('refuses what is not an XGBoost model, or an objective it cannot serve', () => {
    expect(() => importXgboost({ hello: 1 }, { label: 'y' })).toThrow(expect.objectContaining({ code: 'MODEL_FORMAT_UNSUPPORTED' }))
    const model = read('binary.json') as { learner: { objective: { name: string } } }
    model.learner.objective.name = 'rank:pairwise'
    expect(() => importXgboost(model, { label: 'y' })).toThrow(/rank:pairwise is not supported/)
  })
})
