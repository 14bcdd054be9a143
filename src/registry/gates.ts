/**
 * @module Gates: the conditions a candidate must meet before it is registered as approved.
 * Semantics as in MLflow's validation thresholds and TFX's blessing: every metric has a
 * direction; with no champion yet only the absolute and baseline gates apply; a spec with no
 * gate at all never approves automatically.
 */
import { KeelError } from '../core/errors.js'
import { METRICS, type MetricName } from '../learn/metrics/table.js'

/** Gates as a model spec declares them. */
export interface Gates {
  /** Better than the baseline model by at least `by` (in the metric's direction). */
  readonly beatBaseline?: { readonly metric: MetricName; readonly by?: number }
  /** No worse than the champion by more than `by` (absolute) or `byRelative` (a fraction of the champion's value). */
  readonly notWorseThanChampion?: { readonly metric: MetricName; readonly by?: number; readonly byRelative?: number }
  /** Lower bounds: `{ rocAuc: 0.75 }`. */
  readonly min?: Readonly<Partial<Record<MetricName, number>>>
  /** Upper bounds: `{ rmse: 12 }`. */
  readonly max?: Readonly<Partial<Record<MetricName, number>>>
  /** Median single-row prediction latency. */
  readonly maxPredictLatencyMs?: number
  /** Per-slice lower bounds: every value of `column` must reach them. */
  readonly slices?: { readonly column: string; readonly min: Readonly<Partial<Record<MetricName, number>>> }
}

/** What the gates are judged on. */
export interface GateEvidence {
  readonly candidate: Readonly<Partial<Record<MetricName, number>>>
  readonly baseline?: Readonly<Partial<Record<MetricName, number>>>
  /** The current champion's metrics on the same test rows; absent when there is no champion. */
  readonly champion?: Readonly<Partial<Record<MetricName, number>>>
  readonly predictLatencyMs?: number
  /** Per slice value: the candidate's metrics on the rows of that value. */
  readonly slices?: Readonly<Record<string, Readonly<Partial<Record<MetricName, number>>>>>
}

export interface GateResult {
  readonly gate: string
  readonly passed: boolean
  /** Says what was compared, with the numbers. */
  readonly detail: string
}

export interface GateVerdict {
  /** True when at least one gate applied and every applicable gate passed. */
  readonly passed: boolean
  readonly results: readonly GateResult[]
  /** Gates that did not apply (no champion yet), with why. */
  readonly skipped: readonly GateResult[]
}

const fmt = (v: number) => String(Number(v.toPrecision(6)))

function value(side: string, metrics: Readonly<Partial<Record<MetricName, number>>> | undefined, metric: MetricName): number {
  const v = metrics?.[metric]
  if (typeof v !== 'number' || Number.isNaN(v)) throw new KeelError('LEARN_INVALID_INPUT', `gate needs the ${side}'s ${metric}, which was not measured`)
  return v
}

/**
 * Judges a candidate.
 *
 * @example
 * ```ts
 * evaluateGates({ beatBaseline: { metric: 'rocAuc', by: 0.02 } }, { candidate: { rocAuc: 0.81 }, baseline: { rocAuc: 0.5 } })
 * // { passed: true, results: [{ gate: 'beatBaseline', passed: true, detail: 'rocAuc 0.81 vs baseline 0.5: better by 0.31 (needs 0.02)' }], skipped: [] }
 * ```
 */
export function evaluateGates(gates: Gates, evidence: GateEvidence): GateVerdict {
  const results: GateResult[] = []
  const skipped: GateResult[] = []
  if (gates.beatBaseline) {
    const { metric, by = 0 } = gates.beatBaseline
    const gain = improvement(metric, value('candidate', evidence.candidate, metric), value('baseline', evidence.baseline, metric))
    results.push({
      gate: 'beatBaseline',
      passed: gain >= by && gain > 0,
      detail: `${metric} ${fmt(value('candidate', evidence.candidate, metric))} vs baseline ${fmt(value('baseline', evidence.baseline, metric))}: better by ${fmt(gain)} (needs more than 0 and at least ${fmt(by)})`,
    })
  }
  if (gates.notWorseThanChampion) {
    const { metric, by = 0, byRelative } = gates.notWorseThanChampion
    if (evidence.champion === undefined) skipped.push({ gate: 'notWorseThanChampion', passed: true, detail: 'no champion yet' })
    else {
      const c = value('candidate', evidence.candidate, metric)
      const h = value('champion', evidence.champion, metric)
      const allowed = byRelative === undefined ? by : Math.abs(h) * byRelative
      const gain = improvement(metric, c, h)
      results.push({
        gate: 'notWorseThanChampion',
        passed: gain >= -allowed,
        detail: `${metric} ${fmt(c)} vs champion ${fmt(h)}: ${gain >= 0 ? `better by ${fmt(gain)}` : `worse by ${fmt(-gain)}`} (allowed worse by ${fmt(allowed)})`,
      })
    }
  }
  for (const [metric, bound] of Object.entries(gates.min ?? {}) as [MetricName, number][]) {
    const v = value('candidate', evidence.candidate, metric)
    results.push({ gate: `min.${metric}`, passed: v >= bound, detail: `${metric} ${fmt(v)} (needs at least ${fmt(bound)})` })
  }
  for (const [metric, bound] of Object.entries(gates.max ?? {}) as [MetricName, number][]) {
    const v = value('candidate', evidence.candidate, metric)
    results.push({ gate: `max.${metric}`, passed: v <= bound, detail: `${metric} ${fmt(v)} (needs at most ${fmt(bound)})` })
  }
  if (gates.maxPredictLatencyMs !== undefined) {
    const latency = evidence.predictLatencyMs
    if (latency === undefined) throw new KeelError('LEARN_INVALID_INPUT', 'gate maxPredictLatencyMs needs the measured prediction latency')
    results.push({
      gate: 'maxPredictLatencyMs',
      passed: latency <= gates.maxPredictLatencyMs,
      detail: `median single-row prediction ${fmt(latency)} ms (needs at most ${fmt(gates.maxPredictLatencyMs)})`,
    })
  }
  if (gates.slices) {
    const { column, min } = gates.slices
    for (const [slice, metrics] of Object.entries(evidence.slices ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      for (const [metric, bound] of Object.entries(min) as [MetricName, number][]) {
        const v = value(`slice ${column}=${slice}`, metrics, metric)
        results.push({
          gate: `slices.${column}=${slice}.${metric}`,
          passed: v >= bound,
          detail: `${metric} on ${column}=${slice}: ${fmt(v)} (needs at least ${fmt(bound)})`,
        })
      }
    }
  }
  return { passed: results.length > 0 && results.every((r) => r.passed), results, skipped }
}

/** How much better `a` is than `b` in the metric's direction (negative: worse). */
function improvement(metric: MetricName, a: number, b: number): number {
  const spec = METRICS[metric]
  if (spec === undefined) throw new KeelError('LEARN_INVALID_PARAMS', `unknown metric "${metric}" in a gate (known: ${Object.keys(METRICS).join(', ')})`)
  return spec.direction === 'max' ? a - b : b - a
}
