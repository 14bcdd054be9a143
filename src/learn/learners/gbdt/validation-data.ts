/** @module Held-out rows for early stopping, encoded against the training features and classes. */
import { KeelError } from '../../../core/errors.js'
import { BOOLEAN_MISSING, type Column, type Frame } from '../../../core/frame.js'
import type { TrainingData } from '../../training-data.js'
import { featureColumns } from '../../training-data.js'

/** Validation features and labels in the training encoding. */
export interface HeldOut {
  readonly columns: readonly Float64Array[]
  readonly y: Float64Array
  readonly nRows: number
}

const invalid = (message: string) => new KeelError('LEARN_INVALID_INPUT', `validation frame: ${message}`)

/** Encodes `frame` as training encoded `data`; a label class unseen in training is an error. */
export function heldOut(frame: Frame, data: TrainingData): HeldOut {
  if (frame.nRows === 0) throw invalid('it has no rows')
  if (!frame.has(data.label)) throw invalid(`it has no label column "${data.label}"`)
  const columns = featureColumns(frame, data.features)
  const label = frame.column(data.label)
  const y = data.task === 'regression' ? numericLabel(label, data.label) : classLabel(label, data.label, data.classes)
  return { columns, y, nRows: frame.nRows }
}

function numericLabel(c: Column, name: string): Float64Array {
  if (c.kind !== 'number') throw invalid(`regression needs a numeric label; "${name}" is ${c.kind}`)
  const bad = c.values.findIndex((v) => !Number.isFinite(v))
  if (bad >= 0) throw invalid(`label "${name}" is missing or not finite at row ${bad}`)
  return c.values
}

function classLabel(c: Column, name: string, classes: readonly string[]): Float64Array {
  const index = new Map(classes.map((k, i) => [k, i]))
  const n = c.kind === 'category' ? c.codes.length : c.values.length
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const key = labelString(c, i)
    const k = key === null ? undefined : index.get(key)
    if (k === undefined) throw invalid(`label "${name}" at row ${i} is ${key === null ? 'missing' : `"${key}", a class not seen in training`}`)
    y[i] = k
  }
  return y
}

/** The class name of row i, spelled as training-data.ts spells classes; null when missing. */
function labelString(c: Column, i: number): string | null {
  switch (c.kind) {
    case 'category': {
      const code = c.codes[i] ?? -1
      return code < 0 ? null : (c.levels[code] ?? null)
    }
    case 'boolean':
      return c.values[i] === BOOLEAN_MISSING ? null : c.values[i] === 1 ? 'true' : 'false'
    default:
      return Number.isNaN(c.values[i]) ? null : String(c.values[i])
  }
}
