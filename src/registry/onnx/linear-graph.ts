/**
 * @module The ONNX graph of a linear or logistic model with its preprocessing: the numeric
 * design columns times their weights (one MatMul), plus, per category feature, the weights its
 * level selects, plus the intercepts; then the link.
 *
 * Category blocks are not expanded into one-hot columns: each level's code picks a row of a table
 * holding the weights of the slot that level fills (or the slot value times the weight, for
 * ordinal codes). Picking a weight is exact, so the scores differ from Keel's only by the order
 * of the sum.
 */
import type { LinearModel } from '../../learn/learners/linear-model.js'
import { slotCount } from '../../learn/preprocess/categories.js'
import { type Step, stepOutputs } from '../../learn/preprocess/steps.js'
import { attr, type GraphBuilder, ONNX_OUTPUT } from './graph.js'
import { levelRows, levelSlots, type NumericColumn, numericGraph, rawNumeric } from './preprocess-graph.js'

const FLOAT = 1

/** Where each step's block starts in Keel's design matrix. */
function offsets(steps: readonly Step[]): number[] {
  let at = 0
  return steps.map((s) => {
    const start = at
    at += stepOutputs(s).length
    return start
  })
}

/** Adds the nodes of the scores `X·Wᵀ + b` [N, outputs]; returns their name. */
function scoresGraph(g: GraphBuilder, model: LinearModel): string {
  const { steps } = model.preprocessor
  const { weights, intercepts } = model.coefficients
  const k = intercepts.length
  const p = model.preprocessor.names.length
  const weightRow = (designColumn: number, times = 1) => Array.from({ length: k }, (_, o) => times * (weights[o * p + designColumn] as number))
  const starts = offsets(steps)
  const raw: string[] = []
  const numeric: NumericColumn[] = []
  const terms: string[] = []
  steps.forEach((step, s) => {
    const feature = model.features.findIndex((f) => f.name === step.feature)
    const start = starts[s] as number
    if (step.type === 'one-hot' || step.type === 'ordinal') {
      const slots = levelSlots(step.vocabulary, model.features[feature]?.levels ?? [])
      const unknown = slotCount(step.vocabulary)
      const rows = slots.map((slot) => (step.type === 'one-hot' ? weightRow(start + slot) : weightRow(start, slot === unknown ? step.unknownValue : slot)))
      const table = g.constant(`level_weights${feature}`, 'double', rows.flat(), [rows.length, k])
      terms.push(g.op('Gather', [table, levelRows(g, feature, slots.length - 2)], `level_terms${feature}`, { attributes: [attr.int('axis', 0)] }))
      return
    }
    raw.push(...rawNumeric(g, step, feature))
    const transforms = step.type === 'date-parts' ? step.transforms : [step.transform]
    transforms.forEach((transform, c) => {
      numeric.push({ design: start + c, transform })
    })
  })
  if (numeric.length > 0) {
    const w = g.constant(
      'weights',
      'double',
      numeric.flatMap((c) => weightRow(c.design)),
      [numeric.length, k],
    )
    terms.unshift(g.op('MatMul', [numericGraph(g, raw, numeric), w], 'products'))
  }
  return g.op('Sum', [...terms, g.constant('intercepts', 'double', intercepts, [1, k])], 'scores')
}

/** Adds the model's nodes to `g`; returns the number of prediction columns. */
export function linearGraph(g: GraphBuilder, model: LinearModel): number {
  const k = model.coefficients.intercepts.length
  const scores = scoresGraph(g, model)
  const toFloat = (value: string) => g.op('Cast', [value], 'predictions', { output: ONNX_OUTPUT, attributes: [attr.int('to', FLOAT)] })
  if (model.task === 'regression') {
    toFloat(scores)
    return 1
  }
  if (k === 1) {
    // Keel's binary probabilities are [1 - p, p]
    const p1 = g.op('Sigmoid', [scores], 'p1')
    const p0 = g.op('Sub', [g.shared('one_double', 'double', [1]), p1], 'p0')
    toFloat(g.op('Concat', [p0, p1], 'probabilities', { attributes: [attr.int('axis', 1)] }))
    return 2
  }
  toFloat(g.op('Softmax', [scores], 'probabilities', { attributes: [attr.int('axis', 1)] }))
  return k
}
