/** @module Split-gain feature importance of a tree ensemble, as XGBoost's `total_gain`/`weight` and LightGBM's `gain`/`split`. */
import { KeelError } from '../../core/errors.js'
import type { Ensemble, Tree } from '../trees/tree.js'

/** Per-feature importances, each indexed by feature. */
export interface GainImportance {
  /** Summed loss reduction of every split on the feature (XGBoost `total_gain`, LightGBM `gain`). */
  readonly totalGain: Float64Array
  /** Number of splits on the feature (XGBoost `weight`, LightGBM `split`). */
  readonly splits: Int32Array
  /** `totalGain / splits`, 0 for a feature never split on (XGBoost `gain`). */
  readonly meanGain: Float64Array
  /** `totalGain` scaled to sum to 1; all zeros when no split gained anything. */
  readonly normalizedGain: Float64Array
}

/**
 * Gain importance over all trees of an ensemble, whatever output each tree feeds.
 * Forests are summed, not averaged per tree as scikit-learn does, so the
 * normalized gain weighs a big tree's splits more than a small tree's.
 *
 * @example
 * const { normalizedGain } = gainImportance(model.ensemble)
 * const top = [...normalizedGain.keys()].sort((a, b) => normalizedGain[b]! - normalizedGain[a]!)[0]
 */
export function gainImportance(e: Ensemble): GainImportance {
  const totalGain = new Float64Array(e.nFeatures)
  const splits = new Int32Array(e.nFeatures)
  e.trees.forEach((tree, t) => {
    addTree(tree, t, e.nFeatures, totalGain, splits)
  })
  const meanGain = totalGain.map((g, f) => ((splits[f] as number) > 0 ? g / (splits[f] as number) : 0))
  const sum = totalGain.reduce((a, g) => a + g, 0)
  const normalizedGain = totalGain.map((g) => (sum > 0 ? g / sum : 0))
  return { totalGain, splits, meanGain, normalizedGain }
}

function addTree(tree: Tree, t: number, nFeatures: number, totalGain: Float64Array, splits: Int32Array): void {
  for (let node = 0; node < tree.feature.length; node++) {
    const f = tree.feature[node] as number
    if (f < 0) continue
    if (f >= nFeatures) throw new KeelError('LEARN_INVALID_INPUT', `tree ${t} node ${node} splits on feature ${f}, but the ensemble has ${nFeatures} features`)
    totalGain[f] = (totalGain[f] as number) + (tree.gain[node] as number)
    splits[f] = (splits[f] as number) + 1
  }
}
