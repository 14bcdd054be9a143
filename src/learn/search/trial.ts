/** @module One evaluated parameter set, and how trials are ranked by a metric's direction. */
import type { Frame } from '../../core/frame.js'
import type { Direction, MetricName } from '../metrics/table.js'
import type { Learner, Task } from '../model.js'
import { crossValidate } from '../validation/cross-validate.js'
import type { Split } from '../validation/split.js'
import type { Params } from './space.js'

/** A parameter set scored by cross-validation. */
export interface Trial {
  /** Order of evaluation, from 0. */
  readonly index: number
  /** Which candidate this is; halving evaluates a candidate once per round it survives. */
  readonly candidate: number
  /** The parameters the learner was built with (including a halving resource parameter). */
  readonly params: Params
  /** Halving round, from 0; always 0 for grid and random search. */
  readonly round: number
  /** Halving budget: training rows per fold, or the resource parameter's value. */
  readonly resource?: number
  readonly foldScores: readonly number[]
  readonly meanScore: number
  readonly stdScore: number
  /** Total wall time of the fits, in milliseconds. */
  readonly fitMs: number
}

/** What a trial needs to run, fixed for a whole search. */
export interface TrialContext {
  readonly learner: (params: Params) => Learner
  readonly frame: Frame
  readonly fit: { readonly label: string; readonly task: Task; readonly features?: readonly string[] }
  readonly metric: MetricName
  readonly onTrial?: (trial: Trial) => void | Promise<void>
  /** Trials so far, appended by `runTrial`. */
  readonly trials: Trial[]
}

/** Cross-validates one parameter set on the given splits, records it and tells `onTrial`. */
export async function runTrial(
  ctx: TrialContext,
  params: Params,
  splits: readonly Split[],
  at: { candidate: number; round: number; resource?: number },
): Promise<Trial> {
  const cv = await crossValidate(ctx.learner(params), ctx.frame, { ...ctx.fit, splitter: () => splits, metrics: [ctx.metric] })
  const trial: Trial = {
    index: ctx.trials.length,
    ...at,
    params,
    foldScores: cv.folds.map((f) => f.scores[ctx.metric] ?? Number.NaN),
    meanScore: cv.mean[ctx.metric] ?? Number.NaN,
    stdScore: cv.std[ctx.metric] ?? Number.NaN,
    fitMs: cv.fitMs,
  }
  ctx.trials.push(trial)
  await ctx.onTrial?.(trial)
  return trial
}

/** Trials best first for the direction; NaN scores last, ties by evaluation order. */
export function rank(trials: readonly Trial[], direction: Direction): Trial[] {
  const key = (t: Trial) => (Number.isNaN(t.meanScore) ? Number.NEGATIVE_INFINITY : direction === 'max' ? t.meanScore : -t.meanScore)
  return [...trials].sort((a, b) => key(b) - key(a) || a.index - b.index)
}
