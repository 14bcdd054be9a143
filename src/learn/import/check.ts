/**
 * @module Checking an imported model against its source before it is registered: rows at and
 * around every split (or drawn around 0, for linear models), the source's own predictions
 * (ONNX Runtime, or XGBoost's rule), and the largest difference from Keel's.
 */
import { KeelError } from '../../core/errors.js'
import { type Column, Frame } from '../../core/frame.js'
import type { LinearModel } from '../learners/linear-model.js'
import type { Model } from '../model.js'
import { createRandom } from '../random.js'
import type { TreeModel } from '../trees/tree-model.js'
import { largestBelow } from './bounds.js'
import type { OnnxImport } from './onnx.js'

/** Largest difference allowed between the source's and Keel's predictions (ONNX outputs are float32). */
export const IMPORT_TOLERANCE = 1e-5

export interface ImportCheck {
  /** What the predictions were compared with. */
  readonly reference: 'onnxruntime' | 'xgboost-json'
  readonly rows: number
  /** Relative above 1, absolute below; rows where both are NaN agree. */
  readonly maxDifference: number
}

const smallestAbove = (x: number) => -largestBelow(-x)

/** Values a feature's splits tell apart: each threshold, the doubles on either side of it, and NaN. */
function candidates(model: Model, feature: number): number[] {
  if (!('ensemble' in model)) return []
  const values = new Set<number>([Number.NaN])
  for (const tree of (model as TreeModel).ensemble.trees) {
    tree.feature.forEach((f, node) => {
      const t = tree.threshold[node] as number
      if (f === feature && Number.isFinite(t)) for (const v of [t, largestBelow(t), smallestAbove(t)]) values.add(v)
    })
  }
  return [...values]
}

/**
 * Half-width of the range a feature is drawn from when no split tells its values: for a linear
 * model with one coefficient per feature, 1 / its largest weight, so every term spans [-1, 1] — a
 * wrong coefficient shows at that scale, while the runtime's float32 arithmetic stays far below
 * the tolerance (wide values would make large terms cancel); otherwise 10.
 */
function spread(model: Model, feature: number): number {
  if (!('coefficients' in model)) return 10
  const { names, weights } = (model as LinearModel).coefficients
  if (names.length !== model.features.length) return 10
  let largest = 0
  for (let o = feature; o < weights.length; o += names.length) largest = Math.max(largest, Math.abs(weights[o] as number))
  return largest > 0 ? 1 / largest : 1
}

/**
 * Rows for checking an import: for a tree model, every feature cycles (in a seeded order) through
 * its split thresholds, the doubles just around them and NaN; features no split uses, and linear
 * models' features, are drawn uniformly around 0 (see `spread`).
 */
export function splitSample(model: Model, rows = 1000, seed = 0): Frame {
  const r = createRandom(seed)
  const columns = new Map<string, Column>()
  model.features.forEach((f, j) => {
    const pool = candidates(model, j)
    const half = spread(model, j)
    const values = Float64Array.from({ length: rows }, () =>
      pool.length > 1 ? (pool[Math.floor(r.next() * pool.length)] as number) : half * (2 * r.next() - 1),
    )
    columns.set(f.name, { kind: 'number', values })
  })
  return new Frame(columns)
}

/** Compares Keel's predictions with the source's; MODEL_IMPORT_MISMATCH names the first row past the tolerance. */
export function compareImport(model: Model, frame: Frame, reference: ArrayLike<number>, source: ImportCheck['reference']): ImportCheck {
  const keel = model.predict(frame).values
  if (keel.length !== reference.length) {
    throw new KeelError('MODEL_IMPORT_MISMATCH', `the source gives ${reference.length} values for ${frame.nRows} rows; the converted model ${keel.length}`)
  }
  const width = keel.length / Math.max(1, frame.nRows)
  let worst = 0
  for (let i = 0; i < keel.length; i++) {
    const [a, b] = [keel[i] as number, reference[i] as number]
    const d = Number.isNaN(a) && Number.isNaN(b) ? 0 : Math.abs(a - b) / Math.max(1, Math.abs(b))
    if (!(d <= IMPORT_TOLERANCE)) {
      const row = Math.floor(i / width)
      throw new KeelError(
        'MODEL_IMPORT_MISMATCH',
        `the converted model predicts ${a} where ${source} predicts ${b} (row ${row}: ${JSON.stringify(frame.row(row))}; tolerance ${IMPORT_TOLERANCE})`,
      )
    }
    worst = Math.max(worst, d)
  }
  return { reference: source, rows: frame.nRows, maxDifference: worst }
}

/** Runs the ONNX model (its input as the graph declares it: float32 rounds each value) with ONNX Runtime and compares. */
export async function checkOnnxImport(imported: OnnxImport, frame: Frame): Promise<ImportCheck> {
  const { model, input } = imported
  const p = model.features.length
  const data = input.type === 'float' ? new Float32Array(frame.nRows * p) : new Float64Array(frame.nRows * p)
  model.features.forEach((f, j) => {
    const column = frame.column(f.name)
    if (column.kind !== 'number') throw new KeelError('LEARN_INVALID_INPUT', `sample column "${f.name}" is ${column.kind}; the model reads numbers`)
    for (let i = 0; i < frame.nRows; i++) data[i * p + j] = column.values[i] as number
  })
  const ort = await import('onnxruntime-node')
  const session = await ort.InferenceSession.create(imported.runnable)
  try {
    const result = await session.run({ [input.name]: new ort.Tensor(input.type === 'float' ? 'float32' : 'float64', data, [frame.nRows, p]) })
    return compareImport(model, frame, (result[imported.output] as { data: Float32Array }).data, 'onnxruntime')
  } finally {
    await session.release()
  }
}
