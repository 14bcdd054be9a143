/** @module The Model shared by tree learners: compiled prediction, a link (identity, sigmoid, softmax), save and load. */
import { KeelError } from '../../core/errors.js'
import type { Frame } from '../../core/frame.js'
import { type DecodedModel, encodeModel } from '../format.js'
import { applyLink, type Link } from '../link.js'
import type { FeatureSpec, Model, Predictions, Task } from '../model.js'
import { featureColumns } from '../training-data.js'
import { decodeEnsemble, encodeEnsemble } from './codec.js'
import { compileEnsemble, predictCompiled, predictCompiledRows } from './compiled.js'
import type { Ensemble } from './tree.js'

/** How raw ensemble outputs become predictions. */

/** Everything a tree model is made of. */
export interface TreeModelSpec {
  readonly kind: string
  readonly task: Task
  readonly label: string
  readonly features: readonly FeatureSpec[]
  readonly classes: readonly string[]
  readonly ensemble: Ensemble
  readonly link: Link
  /** Learner-specific JSON-safe facts saved with the model (params, trees kept…). */
  readonly info: Readonly<Record<string, unknown>>
}

/** A fitted tree model; `ensemble` is what explanations (gain importance, TreeSHAP) read. */
export interface TreeModel extends Model {
  readonly ensemble: Ensemble
  readonly link: Link
  readonly info: Readonly<Record<string, unknown>>
}

/** Wraps an ensemble as a Model. */
export function treeModel(spec: TreeModelSpec): TreeModel {
  const compiled = compileEnsemble(spec.ensemble)
  const predict = (frame: Frame): Predictions => {
    const columns = featureColumns(frame, spec.features)
    const raw = predictCompiled(compiled, columns, frame.nRows)
    return { task: spec.task, nRows: frame.nRows, classes: spec.classes, values: applyLink(spec.link, raw, frame.nRows) }
  }
  const predictRows = (rows: Float64Array, nRows: number): Predictions => {
    const raw = predictCompiledRows(compiled, rows, nRows)
    return { task: spec.task, nRows, classes: spec.classes, values: applyLink(spec.link, raw, nRows) }
  }
  const save = (): Uint8Array => {
    const { header, arrays } = encodeEnsemble(spec.ensemble)
    const meta = { task: spec.task, label: spec.label, features: spec.features, classes: spec.classes, link: spec.link, info: spec.info }
    return encodeModel({ kind: spec.kind, header: { ...meta, ensemble: header }, arrays })
  }
  return {
    kind: spec.kind,
    task: spec.task,
    label: spec.label,
    features: spec.features,
    classes: spec.classes,
    ensemble: spec.ensemble,
    link: spec.link,
    info: spec.info,
    predict,
    predictRows,
    save,
  }
}

const corrupt = (why: string) => new KeelError('MODEL_FORMAT_UNSUPPORTED', `corrupt tree model: ${why}`)
const LINKS: readonly string[] = ['identity', 'sigmoid', 'softmax']
const TASKS: readonly string[] = ['binary', 'multiclass', 'regression']

/** Rebuilds a tree model from `decodeModel` output, checking it is of `kind`. */
export function decodeTreeModel(decoded: DecodedModel, kind: string): TreeModel {
  if (decoded.kind !== kind) throw new KeelError('MODEL_FORMAT_UNSUPPORTED', `this is a "${decoded.kind}" model, not "${kind}"`)
  const h = decoded.header
  if (typeof h.task !== 'string' || !TASKS.includes(h.task) || typeof h.label !== 'string') throw corrupt('bad task or label')
  if (typeof h.link !== 'string' || !LINKS.includes(h.link)) throw corrupt('bad link')
  if (!Array.isArray(h.features) || !h.features.every(isFeatureSpec)) throw corrupt('bad feature list')
  if (!Array.isArray(h.classes) || !h.classes.every((c) => typeof c === 'string')) throw corrupt('bad class list')
  if (typeof h.ensemble !== 'object' || h.ensemble === null) throw corrupt('no ensemble header')
  const ensemble = decodeEnsemble(h.ensemble as Record<string, unknown>, decoded.arrays)
  if (ensemble.nFeatures !== h.features.length) throw corrupt('feature count disagrees with the trees')
  const info = typeof h.info === 'object' && h.info !== null ? (h.info as Record<string, unknown>) : {}
  return treeModel({ kind, task: h.task as Task, label: h.label, features: h.features, classes: h.classes, ensemble, link: h.link as Link, info })
}

function isFeatureSpec(f: unknown): f is FeatureSpec {
  if (typeof f !== 'object' || f === null) return false
  const o = f as Record<string, unknown>
  return typeof o.name === 'string' && typeof o.kind === 'string' && (o.levels === undefined || Array.isArray(o.levels))
}
