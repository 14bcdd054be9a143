/**
 * @module Fitting one candidate of a model spec: cross-validate its parameter sets on the
 * training rows (searching when it has a space), then refit the best on all of them.
 */
import { KeelError } from '../../core/errors.js'
import { type Frame, numericView } from '../../core/frame.js'
import { learners } from '../../learn/learners/index.js'
import { type Direction, type MetricName, metricFor } from '../../learn/metrics/table.js'
import type { Learner, Task } from '../../learn/model.js'
import { search } from '../../learn/search/search.js'
import type { Params } from '../../learn/search/space.js'
import { crossValidate } from '../../learn/validation/cross-validate.js'
import { holdout } from '../../learn/validation/holdout.js'
import { kFold, stratifiedKFold } from '../../learn/validation/kfold.js'
import type { Split } from '../../learn/validation/split.js'
import { timeSplit } from '../../learn/validation/time.js'
import type { CandidateSpec, ModelSpec } from '../model-spec.js'

/** One cross-validated parameter set. */
export interface TrialRecord {
  readonly index: number
  readonly params: Params
  readonly foldScores: readonly number[]
  readonly meanScore: number
  readonly stdScore: number
  readonly fitMs: number
  /** The nested run it was tracked as. */
  readonly runId: string | null
}

/** What fitting a candidate produced. */
export interface CandidateFit {
  readonly name: string
  readonly learner: CandidateSpec['learner']
  /** The parameters of the refitted model (fixed ones and the best searched ones). */
  readonly params: Params
  readonly metric: MetricName
  readonly direction: 'max' | 'min'
  readonly meanScore: number
  readonly stdScore: number
  readonly trials: readonly TrialRecord[]
  /** Wall time of the final refit, in milliseconds. */
  readonly refitMs: number
  readonly model: Uint8Array
}

export interface FitCandidateOptions {
  readonly name: string
  readonly candidate: CandidateSpec
  readonly spec: ModelSpec
  readonly train: Frame
  readonly task: Task
  readonly label: string
  readonly features: readonly string[]
  /** Class index per training row (classification), for stratified folds. */
  readonly classIndex: Float64Array | null
  readonly metric: MetricName
  readonly seed: number
  /** Called after each trial; returns the id of the nested run it was logged as. */
  readonly onTrial?: (trial: Omit<TrialRecord, 'runId'>, expected: number) => Promise<string | null>
}

/** A learner of the spec's kind; linear learners get the spec's preprocessing, trees its seed. */
export function learnerFor(candidate: CandidateSpec, params: Params, spec: ModelSpec, seed: number): Learner {
  const all = { ...(candidate.params ?? {}), ...params } as Record<string, unknown>
  switch (candidate.learner) {
    case 'gbdt':
      return learners.gbdt({ seed, ...all })
    case 'randomForest':
      return learners.randomForest({ seed, ...all })
    case 'logistic':
      return learners.logistic({ ...(spec.preprocessing === undefined ? {} : { preprocess: spec.preprocessing }), ...all })
    case 'linear':
      return learners.linear({ ...(spec.preprocessing === undefined ? {} : { preprocess: spec.preprocessing }), ...all })
    case 'baseline':
      return learners.baseline(all)
  }
}

/** The validation splits of the training rows the spec asks for. */
export function validationSplits(spec: ModelSpec, train: Frame, classIndex: Float64Array | null, seed: number): Split[] {
  const v = spec.validation ?? { kind: 'kfold' }
  switch (v.kind) {
    case 'kfold': {
      const folds = v.folds ?? 5
      return classIndex ? stratifiedKFold(classIndex, { folds }) : kFold(train.nRows, { folds, shuffle: true, seed })
    }
    case 'holdout':
      return [holdout(train.nRows, { testSize: v.fraction ?? 0.2, seed, ...(classIndex ? { stratify: classIndex } : {}) })]
    case 'time':
      return timeSplit(numericView(train.column(v.column)), { folds: v.folds ?? 3 })
  }
}

