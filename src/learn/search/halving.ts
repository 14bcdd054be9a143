/** @module Successive halving: many candidates on a small budget, the best 1/factor go on with factor × the budget. */
import { KeelError } from '../../core/errors.js'
import type { Direction } from '../metrics/table.js'
import { holdout } from '../validation/holdout.js'
import type { Split } from '../validation/split.js'
import type { Params } from './space.js'
import { rank, runTrial, type Trial, type TrialContext } from './trial.js'

export interface HalvingOptions {
  /** Keep the best 1/factor each round, and multiply the budget by factor (default 3). */
  readonly factor?: number
  /** `rows` (default): training rows per fold; or the name of an integer learner parameter such as `nTrees`. */
  readonly resource?: string
  /** First-round budget; default: so that the last round reaches `maxResources`. */
  readonly minResources?: number
  /** Required for a parameter resource; for rows, the smallest fold's training rows. */
  readonly maxResources?: number
}

const invalidParams = (message: string): KeelError => new KeelError('LEARN_INVALID_PARAMS', message)

/**
 * Budgets per round: as many rounds as the candidates allow (1 + ⌊log_factor n⌋),
 * fewer if the budget range is too narrow, as scikit-learn's halving search.
 *
 * @example
 * ```ts
 * schedule(27, 3, 270) // [10, 30, 90, 270]
 * ```
 */
export function schedule(nCandidates: number, factor: number, maxResources: number, minResources?: number): number[] {
  if (!(factor > 1)) throw invalidParams(`halving factor must be greater than 1, got ${factor}`)
  const required = 1 + Math.floor(Math.log(nCandidates) / Math.log(factor) + 1e-9)
  const min = minResources ?? Math.max(1, Math.ceil(maxResources / factor ** (required - 1)))
  if (!(min >= 1 && min <= maxResources)) throw invalidParams(`minResources ${min} must be between 1 and maxResources ${maxResources}`)
  const possible = 1 + Math.floor(Math.log(maxResources / min) / Math.log(factor) + 1e-9)
  return Array.from({ length: Math.min(required, possible) }, (_, i) => Math.min(maxResources, Math.round(min * factor ** i)))
}

/** Runs the rounds; returns the last round's trials. `labels` (class indices) stratify row subsamples. */
export async function halve(
  ctx: TrialContext,
  candidates: readonly Params[],
  splits: readonly Split[],
  direction: Direction,
  options: HalvingOptions & { readonly seed: number; readonly labels?: Float64Array },
): Promise<Trial[]> {
  const factor = options.factor ?? 3
  const byRows = (options.resource ?? 'rows') === 'rows'
  const max = options.maxResources ?? (byRows ? Math.min(...splits.map((s) => s.train.length)) : undefined)
  if (max === undefined) throw invalidParams(`halving on "${options.resource}" needs maxResources`)
  const budgets = schedule(candidates.length, factor, max, options.minResources)
  let alive = candidates.map((params, candidate) => ({ params, candidate }))
  let last: Trial[] = []
  for (const [round, resource] of budgets.entries()) {
    const roundSplits = byRows ? splits.map((s, i) => subsample(s, resource, options.seed + 1000 * round + i, options.labels)) : splits
    last = []
    for (const { params, candidate } of alive) {
      const withResource = byRows ? params : { ...params, [options.resource ?? '']: resource }
      last.push(await runTrial(ctx, withResource, roundSplits, { candidate, round, resource }))
    }
    const keep = Math.ceil(alive.length / factor)
    alive = rank(last, direction)
      .slice(0, keep)
      .map((t) => ({ params: candidates[t.candidate] ?? {}, candidate: t.candidate }))
      .sort((a, b) => a.candidate - b.candidate)
  }
  return last
}

/** A seeded sample of `rows` training rows (stratified for classification); the test rows stay whole. */
function subsample(split: Split, rows: number, seed: number, labels?: Float64Array): Split {
  if (rows >= split.train.length) return split
  const stratify = labels ? Float64Array.from(split.train, (row) => labels[row] ?? 0) : undefined
  const pick = holdout(split.train.length, { testSize: rows, seed, ...(stratify ? { stratify } : {}) }).test
  return { train: Int32Array.from(pick, (i) => split.train[i] ?? 0), test: split.test }
}
