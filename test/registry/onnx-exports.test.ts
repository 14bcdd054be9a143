import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXPORTS_DIR, fixtureExport, fixtureModels } from '../../scripts/fixtures/onnx-exports.js'
import { checkOnnx } from '../../src/registry/onnx/check.js'
import { halves, seattleWeather } from './onnx-data.js'

// The committed exports were checked by onnx.checker (python3-onnx 1.12, full_check) when
// `npm run fixtures:onnx` wrote them; an exporter change fails here until that step is rerun.
const checker = JSON.parse(readFileSync(join(EXPORTS_DIR, 'checker.json'), 'utf8')) as {
  checker: string
  files: Record<string, { sha256: string; passed: boolean; error: string | null }>
}
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const RERUN = 'the export changed: run `npm run fixtures:onnx` (needs /usr/bin/python3 with python3-onnx) and commit test/fixtures/onnx-exports'

describe('ONNX exports checked by the ONNX checker (test/fixtures/onnx-exports)', async () => {
  const models = await fixtureModels()

  it('has one checked export per fixture model, and no other', () => {
    expect(Object.keys(checker.files).sort()).toEqual(
      Object.keys(models)
        .map((name) => `${name}.onnx`)
        .sort(),
    )
    expect(readdirSync(EXPORTS_DIR).sort()).toEqual([...Object.keys(checker.files), 'checker.json'].sort())
    expect(checker.checker).toMatch(/^onnx 1\.\d+\.\d+ check_model\(full_check=True\)$/)
  })

  for (const [name, model] of Object.entries(models)) {
    it(`${name}: today's export is, byte for byte, the file the checker passed`, () => {
      const result = checker.files[`${name}.onnx`]
      expect(result, RERUN).toMatchObject({ passed: true, error: null })
      expect(sha256(readFileSync(join(EXPORTS_DIR, `${name}.onnx`))), 'the fixture file is not the one checked').toBe(result?.sha256)
      expect(sha256(fixtureExport(name, model)), RERUN).toBe(result?.sha256)
    })
  }

  it('the models are bit-deterministic (fitted again, they export the same bytes) and their exports serve their predictions', async () => {
    const again = await fixtureModels()
    const [, test] = halves(await seattleWeather())
    for (const [name, model] of Object.entries(models)) {
      expect(sha256(fixtureExport(name, again[name] as typeof model))).toBe(sha256(fixtureExport(name, model)))
      expect(await checkOnnx(model, fixtureExport(name, model), test)).toBeLessThan(1e-5)
    }
  })
})
