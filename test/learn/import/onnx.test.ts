import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { Frame } from '../../../src/core/frame.js'
import { importOnnx, readOnnxImport } from '../../../src/learn/import/onnx.js'
import { loadModel } from '../../../src/learn/load.js'
import { REPO_ROOT } from '../../helpers/project.js'

// scikit-learn 1.2 models converted to ONNX by scripts/fixtures/onnx-models.py, with sklearn's own predictions.
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'onnx-models')
const json = <T>(file: string) => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as T

/** Largest difference, relative above 1 and absolute below (as the ONNX export check measures). */
function worstDifference(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Number.POSITIVE_INFINITY
  let worst = 0
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)) / Math.max(1, Math.abs(want[i] as number)))
  return worst
}

function fixture(name: string) {
  const expected = json<{ data: string; predictions: number[][] }>(`${name}.expected.json`)
  const columns = json<Record<string, number[]>>(`${expected.data}.data.json`)
  const frame = new Frame(Object.fromEntries(Object.entries(columns).map(([c, values]) => [c, { kind: 'number', values: Float64Array.from(values) }])))
  return { bytes: readFileSync(join(FIXTURES, `${name}.onnx`)), frame, want: expected.predictions.flat(), p: Object.keys(columns).length }
}

/** ONNX Runtime's output for the rows of `frame`, fed as the graph's float input. */
async function runtime(bytes: Uint8Array, frame: Frame, p: number): Promise<Float32Array> {
  const { runnable, input, output } = readOnnxImport(bytes, { label: 'y' })
  const x = new Float32Array(frame.nRows * p)
  frame.names.forEach((name, j) => {
    const values = (frame.column(name) as { values: Float64Array }).values
    for (let i = 0; i < frame.nRows; i++) x[i * p + j] = values[i] as number
  })
  const session = await ort.InferenceSession.create(runnable)
  const result = await session.run({ [input.name]: new ort.Tensor('float32', x, [frame.nRows, p]) })
  await session.release()
  return (result[output] as { data: Float32Array }).data
}

const CASES = {
  'gb-regression': { kind: 'gbdt', task: 'regression' },
  'rf-regression': { kind: 'random-forest', task: 'regression' },
  'gb-binary': { kind: 'gbdt', task: 'binary' },
  'gb-multiclass': { kind: 'gbdt', task: 'multiclass' },
  'rf-binary': { kind: 'random-forest', task: 'binary' },
  'rf-multiclass': { kind: 'random-forest', task: 'multiclass' },
  'linear-regression': { kind: 'linear', task: 'regression' },
  'logistic-binary': { kind: 'logistic', task: 'binary' },
  'logistic-multinomial': { kind: 'logistic', task: 'multiclass' },
} as const

describe('importOnnx on scikit-learn models', () => {
  for (const [name, shape] of Object.entries(CASES)) {
    it(`${name}: predicts what scikit-learn and ONNX Runtime predict (within 1e-5), and saves and loads exactly`, async () => {
      const { bytes, frame, want, p } = fixture(name)
      const model = importOnnx(bytes, { label: 'y' })
      expect({ kind: model.kind, task: model.task }).toEqual(shape)
      expect(model.features.map((f) => f.name)).toEqual(frame.names)
      const got = model.predict(frame).values
      expect(worstDifference(got, want)).toBeLessThan(1e-5)
      expect(worstDifference(got, await runtime(bytes, frame, p))).toBeLessThan(1e-5)
      const reloaded = loadModel(model.save())
      expect(Array.from(reloaded.predict(frame).values)).toEqual(Array.from(got))
    })
  }

  it('names features and classes as told', () => {
    const { bytes } = fixture('logistic-multinomial')
    const model = importOnnx(bytes, {
      label: 'species',
      features: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
      classes: ['setosa', 'versicolor', 'virginica'],
    })
    expect(model.features.map((f) => f.name)).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width'])
    expect(model.classes).toEqual(['setosa', 'versicolor', 'virginica'])
    expect(() => importOnnx(bytes, { label: 'species', features: ['a', 'b'] })).toThrow(/4 features; 2 names were given/)
    expect(() => importOnnx(bytes, { label: 'species', classes: ['a', 'b'] })).toThrow(/3 classes; 2 class names were given/)
  })
})
