/** @module Random forests: bootstrap samples, random features per split, Gini or variance splits, leaf values averaged. */
import type { Frame } from '../../core/frame.js'
import type { DecodedModel } from '../format.js'
import type { FitOptions, Learner } from '../model.js'
import { createRandom, type Random } from '../random.js'
import { prepareTraining, type TrainingData } from '../training-data.js'
import { type BinnedFeatures, binFeatures } from '../trees/binning.js'
import { GrowWorkspace, growTree } from '../trees/grow.js'
import type { RowStats } from '../trees/histogram.js'
import { checkNumber, paramError, rejectUnknown } from '../trees/params.js'
import { allIndices, bootstrap } from '../trees/sampling.js'
import type { Ensemble, Tree } from '../trees/tree.js'
import { decodeTreeModel, type TreeModel, treeModel } from '../trees/tree-model.js'

/** The model header kind of random-forest models. */
export const FOREST_KIND = 'random-forest'

/** Random forest parameters (scikit-learn names, camel-cased). */
export interface ForestParams {
  readonly nTrees: number
  /** 0 = unlimited. */
  readonly maxDepth: number
  /** Minimum bootstrap draws in a leaf. */
  readonly minSamplesLeaf: number
  /**
   * Features drawn at each split: 'sqrt' or 'log2' of the feature count, a
   * fraction (a number <= 1, so 1 means all) or a count (an integer > 1).
   * Default: 'sqrt' for classification, 1 for regression, as scikit-learn.
   */
  readonly maxFeatures?: 'sqrt' | 'log2' | number
  /** Bins per feature including the missing-value bin, 3..256 (so at least two value bins). */
  readonly maxBins: number
  /** Draw a bootstrap sample for each tree (otherwise every tree sees every row). */
  readonly bootstrap: boolean
  readonly seed: number
}

const DEFAULTS = { nTrees: 100, maxDepth: 0, minSamplesLeaf: 1, maxBins: 256, bootstrap: true, seed: 0 } as const satisfies ForestParams

/** A fitted random forest. */
export type ForestModel = TreeModel

/**
 * A random forest learner for classification (class probabilities averaged
 * over trees) and regression (leaf means averaged over trees).
 *
 * @example
 * ```ts
 * const model = await randomForest({ nTrees: 300, maxFeatures: 'sqrt', seed: 7 }).fit(train, { label: 'species' })
 * model.predict(test).values // class probabilities, row-major
 * ```
 */
export function randomForest(params: Partial<ForestParams> = {}): Learner<ForestParams> {
  const resolved = Object.freeze(resolveForestParams(params))
  return { kind: FOREST_KIND, params: resolved, fit: async (frame, options) => fitForest(frame, options, resolved) }
}

function resolveForestParams(given: Partial<ForestParams>): ForestParams {
  const L = FOREST_KIND
  rejectUnknown(L, given, [...Object.keys(DEFAULTS), 'maxFeatures'])
  const p = { ...DEFAULTS, ...given }
  if (typeof p.bootstrap !== 'boolean') throw paramError(L, `parameter "bootstrap" must be true or false; got ${JSON.stringify(p.bootstrap)}`)
  const resolved: ForestParams = {
    nTrees: checkNumber(L, 'nTrees', p.nTrees, { min: 1, integer: true }),
    maxDepth: checkNumber(L, 'maxDepth', p.maxDepth, { min: 0, max: 256, integer: true }),
    minSamplesLeaf: checkNumber(L, 'minSamplesLeaf', p.minSamplesLeaf, { min: 1, integer: true }),
    maxBins: checkNumber(L, 'maxBins', p.maxBins, { min: 3, max: 256, integer: true }),
    bootstrap: p.bootstrap,
    seed: checkNumber(L, 'seed', p.seed, { min: -(2 ** 31), max: 2 ** 32, integer: true }),
  }
  const mf = p.maxFeatures
  if (mf === undefined) return resolved
  if (mf === 'sqrt' || mf === 'log2') return { ...resolved, maxFeatures: mf }
  const ok = typeof mf === 'number' && Number.isFinite(mf) && mf > 0 && (mf <= 1 || Number.isInteger(mf))
  if (!ok) throw paramError(L, `parameter "maxFeatures" must be 'sqrt', 'log2', a fraction in (0, 1] or an integer count > 1; got ${JSON.stringify(mf)}`)
  return { ...resolved, maxFeatures: mf }
}

