/**
 * @module Canary analysis: with a challenger taking traffic, compare it with the champion on
 * live feedback since the canary began. Classification: the share of correct answers, by a two-sided two-proportion
 * z-test (pooled); regression: the squared errors, by Welch's t-test with a normal tail (the
 * samples required are large enough for it). Below the minimum sample per arm, no verdict.
 */
import type { Task } from '../learn/model.js'
import type { WindowRow } from '../stores/metadata-store.js'
import { erfc } from './stats/special.js'

export interface CanaryPolicy {
  /** Labelled predictions needed per arm before judging (default 100). */
  readonly minSamples?: number
  /**
   * The canary's budget: once both arms have this many labelled predictions and the challenger
   * has not proved significantly better, the verdict is `not better` and `autoRollback` ends it.
   * Unset, an undecided canary runs until someone acts.
   */
  readonly maxSamples?: number
  /** Significance level (default 0.05). */
  readonly alpha?: number
  /** Promote the challenger when it is significantly better. */
  readonly autoPromote?: boolean
  /** End the canary when the challenger is significantly worse (or, with `maxSamples`, not better by then). */
  readonly autoRollback?: boolean
}

export interface ArmStats {
  readonly n: number
  /** Share correct (classification) or mean squared error (regression). */
  readonly score: number
}

export interface CanaryAnalysis {
  readonly test: 'two-proportion z-test on accuracy' | 'Welch t-test on squared error'
  readonly champion: ArmStats
  readonly challenger: ArmStats
  readonly statistic: number | null
  readonly pValue: number | null
  /**
   * `better`/`worse`: significant at alpha; `inconclusive`: not significant yet; `not better`: not
   * significant with `maxSamples` per arm reached; `insufficient`: too few labels.
   */
  readonly verdict: 'better' | 'worse' | 'inconclusive' | 'not better' | 'insufficient'
  readonly reason: string
}

function outcome(row: WindowRow, task: Task): number | null {
  if (row.label === null || row.fallback) return null
  const label = JSON.parse(row.label) as unknown
  const output = JSON.parse(row.output) as { label?: string } | number
  if (task === 'regression') return typeof output === 'number' && typeof label === 'number' ? (output - label) ** 2 : null
  return typeof output === 'object' && output !== null ? (output.label === String(label) ? 1 : 0) : null
}

const twoSided = (z: number) => erfc(Math.abs(z) / Math.SQRT2)

/**
 * Compares challenger and champion on the labelled rows of a window.
 *
 * @example
 * ```ts
 * analyzeCanary(rows, 'binary', { minSamples: 200 }) // { verdict: 'worse', pValue: 0.0004, … }
 * ```
 */
export function analyzeCanary(rows: readonly WindowRow[], task: Task, policy: CanaryPolicy = {}): CanaryAnalysis {
  const minSamples = policy.minSamples ?? 100
  const alpha = policy.alpha ?? 0.05
  const arms = { champion: [] as number[], challenger: [] as number[] }
  for (const row of rows) {
    if (row.alias !== 'champion' && row.alias !== 'challenger') continue
    const o = outcome(row, task)
    if (o !== null) arms[row.alias].push(o)
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
  const champion = { n: arms.champion.length, score: mean(arms.champion) }
  const challenger = { n: arms.challenger.length, score: mean(arms.challenger) }
  const regression = task === 'regression'
  const test = regression ? ('Welch t-test on squared error' as const) : ('two-proportion z-test on accuracy' as const)
  if (champion.n < minSamples || challenger.n < minSamples) {
    return {
      test,
      champion,
      challenger,
      statistic: null,
      pValue: null,
      verdict: 'insufficient',
      reason: `needs ${minSamples} labelled predictions per arm; has ${champion.n} (champion) and ${challenger.n} (challenger)`,
    }
  }
  let z: number
  if (regression) {
    const variance = (xs: number[], m: number) => xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)
    const se = Math.sqrt(variance(arms.champion, champion.score) / champion.n + variance(arms.challenger, challenger.score) / challenger.n)
    // lower error is better, so a positive z favours the challenger
    z = se === 0 ? 0 : (champion.score - challenger.score) / se
  } else {
    const pooled = (champion.score * champion.n + challenger.score * challenger.n) / (champion.n + challenger.n)
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / champion.n + 1 / challenger.n))
    z = se === 0 ? 0 : (challenger.score - champion.score) / se
  }
  const pValue = twoSided(z)
  const what = regression ? 'mean squared error' : 'accuracy'
  const numbers = `${what} ${challenger.score.toPrecision(4)} (challenger, n=${challenger.n}) vs ${champion.score.toPrecision(4)} (champion, n=${champion.n}), p=${pValue.toPrecision(3)}`
  if (pValue >= alpha) {
    const spent = policy.maxSamples !== undefined && champion.n >= policy.maxSamples && challenger.n >= policy.maxSamples
    if (spent)
      return {
        test,
        champion,
        challenger,
        statistic: z,
        pValue,
        verdict: 'not better',
        reason: `challenger not significantly better at ${alpha} after ${policy.maxSamples} labelled predictions per arm: ${numbers}`,
      }
    return { test, champion, challenger, statistic: z, pValue, verdict: 'inconclusive', reason: `no significant difference at ${alpha}: ${numbers}` }
  }
  const verdict = z > 0 ? 'better' : 'worse'
  return { test, champion, challenger, statistic: z, pValue, verdict, reason: `challenger significantly ${verdict} at ${alpha}: ${numbers}` }
}
