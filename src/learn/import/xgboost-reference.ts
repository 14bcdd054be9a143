/**
 * @module XGBoost's own prediction rule for a JSON model, written straight from the file with no
 * conversion: the reference an imported model is checked against before it is registered.
 */
import { KeelError } from '../../core/errors.js'
import type { Frame } from '../../core/frame.js'
import { applyLink, type Link } from '../link.js'
import type { FeatureSpec } from '../model.js'
import { featureColumns } from '../training-data.js'

interface Trees {
  readonly learner: {
    readonly learner_model_param: { readonly base_score: string; readonly num_class: string }
    readonly objective: { readonly name: string }
    readonly gradient_booster: {
      readonly model: {
        readonly trees: readonly {
          readonly left_children: readonly number[]
          readonly right_children: readonly number[]
          readonly split_indices: readonly number[]
          readonly split_conditions: readonly number[]
          readonly default_left: readonly number[]
        }[]
        readonly tree_info: readonly number[]
      }
    }
  }
}

/**
 * What XGBoost 1.x predicts for `frame`: each value and split rounded to float32, `x < split` goes
 * left, a missing value follows `default_left`, leaves summed in float32 per class onto the base
 * margin, then the objective's link.
 */
export function xgboostReference(json: unknown, features: readonly FeatureSpec[], link: Link, frame: Frame): Float64Array {
  const { learner } = json as Trees
  const columns = featureColumns(frame, features)
  const classes = Number(learner?.learner_model_param?.num_class ?? 0)
  const k = link === 'softmax' ? classes : 1
  const base = Number(learner?.learner_model_param?.base_score)
  if (!Number.isFinite(base) || k < 1) throw new KeelError('MODEL_FORMAT_UNSUPPORTED', 'the XGBoost model has no readable base_score or class count')
  const margin = Math.fround(link === 'sigmoid' ? Math.log(base / (1 - base)) : base)
  const raw = new Float64Array(frame.nRows * k).fill(margin)
  const { trees, tree_info: info } = learner.gradient_booster.model
  trees.forEach((t, index) => {
    const out = k === 1 ? 0 : (info[index] as number)
    for (let i = 0; i < frame.nRows; i++) {
      let node = 0
      while ((t.left_children[node] as number) >= 0) {
        const x = (columns[t.split_indices[node] as number] as Float64Array)[i] as number
        const left = Number.isNaN(x) ? t.default_left[node] === 1 : Math.fround(x) < Math.fround(t.split_conditions[node] as number)
        node = (left ? t.left_children[node] : t.right_children[node]) as number
      }
      raw[i * k + out] = Math.fround((raw[i * k + out] as number) + Math.fround(t.split_conditions[node] as number))
    }
  })
  return applyLink(link, raw, frame.nRows)
}
