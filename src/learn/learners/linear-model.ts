/**
 * @module What linear and logistic regression share once fitted: coefficients
 * over the preprocessed columns, prediction through a link, and the model file.
 */
import { KeelError } from '../../core/errors.js'
import type { Frame } from '../../core/frame.js'
import { type DecodedModel, encodeModel } from '../format.js'
import { applyLink } from '../link.js'
import type { FeatureSpec, Model, Predictions, Task } from '../model.js'
import type { DesignMatrix } from '../preprocess/preprocessor.js'
import { Preprocessor } from '../preprocess/preprocessor.js'

/** Fitted coefficients in the preprocessed space (standardized numbers, one-hot columns…). */
export interface LinearCoefficients {
  /** The design-matrix column each weight multiplies. */
  readonly names: readonly string[]
  /** `outputs × names.length`, row-major: one row for regression and binary, one per class for multiclass. */
  readonly weights: Float64Array
  /** One per output. */
  readonly intercepts: Float64Array
}

/** How the optimizer ended (iterative fits only). */
export interface FitReport {
  readonly iterations: number
  readonly converged: boolean
  readonly reason: string
}

/** A fitted linear or logistic model, with its coefficients open to inspection. */
export interface LinearModel extends Model {
  readonly coefficients: LinearCoefficients
  /** The fitted preprocessing from a frame to the columns the coefficients multiply (what an ONNX export rebuilds). */
  readonly preprocessor: Preprocessor
  readonly report: FitReport | undefined
}

export interface LinearModelParts {
  readonly kind: string
  readonly task: Task
  readonly label: string
  readonly features: readonly FeatureSpec[]
  readonly classes: readonly string[]
  readonly params: Readonly<Record<string, unknown>>
  readonly preprocessor: Preprocessor
  readonly coefficients: LinearCoefficients
  readonly report: FitReport | undefined
}

/** Raw scores `X·Wᵀ + b`, `nRows × outputs` row-major. */
export function linearScores(m: DesignMatrix, c: LinearCoefficients): Float64Array {
  const k = c.intercepts.length
  const p = m.nCols
  const out = new Float64Array(m.nRows * k)
  for (let i = 0; i < m.nRows; i++) {
    const row = i * p
    for (let o = 0; o < k; o++) {
      let s = c.intercepts[o] as number
      const w = o * p
      for (let j = 0; j < p; j++) s += (m.x[row + j] as number) * (c.weights[w + j] as number)
      out[i * k + o] = s
    }
  }
  return out
}

/** Scores to probabilities: the logistic function for one score, softmax for several. */
function probabilities(scores: Float64Array, nRows: number, outputs: number): Float64Array {
  return applyLink(outputs === 1 ? 'sigmoid' : 'softmax', scores, nRows)
}

/** Builds the model object from its fitted parts. */
export function linearModel(parts: LinearModelParts): LinearModel {
  const { kind, task, label, features, classes, preprocessor, coefficients, report } = parts
  return {
    kind,
    task,
    label,
    features,
    classes,
    coefficients,
    preprocessor,
    report,
    predict(frame: Frame): Predictions {
      const m = preprocessor.transform(frame)
      const scores = linearScores(m, coefficients)
      const values = task === 'regression' ? scores : probabilities(scores, m.nRows, coefficients.intercepts.length)
      return { task, nRows: m.nRows, classes, values }
    },
    save: () => encodeLinear(parts),
  }
}

function encodeLinear(parts: LinearModelParts): Uint8Array {
  const prep = parts.preprocessor.toPayload()
  return encodeModel({
    kind: parts.kind,
    header: {
      task: parts.task,
      label: parts.label,
      features: parts.features,
      classes: parts.classes,
      params: parts.params,
      names: parts.coefficients.names,
      report: parts.report ?? null,
      preprocess: prep.header,
    },
    arrays: { weights: parts.coefficients.weights, intercepts: parts.coefficients.intercepts, ...prep.arrays },
  })
}

const corrupt = (kind: string, why: string) => new KeelError('MODEL_FORMAT_UNSUPPORTED', `not a valid "${kind}" model: ${why}`)
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string')

/** Reads the fields every model file of this family has; MODEL_FORMAT_UNSUPPORTED names the first bad one. */
export function decodeModelBasics(decoded: DecodedModel, kind: string) {
  if (decoded.kind !== kind) throw new KeelError('MODEL_FORMAT_UNSUPPORTED', `expected a "${kind}" model, got "${decoded.kind}"`)
  const h = decoded.header
  if (h.task !== 'binary' && h.task !== 'multiclass' && h.task !== 'regression') throw corrupt(kind, 'unknown task')
  if (typeof h.label !== 'string') throw corrupt(kind, 'no label')
  if (!Array.isArray(h.features) || !h.features.every((f) => typeof f?.name === 'string' && typeof f?.kind === 'string')) throw corrupt(kind, 'bad features')
  if (!isStrings(h.classes)) throw corrupt(kind, 'bad classes')
  const params = typeof h.params === 'object' && h.params !== null ? (h.params as Record<string, unknown>) : {}
  return { task: h.task as Task, label: h.label, features: h.features as FeatureSpec[], classes: h.classes, params }
}

/** Rebuilds a linear-family model from `decodeModel` output. */
export function decodeLinearModel(decoded: DecodedModel, kind: string): LinearModel {
  const basics = decodeModelBasics(decoded, kind)
  const h = decoded.header
  const { weights, intercepts } = decoded.arrays
  if (!isStrings(h.names)) throw corrupt(kind, 'bad coefficient names')
  if (!(weights instanceof Float64Array) || !(intercepts instanceof Float64Array) || weights.length !== h.names.length * intercepts.length) {
    throw corrupt(kind, 'coefficient arrays do not match their names')
  }
  const preprocessor = Preprocessor.fromPayload(h.preprocess, decoded.arrays)
  if (preprocessor.names.length !== h.names.length) throw corrupt(kind, 'preprocessing and coefficients disagree')
  const r = h.report as FitReport | null
  const report = r && typeof r.iterations === 'number' ? { iterations: r.iterations, converged: r.converged === true, reason: String(r.reason) } : undefined
  return linearModel({ kind, ...basics, preprocessor, coefficients: { names: h.names, weights, intercepts }, report })
}
