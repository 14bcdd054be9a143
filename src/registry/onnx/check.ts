/** @module Checking an ONNX export with ONNX Runtime against the model's own predictions. */

import { KeelError } from '../../core/errors.js'
import type { Frame } from '../../core/frame.js'
import type { Model } from '../../learn/model.js'
import { ONNX_INPUT, ONNX_OUTPUT } from './graph.js'
import { onnxInput } from './input.js'

/** Largest difference allowed between ONNX Runtime's and Keel's predictions (the output is float32). */
export const ONNX_TOLERANCE = 1e-5

/**
 * Runs the ONNX bytes on `frame` with ONNX Runtime and returns the largest difference from
 * `model.predict(frame)` (relative above 1, absolute below; both NaN agree); ONNX_EXPORT_MISMATCH past the tolerance.
 */
export async function checkOnnx(model: Model, onnx: Uint8Array, frame: Frame): Promise<number> {
  const got = await runOnnx(onnx, model, frame)
  const want = model.predict(frame).values
  let worst = got.length === want.length ? 0 : Number.POSITIVE_INFINITY
  for (let i = 0; i < want.length && Number.isFinite(worst); i++) {
    const [a, b] = [got[i] as number, want[i] as number]
    // a model that does not impute (an imported linear one) predicts NaN for missing inputs, and so does its export
    if (!(Number.isNaN(a) && Number.isNaN(b))) worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(b)))
  }
  if (!(worst <= ONNX_TOLERANCE)) {
    throw new KeelError('ONNX_EXPORT_MISMATCH', `the ONNX export differs from the model by ${worst} on the check rows (tolerance ${ONNX_TOLERANCE})`)
  }
  return worst
}

/** ONNX Runtime's predictions of the exported `model` for `frame`, row-major like `model.predict(frame).values`. */
export async function runOnnx(onnx: Uint8Array, model: Model, frame: Frame): Promise<Float32Array> {
  const ort = await import('onnxruntime-node')
  const session = await ort.InferenceSession.create(onnx)
  try {
    const data = onnxInput(frame, model.features)
    const result = await session.run({ [ONNX_INPUT]: new ort.Tensor('float64', data, [frame.nRows, model.features.length]) })
    return (result[ONNX_OUTPUT] as { data: Float32Array }).data
  } finally {
    await session.release()
  }
}
