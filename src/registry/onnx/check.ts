/** @module Checking an ONNX export with ONNX Runtime against the model's own predictions. */

import { KeelError } from '../../core/errors.js'
import type { Frame } from '../../core/frame.js'
import type { Model } from '../../learn/model.js'
import { featureColumns } from '../../learn/training-data.js'
import { ONNX_INPUT, ONNX_OUTPUT } from './export.js'

/** Largest difference allowed between ONNX Runtime's and Keel's predictions (the output is float32). */
export const ONNX_TOLERANCE = 1e-5

/**
 * Runs the ONNX bytes on `frame` with ONNX Runtime and returns the largest difference from
 * `model.predict(frame)` (relative above 1, absolute below); ONNX_EXPORT_MISMATCH past the tolerance.
 */
export async function checkOnnx(model: Model, onnx: Uint8Array, frame: Frame): Promise<number> {
  const got = await runOnnx(onnx, model, frame)
  const want = model.predict(frame).values
  let worst = got.length === want.length ? 0 : Number.POSITIVE_INFINITY
  for (let i = 0; i < want.length && Number.isFinite(worst); i++) {
    worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)) / Math.max(1, Math.abs(want[i] as number)))
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
    const columns = featureColumns(frame, model.features)
    const p = columns.length
    const data = new Float64Array(frame.nRows * p)
    for (let i = 0; i < frame.nRows; i++) for (let f = 0; f < p; f++) data[i * p + f] = (columns[f] as Float64Array)[i] as number
    const result = await session.run({ [ONNX_INPUT]: new ort.Tensor('float64', data, [frame.nRows, p]) })
    return (result[ONNX_OUTPUT] as { data: Float32Array }).data
  } finally {
    await session.release()
  }
}
