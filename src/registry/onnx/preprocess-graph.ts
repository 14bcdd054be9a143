/**
 * @module A linear model's fitted preprocessing as ONNX nodes on the `features` input: numbers,
 * booleans and calendar parts imputed and scaled exactly as Keel does, and categories as row
 * numbers into per-level tables of weights.
 */
import { slotCount, type Vocabulary } from '../../learn/preprocess/categories.js'
import type { NumericTransform, Step } from '../../learn/preprocess/steps.js'
import { datePartsGraph } from './date-graph.js'
import { attr, type GraphBuilder, ONNX_INPUT } from './graph.js'

/** One numeric design column: where it sits in Keel's design matrix, and its fitted transform. */
export interface NumericColumn {
  readonly design: number
  readonly transform: NumericTransform
}

const INT64 = 7
const column = (g: GraphBuilder, feature: number) =>
  g.op('Gather', [ONNX_INPUT, g.constant(`f${feature}`, 'int64', [feature])], `x${feature}`, { attributes: [attr.int('axis', 1)] })

/**
 * Imputed and scaled numeric columns as one [N, columns.length] value: `(x or fill − center) /
 * scale`, the same three double operations Keel performs, so the values are bit-identical.
 */
export function numericGraph(g: GraphBuilder, raw: readonly string[], columns: readonly NumericColumn[]): string {
  const m = columns.length
  const values = raw.length === 1 ? (raw[0] as string) : g.op('Concat', [...raw], 'numbers', { attributes: [attr.int('axis', 1)] })
  const vector = (name: string, pick: (t: NumericTransform) => number) =>
    g.constant(
      name,
      'double',
      columns.map((c) => pick(c.transform)),
      [1, m],
    )
  const filled = g.op('Where', [g.op('IsNaN', [values], 'numbers_missing'), vector('fills', (t) => t.fill), values], 'numbers_imputed')
  const centered = g.op('Sub', [filled, vector('centers', (t) => t.scaling.center)], 'numbers_centered')
  return g.op('Div', [centered, vector('scales', (t) => t.scaling.scale)], 'numbers_scaled')
}

/** The raw [N, 1] values a numeric step reads: the feature itself, or its calendar parts. */
export function rawNumeric(g: GraphBuilder, step: Step, feature: number): string[] {
  if (step.type === 'number' || step.type === 'boolean') return [column(g, feature)]
  if (step.type === 'date-parts') return datePartsGraph(g, column(g, feature), step.parts, `t${feature}`)
  return []
}

/**
 * A category feature's codes as [N] int64 row numbers into a table of `levels + 2` rows: the
 * training level index itself, then `levels` for a missing value (NaN), then `levels + 1` for
 * anything else (an unseen level, -1). A lookup, so the graph's work grows with the rows, not with
 * rows × levels.
 */
export function levelRows(g: GraphBuilder, feature: number, levels: number): string {
  const x = column(g, feature)
  const op = (type: string, inputs: string[], base: string) => g.op(type, inputs, `${base}${feature}`)
  const whole = op('Equal', [x, op('Floor', [x], 'floor')], 'whole')
  const inRange = op(
    'And',
    [
      op('GreaterOrEqual', [x, g.shared('zero_double', 'double', [0])], 'nonnegative'),
      op('Less', [x, g.constant(`levels${feature}`, 'double', [levels])], 'below'),
    ],
    'in_range',
  )
  const known = op('And', [inRange, whole], 'known')
  const other = op(
    'Where',
    [op('IsNaN', [x], 'missing'), g.constant(`missing_row${feature}`, 'double', [levels]), g.constant(`unseen_row${feature}`, 'double', [levels + 1])],
    'other',
  )
  const row = g.op('Cast', [op('Where', [known, x, other], 'row')], `row_int${feature}`, { attributes: [attr.int('to', INT64)] })
  return op('Reshape', [row, g.shared('flat', 'int64', [-1])], 'rows')
}

/**
 * For each row of {@link levelRows}' table, the slot Keel's vocabulary gives it:
 * a level's own slot or `__rare__`; the fill level's slot for missing; otherwise the unknown
 * slot (`slotCount`), where unseen levels and training levels with no rows go.
 */
export function levelSlots(vocabulary: Vocabulary, levels: readonly string[]): number[] {
  const unknown = slotCount(vocabulary)
  const slot = new Map<string, number>(vocabulary.levels.map((l, i) => [l, i]))
  for (const l of vocabulary.rare) slot.set(l, vocabulary.levels.length)
  return [...levels.map((l) => slot.get(l) ?? unknown), slot.get(vocabulary.fill) ?? unknown, unknown]
}
