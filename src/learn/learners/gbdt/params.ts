/** @module GBDT parameters: defaults and validation. */
import { checkChoice, checkNumber, paramError, rejectUnknown } from '../../trees/params.js'

export type GbdtObjective = 'auto' | 'binary' | 'multiclass' | 'squared' | 'absolute' | 'huber'

/** Gradient-boosted trees parameters (XGBoost names where they exist). */
export interface GbdtParams {
  /** Boosting rounds; multiclass grows one tree per class per round. */
  readonly nTrees: number
  readonly learningRate: number
  /** 0 = unlimited (then `maxLeaves` should be set). */
  readonly maxDepth: number
  /** 0 = unlimited; otherwise leaves are split best-first (LightGBM's leaf-wise growth). */
  readonly maxLeaves: number
  /** Bins per feature including the missing-value bin, 3..256 (so at least two value bins). */
  readonly maxBins: number
  /** Minimum hessian sum in a child. */
  readonly minChildWeight: number
  /** L2 regularization of leaf values. */
  readonly lambda: number
  /** Minimum gain to split. */
  readonly gamma: number
  /** Fraction of rows drawn (without replacement) for each round. */
  readonly subsample: number
  /** Fraction of features drawn for each tree. */
  readonly colsampleByTree: number
  /** Stop when the validation loss has not improved for this many rounds (needs `validation` in fit options). */
  readonly earlyStoppingRounds?: number
  readonly objective: GbdtObjective
  /** Residual size where the Huber loss turns linear. */
  readonly huberDelta: number
  readonly seed: number
  /**
   * Threads that build histograms: 0 = one per core, up to 4. The model is the same bit
   * for bit whatever the count (large nodes are always summed in the same four shares).
   */
  readonly nThreads: number
}

export const GBDT_DEFAULTS = {
  nTrees: 100,
  learningRate: 0.1,
  maxDepth: 6,
  maxLeaves: 0,
  maxBins: 256,
  minChildWeight: 1,
  lambda: 1,
  gamma: 0,
  subsample: 1,
  colsampleByTree: 1,
  objective: 'auto',
  huberDelta: 1,
  seed: 0,
  nThreads: 0,
} as const satisfies GbdtParams

const KNOWN = [...Object.keys(GBDT_DEFAULTS), 'earlyStoppingRounds']
const OBJECTIVES: readonly GbdtObjective[] = ['auto', 'binary', 'multiclass', 'squared', 'absolute', 'huber']

/** Defaults merged with `given`, every value checked; LEARN_INVALID_PARAMS names the first bad one. */
export function resolveGbdtParams(given: Partial<GbdtParams>): GbdtParams {
  const L = 'gbdt'
  rejectUnknown(L, given, KNOWN)
  const p = { ...GBDT_DEFAULTS, ...given }
  const resolved: GbdtParams = {
    nTrees: checkNumber(L, 'nTrees', p.nTrees, { min: 1, integer: true }),
    learningRate: checkNumber(L, 'learningRate', p.learningRate, { min: 0, openMin: true }),
    maxDepth: checkNumber(L, 'maxDepth', p.maxDepth, { min: 0, max: 64, integer: true }),
    maxLeaves: checkNumber(L, 'maxLeaves', p.maxLeaves, { min: 0, integer: true }),
    maxBins: checkNumber(L, 'maxBins', p.maxBins, { min: 3, max: 256, integer: true }),
    minChildWeight: checkNumber(L, 'minChildWeight', p.minChildWeight, { min: 0 }),
    lambda: checkNumber(L, 'lambda', p.lambda, { min: 0 }),
    gamma: checkNumber(L, 'gamma', p.gamma, { min: 0 }),
    subsample: checkNumber(L, 'subsample', p.subsample, { min: 0, max: 1, openMin: true }),
    colsampleByTree: checkNumber(L, 'colsampleByTree', p.colsampleByTree, { min: 0, max: 1, openMin: true }),
    objective: checkChoice(L, 'objective', p.objective, OBJECTIVES),
    huberDelta: checkNumber(L, 'huberDelta', p.huberDelta, { min: 0, openMin: true }),
    seed: checkNumber(L, 'seed', p.seed, { min: -(2 ** 31), max: 2 ** 32, integer: true }),
    nThreads: checkNumber(L, 'nThreads', p.nThreads, { min: 0, max: 1024, integer: true }),
  }
  if (resolved.maxDepth === 0 && resolved.maxLeaves === 0)
    throw paramError(L, 'parameters "maxDepth" and "maxLeaves" are both 0 (unlimited); limit at least one')
  if (resolved.maxLeaves === 1) throw paramError(L, 'parameter "maxLeaves" must be 0 (unlimited) or >= 2; got 1')
  if (p.earlyStoppingRounds === undefined) return resolved
  return { ...resolved, earlyStoppingRounds: checkNumber(L, 'earlyStoppingRounds', p.earlyStoppingRounds, { min: 1, integer: true }) }
}
