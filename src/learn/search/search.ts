/** @module Hyperparameter search: grid, seeded random, and successive halving over cross-validated trials. */
import { KeelError } from '../../core/errors.js'
import type { Frame } from '../../core/frame.js'
import { type Direction, type MetricName, metricFor, STANDARD_METRICS } from '../metrics/table.js'
import type { Learner, Task } from '../model.js'
import { createRandom } from '../random.js'
import { prepareTraining } from '../training-data.js'
import { defaultSplits, fitOptions } from '../validation/cross-validate.js'
import type { Split } from '../validation/split.js'
import { type HalvingOptions, halve } from './halving.js'
import { grid, type Params, type SearchSpace, sample } from './space.js'
import { rank, runTrial, type Trial, type TrialContext } from './trial.js'

export interface SearchOptions {
  /** Builds a learner for one parameter set. */
  readonly learner: (params: Params) => Learner
  readonly space: SearchSpace
  readonly strategy: 'grid' | 'random' | 'halving'
  readonly frame: Frame
  readonly label: string
  readonly task?: Task | 'auto'
  readonly features?: readonly string[]
  /** Cross-validation folds (default 5) unless `splitter` gives the splits. */
  readonly folds?: number
  readonly splitter?: (frame: Frame) => readonly Split[]
  /** What to optimize; default the task's first standard metric (rocAuc, logLoss, rmse). */
  readonly metric?: MetricName
  /** Candidates for random and halving search (default 10 and 27). */
  readonly nIter?: number
  /** Seeds sampling and halving's row subsamples (default 0). */
  readonly seed?: number
  readonly halving?: HalvingOptions
  /** Called after every trial, e.g. to log it as a nested tracked run; awaited. */
  readonly onTrial?: (trial: Trial) => void | Promise<void>
}

export interface SearchResult {
  readonly metric: MetricName
  readonly direction: Direction
  readonly trials: readonly Trial[]
  /** The best trial (halving: of the last round). */
  readonly best: Trial
  readonly bestParams: Params
  readonly bestScore: number
}

/**
 * Cross-validates candidate parameter sets and names the best by the metric's direction.
 *
 * @example
 * ```ts
 * const result = await search({
 *   learner: (p) => gbdt(p),
 *   space: { learningRate: logUniform(0.01, 0.3), maxDepth: intRange(2, 6) },
 *   strategy: 'random', nIter: 20, seed: 1, frame, label: 'churned', metric: 'rocAuc',
 * })
 * result.bestParams
 * ```
 */
export async function search(options: SearchOptions): Promise<SearchResult> {
  const data = prepareTraining(options.frame, fitOptions(options))
  const metric = options.metric ?? STANDARD_METRICS[data.task][0] ?? 'rmse'
  const { direction } = metricFor(metric, data.task)
  const splits = options.splitter ? options.splitter(options.frame) : defaultSplits(data.task, data.y, options.folds ?? 5)
  const ctx: TrialContext = {
    learner: options.learner,
    frame: options.frame,
    fit: { ...fitOptions(options), task: data.task },
    metric,
    ...(options.onTrial ? { onTrial: options.onTrial } : {}),
    trials: [],
  }
  const seed = options.seed ?? 0
  const candidates = options.strategy === 'grid' ? grid(options.space) : sample(options.space, candidateCount(options), createRandom(seed))
  let finalists: Trial[]
  if (options.strategy === 'halving') {
    const labels = data.task === 'regression' ? {} : { labels: data.y }
    finalists = await halve(ctx, candidates, splits, direction, { ...options.halving, seed, ...labels })
  } else {
    for (const [candidate, params] of candidates.entries()) await runTrial(ctx, params, splits, { candidate, round: 0 })
    finalists = ctx.trials
  }
  const best = rank(finalists, direction)[0]
  if (!best) throw new KeelError('LEARN_INVALID_PARAMS', 'the search evaluated no candidates')
  return { metric, direction, trials: ctx.trials, best, bestParams: best.params, bestScore: best.meanScore }
}

function candidateCount(options: SearchOptions): number {
  const n = options.nIter ?? (options.strategy === 'halving' ? 27 : 10)
  if (!Number.isInteger(n) || n < 1) throw new KeelError('LEARN_INVALID_PARAMS', `nIter must be a positive integer, got ${n}`)
  return n
}
