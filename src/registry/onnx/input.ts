/** @module The `features` tensor an exported ONNX model takes, built from a Frame. */
import { KeelError } from '../../core/errors.js'
import { BOOLEAN_MISSING, type Column, type Frame } from '../../core/frame.js'
import type { FeatureSpec } from '../../learn/model.js'

/** The value that stands for a category level not seen in training (missing is NaN). */
export const ONNX_UNSEEN_LEVEL = -1

/**
 * `frame`'s features as the row-major `[nRows, features]` doubles an exported model takes:
 * numbers and timestamps (epoch ms) as they are, booleans 0/1, categories as their index in the
 * training levels (the signature's `levels`); missing values NaN, and a level not seen in
 * training -1. Linear models tell those two apart (a missing level is a level of its own);
 * tree models treat both as missing, as Keel does.
 *
 * @example
 * ```ts
 * const input = onnxInput(frame, model.features)
 * await session.run({ features: new ort.Tensor('float64', input, [frame.nRows, model.features.length]) })
 * ```
 */
export function onnxInput(frame: Frame, features: readonly FeatureSpec[]): Float64Array {
  const p = features.length
  const out = new Float64Array(frame.nRows * p)
  features.forEach((f, j) => {
    const column = frame.has(f.name) ? frame.column(f.name) : undefined
    if (column?.kind !== f.kind) {
      throw new KeelError('LEARN_INVALID_INPUT', `the frame does not match the model's features: "${f.name}" ${column ? `is ${column.kind}` : 'is missing'}`)
    }
    const values = columnValues(column, f)
    for (let i = 0; i < frame.nRows; i++) out[i * p + j] = values[i] as number
  })
  return out
}

function columnValues(c: Column, f: FeatureSpec): Float64Array {
  switch (c.kind) {
    case 'number':
    case 'timestamp':
      return c.values
    case 'boolean':
      return Float64Array.from(c.values, (v) => (v === BOOLEAN_MISSING ? Number.NaN : v))
    case 'category': {
      const index = new Map((f.levels ?? []).map((level, i) => [level, i]))
      const remap = c.levels.map((level) => index.get(level) ?? ONNX_UNSEEN_LEVEL)
      return Float64Array.from(c.codes, (code) => (code < 0 ? Number.NaN : (remap[code] ?? ONNX_UNSEEN_LEVEL)))
    }
  }
}
