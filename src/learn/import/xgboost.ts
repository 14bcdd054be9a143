/**
 * @module Importing an XGBoost model saved as JSON (`model.save_model('m.json')`, XGBoost 1.x)
 * as a Keel GBDT model, so that teams can register and serve models trained in Python.
 */
import { KeelError } from '../../core/errors.js'
import type { Link } from '../link.js'
import type { FeatureSpec, Task } from '../model.js'
import { emptyTree, type Tree } from '../trees/tree.js'
import { type TreeModel, treeModel } from '../trees/tree-model.js'
import { thresholdFor } from './bounds.js'

interface XgbTree {
  readonly left_children: readonly number[]
  readonly right_children: readonly number[]
  readonly split_indices: readonly number[]
  readonly split_conditions: readonly number[]
  readonly default_left: readonly number[]
  readonly split_type?: readonly number[]
}

interface XgbModel {
  readonly learner: {
    readonly feature_names?: readonly string[]
    readonly learner_model_param: { readonly base_score: string; readonly num_class: string; readonly num_feature: string }
    readonly objective: { readonly name: string }
    readonly gradient_booster: { readonly name?: string; readonly model: { readonly trees: readonly XgbTree[]; readonly tree_info: readonly number[] } }
  }
}

const OBJECTIVES: Readonly<Record<string, { task: Task; link: Link }>> = {
  'binary:logistic': { task: 'binary', link: 'sigmoid' },
  'reg:squarederror': { task: 'regression', link: 'identity' },
  'reg:linear': { task: 'regression', link: 'identity' },
  'reg:absoluteerror': { task: 'regression', link: 'identity' },
  'reg:pseudohubererror': { task: 'regression', link: 'identity' },
  'multi:softprob': { task: 'multiclass', link: 'softmax' },
  'multi:softmax': { task: 'multiclass', link: 'softmax' },
}

export interface XgboostImportOptions {
  /** The label's name (XGBoost does not store it). */
  readonly label: string
  /** Feature names in column order; default the model's own, else f0, f1, … */
  readonly features?: readonly string[]
  /** Class labels in output order; default 0, 1, … */
  readonly classes?: readonly string[]
}

/**
 * A Keel model predicting what the XGBoost model predicts. Features are numbers, missing as
 * NaN. XGBoost sends `x < split` left; Keel's `x <= threshold` uses the largest double below
 * the split, compared as XGBoost does, in float32.
 *
 * @example
 * ```ts
 * const model = importXgboost(JSON.parse(readFileSync('churn.json', 'utf8')), { label: 'churned' })
 * ```
 */
export function importXgboost(json: unknown, options: XgboostImportOptions): TreeModel {
  const m = json as XgbModel
  const learner = m?.learner
  if (learner?.gradient_booster?.model?.trees === undefined) {
    throw new KeelError('MODEL_FORMAT_UNSUPPORTED', 'not an XGBoost JSON model (no learner.gradient_booster.model.trees)', {
      hint: "Save the model with model.save_model('model.json') (XGBoost 1.0 or later, gbtree booster).",
    })
  }
  const kind = OBJECTIVES[learner.objective.name]
  if (kind === undefined) {
    throw new KeelError(
      'MODEL_FORMAT_UNSUPPORTED',
      `XGBoost objective ${learner.objective.name} is not supported (supported: ${Object.keys(OBJECTIVES).join(', ')})`,
    )
  }
  const nFeatures = Number(learner.learner_model_param.num_feature)
  const numClass = Number(learner.learner_model_param.num_class)
  const k = kind.task === 'multiclass' ? numClass : 1
  const names =
    options.features ??
    (learner.feature_names && learner.feature_names.length === nFeatures ? learner.feature_names : Array.from({ length: nFeatures }, (_, j) => `f${j}`))
  if (names.length !== nFeatures) throw new KeelError('MODEL_FORMAT_UNSUPPORTED', `the model has ${nFeatures} features; ${names.length} names were given`)
  const baseScore = Number(learner.learner_model_param.base_score)
  // binary:logistic stores its base as a probability; the others as a margin
  const margin = kind.link === 'sigmoid' ? Math.log(baseScore / (1 - baseScore)) : baseScore
  const trees = learner.gradient_booster.model.trees.map(convertTree)
  const features: FeatureSpec[] = names.map((name) => ({ name, kind: 'number' }))
  const classes = kind.task === 'regression' ? [] : (options.classes ?? Array.from({ length: kind.task === 'binary' ? 2 : k }, (_, c) => String(c)))
  return treeModel({
    kind: 'gbdt',
    task: kind.task,
    label: options.label,
    features,
    classes,
    ensemble: {
      trees,
      width: 1,
      treeOutput: Int32Array.from(learner.gradient_booster.model.tree_info, (c) => (k === 1 ? 0 : c)),
      base: new Float64Array(k).fill(margin),
      aggregate: 'sum',
      nFeatures,
    },
    link: kind.link,
    info: { importedFrom: 'xgboost', objective: learner.objective.name },
  })
}

function convertTree(t: XgbTree): Tree {
  const n = t.left_children.length
  if ((t.split_type ?? []).some((s) => s !== 0))
    throw new KeelError('MODEL_FORMAT_UNSUPPORTED', 'XGBoost categorical splits are not supported; one-hot encode instead')
  const tree = emptyTree(n)
  for (let i = 0; i < n; i++) {
    const leaf = (t.left_children[i] as number) < 0
    tree.feature[i] = leaf ? -1 : (t.split_indices[i] as number)
    tree.left[i] = leaf ? -1 : (t.left_children[i] as number)
    tree.right[i] = leaf ? -1 : (t.right_children[i] as number)
    tree.missingLeft[i] = (t.default_left[i] as number) === 1 ? 1 : 0
    // XGBoost stores a leaf's value where a split keeps its condition
    if (leaf) tree.value[i] = t.split_conditions[i] as number
    // XGBoost sends x left when float32(x) < float32(split); ties in that rounding go to the even float32
    else tree.threshold[i] = thresholdFor(Math.fround(t.split_conditions[i] as number), true, 'float')
  }
  return tree
}