/** How many features each split draws. */
export function featuresPerSplit(maxFeatures: ForestParams['maxFeatures'], classification: boolean, nFeatures: number): number {
  const mf = maxFeatures ?? (classification ? 'sqrt' : 1)
  const count = mf === 'sqrt' ? Math.sqrt(nFeatures) : mf === 'log2' ? Math.log2(nFeatures) : mf <= 1 ? mf * nFeatures : mf
  return Math.min(nFeatures, Math.max(1, Math.floor(count)))
}

function fitForest(frame: Frame, options: FitOptions, params: ForestParams): ForestModel {
  const data = prepareTraining(frame, options)
  const classification = data.task !== 'regression'
  const bins = binFeatures(data.columns, data.nRows, params.maxBins)
  const target = classification ? classTarget(data) : regressionTarget(data)
  const random = createRandom(params.seed)
  const perSplit = featuresPerSplit(params.maxFeatures, classification, data.columns.length)
  const trees: Tree[] = []
  const workspace = new GrowWorkspace()
  for (let t = 0; t < params.nTrees; t++) trees.push(growOne(bins, target, params, perSplit, random, workspace))
  const width = target.width
  const ensemble: Ensemble = {
    trees,
    width,
    treeOutput: new Int32Array(trees.length).fill(-1),
    base: new Float64Array(width),
    aggregate: 'mean',
    nFeatures: data.columns.length,
  }
  const info = { params, featuresPerSplit: perSplit }
  return treeModel({ kind: FOREST_KIND, task: data.task, label: data.label, features: data.features, classes: data.classes, ensemble, link: 'identity', info })
}

interface Target {
  readonly stats: RowStats
  readonly width: number
  readonly nodeValue: (stats: Float64Array, out: number[]) => void
}

/** One-hot class counts: Σ_c n_c²/n over children is the Gini impurity decrease (λ = 0). */
function classTarget(data: TrainingData): Target {
  const k = data.classes.length
  const grad = new Float64Array(data.nRows * k)
  data.y.forEach((c, i) => {
    grad[i * k + c] = 1
  })
  const nodeValue = (s: Float64Array, out: number[]) => {
    const n = s[k] as number
    for (let c = 0; c < k; c++) out.push((s[c] as number) / n)
  }
  return { stats: { channels: k, grad, hess: new Float64Array(data.nRows).fill(1) }, width: k, nodeValue }
}

/** Centered targets: G²/n over children is the variance (squared error) decrease, and centering keeps it well scaled. */
function regressionTarget(data: TrainingData): Target {
  let mean = 0
  for (const v of data.y) mean += v / data.nRows
  const grad = data.y.map((v) => v - mean)
  const nodeValue = (s: Float64Array, out: number[]) => {
    out.push(mean + (s[0] as number) / (s[1] as number))
  }
  return { stats: { channels: 1, grad, hess: new Float64Array(data.nRows).fill(1) }, width: 1, nodeValue }
}

function growOne(bins: BinnedFeatures, target: Target, params: ForestParams, perSplit: number, random: Random, workspace: GrowWorkspace): Tree {
  const rows = params.bootstrap ? bootstrap(random, bins.nRows) : allIndices(bins.nRows)
  return growTree(bins, target.stats, rows, rows.length, {
    maxDepth: params.maxDepth,
    maxLeaves: 0,
    minChildWeight: params.minSamplesLeaf,
    lambda: 0,
    gamma: 0,
    features: allIndices(bins.codes.length),
    featuresPerSplit: { count: perSplit, random },
    width: target.width,
    nodeValue: target.nodeValue,
    workspace,
  })
}

/**
 * Rebuilds a random forest from `decodeModel(bytes)`; predictions are bit-identical to the saved model's.
 *
 * @example
 * ```ts
 * const model = decodeForest(decodeModel(bytes))
 * ```
 */
export function decodeForest(decoded: DecodedModel): ForestModel {
  return decodeTreeModel(decoded, FOREST_KIND)
}