/** How many trials the candidate will run (for progress). */
function expectedTrials(candidate: CandidateSpec): number {
  const space = candidate.space ?? {}
  if (Object.keys(space).length === 0) return 1
  const strategy = strategyOf(candidate)
  if (strategy === 'random') return candidate.trials ?? 8
  if (strategy === 'halving') {
    let n = candidate.trials ?? 8
    let total = 0
    while (n >= 1) {
      total += n
      n = Math.floor(n / 3)
    }
    return total
  }
  return Object.values(space).reduce((n, axis) => n * (Array.isArray(axis) ? axis.length : 1), 1)
}

function strategyOf(candidate: CandidateSpec): 'grid' | 'random' | 'halving' {
  if (candidate.search) return candidate.search
  return Object.values(candidate.space ?? {}).every((axis) => Array.isArray(axis)) ? 'grid' : 'random'
}

/** Cross-validates the candidate (searching its space) and refits the best parameters on all training rows. */
export async function fitCandidate(o: FitCandidateOptions): Promise<CandidateFit> {
  const { candidate, spec } = o
  const splits = validationSplits(spec, o.train, o.classIndex, o.seed)
  const expected = expectedTrials(candidate)
  const trials: TrialRecord[] = []
  const record = async (t: Omit<TrialRecord, 'runId'>) => {
    trials.push({ ...t, runId: (await o.onTrial?.(t, expected)) ?? null })
  }
  const hasSpace = Object.keys(candidate.space ?? {}).length > 0
  let best: { params: Params; meanScore: number; stdScore: number; metric: MetricName; direction: Direction }
  try {
    if (hasSpace) {
      const result = await search({
        learner: (p) => learnerFor(candidate, p, spec, o.seed),
        space: candidate.space ?? {},
        strategy: strategyOf(candidate),
        nIter: candidate.trials ?? 8,
        frame: o.train,
        label: o.label,
        task: o.task,
        features: o.features,
        splitter: () => splits,
        metric: o.metric,
        seed: o.seed,
        onTrial: (t) => record({ index: t.index, params: t.params, foldScores: t.foldScores, meanScore: t.meanScore, stdScore: t.stdScore, fitMs: t.fitMs }),
      })
      best = { params: result.bestParams, meanScore: result.bestScore, stdScore: result.best.stdScore, metric: result.metric, direction: result.direction }
    } else {
      const cv = await crossValidate(learnerFor(candidate, {}, spec, o.seed), o.train, {
        label: o.label,
        task: o.task,
        features: o.features,
        splitter: () => splits,
        metrics: [o.metric],
      })
      const foldScores = cv.folds.map((f) => f.scores[o.metric] ?? Number.NaN)
      const meanScore = cv.mean[o.metric] ?? Number.NaN
      const stdScore = cv.std[o.metric] ?? Number.NaN
      await record({ index: 0, params: {}, foldScores, meanScore, stdScore, fitMs: cv.fitMs })
      best = { params: {}, meanScore, stdScore, metric: o.metric, direction: metricFor(o.metric, o.task).direction }
    }
  } catch (error) {
    if (error instanceof KeelError) throw new KeelError(error.code, `candidate "${o.name}" (${candidate.learner}): ${error.message}`, { hint: error.hint })
    throw error
  }
  const started = performance.now()
  const model = await learnerFor(candidate, best.params, spec, o.seed).fit(o.train, { label: o.label, task: o.task, features: o.features })
  return {
    name: o.name,
    learner: candidate.learner,
    params: { ...((candidate.params ?? {}) as Params), ...best.params },
    metric: best.metric,
    direction: best.direction,
    meanScore: best.meanScore,
    stdScore: best.stdScore,
    trials,
    refitMs: performance.now() - started,
    model: model.save(),
  }
}
