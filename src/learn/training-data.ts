/**
 * @module From a Frame to what learners consume: checked features, an encoded
 * label, the task; and, at predict time, the same features aligned to training.
 */
import { KeelError } from '../core/errors.js'
import { BOOLEAN_MISSING, type Column, type Frame, isMissing } from '../core/frame.js'
import type { FeatureSpec, FitOptions, Task } from './model.js'

/** Training data, checked. Classification labels are class indices into `classes`. */
export interface TrainingData {
  readonly task: Task
  readonly label: string
  readonly features: readonly FeatureSpec[]
  /** One array per feature (see {@link featureColumns}). */
  readonly columns: readonly Float64Array[]
  /** Regression targets, or class indices as numbers. */
  readonly y: Float64Array
  readonly classes: readonly string[]
  readonly nRows: number
}

const invalid = (message: string) => new KeelError('LEARN_INVALID_INPUT', message)

/** Checks the frame and encodes it for fitting. */
export function prepareTraining(frame: Frame, options: FitOptions): TrainingData {
  if (frame.nRows === 0) throw invalid('the training frame has no rows')
  const labelColumn = frame.column(options.label)
  const names = options.features ?? frame.names.filter((n) => n !== options.label)
  if (names.includes(options.label)) throw invalid(`the label "${options.label}" is also listed as a feature`)
  if (names.length === 0) throw invalid('there are no feature columns besides the label')
  const missingLabels = countMissing(labelColumn)
  if (missingLabels.count > 0) {
    throw invalid(
      `label "${options.label}" is missing in ${missingLabels.count} row(s), first at row ${missingLabels.first}; drop or fill those rows before training`,
    )
  }
  const task = options.task === undefined || options.task === 'auto' ? inferTask(labelColumn) : options.task
  const { y, classes } = encodeLabel(labelColumn, task, options.label)
  const features = names.map((name): FeatureSpec => {
    const c = frame.column(name)
    return c.kind === 'category' ? { name, kind: c.kind, levels: c.levels } : { name, kind: c.kind }
  })
  return { task, label: options.label, features, columns: featureColumns(frame, features), y, classes, nRows: frame.nRows }
}

/**
 * Feature columns as numbers, aligned to the training features: numbers and
 * timestamps as they are, booleans 0/1, categories as their training level index.
 * Missing values, and categories unseen in training, are NaN. Throws
 * LEARN_INVALID_INPUT naming every missing column or changed type.
 */
export function featureColumns(frame: Frame, features: readonly FeatureSpec[]): Float64Array[] {
  const problems: string[] = []
  for (const f of features) {
    if (!frame.has(f.name)) problems.push(`"${f.name}" is missing`)
    else if (frame.column(f.name).kind !== f.kind) problems.push(`"${f.name}" is ${frame.column(f.name).kind}, was ${f.kind} in training`)
  }
  if (problems.length > 0) throw invalid(`the frame does not match the model's features: ${problems.join('; ')}`)
  return features.map((f) => asNumbers(frame.column(f.name), f))
}

function asNumbers(c: Column, f: FeatureSpec): Float64Array {
  switch (c.kind) {
    case 'number':
    case 'timestamp':
      return c.values
    case 'boolean': {
      const out = new Float64Array(c.values.length)
      for (let i = 0; i < out.length; i++) out[i] = c.values[i] === BOOLEAN_MISSING ? Number.NaN : (c.values[i] ?? 0)
      return out
    }
    case 'category': {
      const index = new Map((f.levels ?? []).map((l, i) => [l, i]))
      const remap = c.levels.map((l) => index.get(l) ?? Number.NaN)
      const out = new Float64Array(c.codes.length)
      for (let i = 0; i < out.length; i++) {
        const code = c.codes[i] ?? -1
        out[i] = code < 0 ? Number.NaN : (remap[code] ?? Number.NaN)
      }
      return out
    }
  }
}

function countMissing(c: Column): { count: number; first: number } {
  let count = 0
  let first = -1
  const n = c.kind === 'category' ? c.codes.length : c.values.length
  for (let i = 0; i < n; i++) {
    if (isMissing(c, i)) {
      if (first < 0) first = i
      count++
    }
  }
  return { count, first }
}

function inferTask(c: Column): Task {
  if (c.kind === 'number') {
    const distinct = new Set<number>()
    for (const v of c.values) {
      if (!Number.isInteger(v)) return 'regression'
      distinct.add(v)
      if (distinct.size > 2) return 'regression'
    }
    return 'binary'
  }
  if (c.kind === 'timestamp') return 'regression'
  const n = c.kind === 'category' ? new Set(c.codes).size : new Set(c.values).size
  return n <= 2 ? 'binary' : 'multiclass'
}

function encodeLabel(c: Column, task: Task, name: string): { y: Float64Array; classes: string[] } {
  if (task === 'regression') {
    if (c.kind !== 'number') throw invalid(`regression needs a numeric label; "${name}" is ${c.kind}`)
    for (const v of c.values) if (!Number.isFinite(v)) throw invalid(`label "${name}" has a non-finite value (${v})`)
    return { y: c.values, classes: [] }
  }
  // rows are keyed by number (code, 0/1 or value) so that no string is built per row
  const { keys, nameOf } = labelKeys(c)
  const distinct = [...new Set(keys)]
  const sorted = c.kind === 'number' ? distinct.sort((a, b) => a - b) : distinct.sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : 1))
  const classes = sorted.map(nameOf)
  if (classes.length < 2) throw invalid(`label "${name}" has a single class (${classes[0]}); classification needs at least two`)
  if (task === 'binary' && classes.length > 2) throw invalid(`label "${name}" has ${classes.length} classes; use task "multiclass"`)
  const index = new Map(sorted.map((key, i) => [key, i]))
  const y = new Float64Array(keys.length)
  for (let i = 0; i < keys.length; i++) y[i] = index.get(keys[i] as number) ?? 0
  return { y, classes }
}

function labelKeys(c: Column): { keys: Int32Array | Uint8Array | Float64Array; nameOf: (key: number) => string } {
  switch (c.kind) {
    case 'category':
      return { keys: c.codes, nameOf: (code) => c.levels[code] ?? '' }
    case 'boolean':
      return { keys: c.values, nameOf: (v) => (v === 1 ? 'true' : 'false') }
    default:
      return { keys: c.values, nameOf: (v) => String(v) }
  }
}
