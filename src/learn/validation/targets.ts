/** @module True labels of a frame, encoded the way a model's predictions are laid out. */
import { KeelError } from '../../core/errors.js'
import { type Column, type Frame, isMissing } from '../../core/frame.js'
import type { Model } from '../model.js'

/**
 * The model's label column in `frame`: regression targets as numbers,
 * classification labels as indices into `model.classes` (the column order of
 * its probabilities). Labels the model never saw raise LEARN_INVALID_INPUT.
 *
 * @example
 * ```ts
 * const y = targetsFor(model, testFrame)
 * METRICS.rocAuc.score(y, model.predict(testFrame))
 * ```
 */
export function targetsFor(model: Pick<Model, 'label' | 'task' | 'classes'>, frame: Frame): Float64Array {
  const column = frame.column(model.label)
  const n = frame.nRows
  for (let i = 0; i < n; i++) if (isMissing(column, i)) throw invalid(`label "${model.label}" is missing at row ${i}`)
  if (model.task === 'regression') {
    if (column.kind !== 'number') throw invalid(`regression needs a numeric label; "${model.label}" is ${column.kind}`)
    return column.values
  }
  const index = new Map(model.classes.map((c, i) => [c, i]))
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const label = labelString(column, i)
    const c = index.get(label)
    if (c === undefined) throw invalid(`label "${label}" at row ${i} is not one of the model's classes (${model.classes.join(', ')})`)
    out[i] = c
  }
  return out
}

const invalid = (message: string): KeelError => new KeelError('LEARN_INVALID_INPUT', message)

/** Same spelling as training uses for class names, so the two always match. */
function labelString(c: Column, i: number): string {
  switch (c.kind) {
    case 'category':
      return c.levels[c.codes[i] ?? 0] ?? ''
    case 'boolean':
      return c.values[i] === 1 ? 'true' : 'false'
    default:
      return String(c.values[i])
  }
}
