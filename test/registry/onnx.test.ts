import { describe, expect, it } from 'vitest'
import type { Frame } from '../../src/core/frame.js'
import { learners } from '../../src/learn/learners/index.js'
import type { Model } from '../../src/learn/model.js'
import { runOnnx } from '../../src/registry/onnx/check.js'
import { exportOnnx } from '../../src/registry/onnx/export.js'
import { binaryFrame, linearFrame, multiclassFrame } from '../learn/trees/data.js'

async function expectSame(model: Model, frame: Frame): Promise<void> {
  const native = model.predict(frame).values
  const onnx = await runOnnx(exportOnnx(model), model, frame)
  expect(onnx.length).toBe(native.length)
  let worst = 0
  for (let i = 0; i < native.length; i++)
    worst = Math.max(worst, Math.abs((onnx[i] as number) - (native[i] as number)) / Math.max(1, Math.abs(native[i] as number)))
  expect(worst).toBeLessThan(1e-5)
}

describe('ONNX export of tree models, run by ONNX Runtime', () => {
  it('GBDT binary, multiclass and regression give Keel predictions within 1e-5', async () => {
    const binary = binaryFrame(3000, 41, 0.05)
    await expectSame(await learners.gbdt({ nTrees: 60, maxDepth: 5 }).fit(binary, { label: 'y' }), binaryFrame(1000, 42, 0.05))
    const multi = multiclassFrame(2000, 43)
    await expectSame(await learners.gbdt({ nTrees: 30, maxDepth: 4 }).fit(multi, { label: 'y' }), multiclassFrame(500, 44))
    const linear = linearFrame(2000)
    await expectSame(await learners.gbdt({ nTrees: 50, maxDepth: 6, objective: 'squared' }).fit(linear, { label: 'y' }), linearFrame(500))
  })

  it('sends missing values the way each split learned, as Keel does', async () => {
    const withNaN = (f: Frame) => {
      const x0 = Float64Array.from(f.column('x0').kind === 'number' ? (f.column('x0') as { values: Float64Array }).values : [], (v, i) =>
        i % 5 === 0 ? Number.NaN : v,
      )
      return f.with('x0', { kind: 'number', values: x0 })
    }
    const model = await learners.gbdt({ nTrees: 40, maxDepth: 4 }).fit(withNaN(binaryFrame(3000, 52, 0.05)), { label: 'y' })
    await expectSame(model, withNaN(binaryFrame(800, 53, 0.05)))
  })

  it('random forests (probability vectors averaged, and regression) give Keel predictions within 1e-5', async () => {
    await expectSame(await learners.randomForest({ nTrees: 20, maxDepth: 6 }).fit(multiclassFrame(1500, 47), { label: 'y' }), multiclassFrame(400, 48))
    await expectSame(await learners.randomForest({ nTrees: 20, maxDepth: 8 }).fit(linearFrame(1500), { label: 'y' }), linearFrame(400))
  })

  it('refuses models it cannot export', async () => {
    const model = await learners.baseline({}).fit(binaryFrame(200, 51), { label: 'y' })
    expect(() => exportOnnx(model)).toThrow(expect.objectContaining({ code: 'MODEL_FORMAT_UNSUPPORTED' }))
  })
})
