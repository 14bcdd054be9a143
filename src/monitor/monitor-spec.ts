/**
 * @module Monitors as keel.config.ts declares them with `monitor({ … })`: a deployment, a
 * window, drift and performance settings, and alert rules with their actions.
 */
import { z } from 'zod'
import { parseDuration } from '../core/duration.js'
import { KeelError } from '../core/errors.js'
import { firstIssue } from '../core/spec-issue.js'
import { METRICS, type MetricName } from '../learn/metrics/table.js'
import { parseRule, type Rule } from '../serve/rules.js'
import type { CanaryPolicy } from './canary.js'
import type { ColumnDriftOptions } from './stats/drift.js'

export type AlertAction =
  | { readonly webhook: string }
  | { readonly log: true }
  | { readonly retrain: true }
  | { readonly rollback: true }
  | { readonly promote: true }

export interface AlertSpec {
  /** E.g. `drift.share > 0.3`, `performance.rocAuc < 0.75`, `service.p99_ms > 50`. */
  readonly when: string
  /** How long the condition must hold before the alert fires (e.g. `10m`); default at once. */
  readonly for?: string
  readonly actions?: readonly AlertAction[]
}

/** A count window: the newest `last` predictions of the deployment, optionally only those of the last `within`. */
export interface WindowSpec {
  readonly last: number
  readonly within?: string
}

export interface MonitorSpec {
  /** The deployment whose prediction log is watched. */
  readonly deployment: string
  /**
   * The predictions each pass looks at (default `1h`): a duration ending now (`'1d'`), the newest
   * N predictions (`{ last: 1000 }`), or the newest N within a duration (`{ last: 1000, within: '1d' }`).
   */
  readonly window?: string | WindowSpec
  readonly drift?: {
    /** Per-column overrides: test, threshold, minimum rows, binning. */
    readonly columns?: Readonly<Record<string, ColumnDriftOptions>>
    /** Share of drifted columns at which the dataset drifts (default 0.5). */
    readonly share?: number
  }
  readonly performance?: {
    /** Default: the task's first standard metric. */
    readonly metric?: MetricName
    /** A drop below the evaluation at registration beyond this is concept drift (default 0.05). */
    readonly maxDrop?: number
    /** Fewer labelled predictions than this are too few to judge (default 30). */
    readonly minLabels?: number
  }
  readonly alerts?: Readonly<Record<string, AlertSpec>>
  /** While a challenger takes traffic: compare it with the champion on feedback, and act on the verdict. */
  readonly canary?: CanaryPolicy
}

/**
 * Declares a monitor (identity at run time; it gives editors the shape).
 *
 * @example
 * ```ts
 * monitors: {
 *   churn: monitor({
 *     deployment: 'churn', window: '1d', // or { last: 1000 }, { last: 1000, within: '1d' }
 *     alerts: { drift: { when: 'drift.share >= 0.5', actions: [{ webhook: 'https://ops.example/hook' }, { retrain: true }] } },
 *   }),
 * }
 * ```
 */
export function monitor(spec: MonitorSpec): MonitorSpec {
  return spec
}

const metric = z.enum(Object.keys(METRICS) as [MetricName, ...MetricName[]])
const action = z.union([
  z.strictObject({ webhook: z.url({ protocol: /^https?$/ }) }),
  z.strictObject({ log: z.literal(true) }),
  z.strictObject({ retrain: z.literal(true) }),
  z.strictObject({ rollback: z.literal(true) }),
  z.strictObject({ promote: z.literal(true) }),
])
const schema = z.strictObject({
  deployment: z.string().min(1),
  // checked by resolveWindow, which names the wrong part
  window: z.unknown().optional(),
  drift: z.strictObject({ columns: z.record(z.string(), z.record(z.string(), z.unknown())).optional(), share: z.number().gt(0).max(1).optional() }).optional(),
  performance: z.strictObject({ metric: metric.optional(), maxDrop: z.number().min(0).optional(), minLabels: z.number().int().min(1).optional() }).optional(),
  canary: z
    .strictObject({
      minSamples: z.number().int().min(10).optional(),
      maxSamples: z.number().int().min(10).optional(),
      alpha: z.number().gt(0).lt(1).optional(),
      autoPromote: z.boolean().optional(),
      autoRollback: z.boolean().optional(),
    })
    .optional(),
  alerts: z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,62}$/),
      z.strictObject({ when: z.string().min(1), for: z.string().optional(), actions: z.array(action).optional() }),
    )
    .optional(),
})

export interface ResolvedAlert {
  readonly name: string
  readonly rule: Rule
  readonly forMs: number
  readonly actions: readonly AlertAction[]
}

/** A monitor's window: a duration back from the pass, a count of the newest predictions, or both. */
export interface ResolvedWindow {
  /** Milliseconds back from the end of the window; null for a count without a time bound. */
  readonly ms: number | null
  /** At most this many predictions, the newest; null for a time window. */
  readonly last: number | null
  /** For people: `1h`, `last 1000`, `last 1000 within 1d`. */
  readonly text: string
}

export interface ResolvedMonitor {
  readonly name: string
  readonly spec: MonitorSpec
  readonly deployment: string
  readonly window: ResolvedWindow
  readonly alerts: readonly ResolvedAlert[]
}

const ALERT_NAMES = {
  roots: ['drift', 'performance', 'service'],
  hint: 'Alert rules compare drift.*, performance.* or service.* (see docs/monitoring.md) with numbers.',
}

function invalid(name: string, why: string): KeelError {
  return new KeelError('MONITOR_INVALID', `monitor "${name}": ${why}`)
}

/** The monitor named `name`, checked (MONITOR_INVALID names the field). */
export function monitorFrom(declared: Readonly<Record<string, unknown>>, name: string): ResolvedMonitor {
  const raw = declared[name]
  if (raw === undefined) throw invalid(name, `is not declared in keel.config.ts (declared: ${Object.keys(declared).join(', ') || 'none'})`)
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    throw invalid(name, firstIssue(parsed.error))
  }
  const spec = raw as MonitorSpec
  const window = resolveWindow(name, spec.window === undefined ? '1h' : spec.window)
  const alerts = Object.entries(spec.alerts ?? {}).map(([alert, a]): ResolvedAlert => {
    const forMs = a.for === undefined ? 0 : parseDuration(a.for)
    if (forMs === undefined) throw invalid(name, `alert ${alert}: for "${a.for}" is not a duration like 10m`)
    let rule: Rule
    try {
      rule = parseRule(a.when, ALERT_NAMES)
    } catch (error) {
      throw invalid(name, `alert ${alert}: ${(error as Error).message}`)
    }
    return { name: alert, rule, forMs, actions: a.actions ?? [{ log: true }] }
  })
  return { name, spec, deployment: spec.deployment, window, alerts }
}

const WINDOW_FORMS = 'a duration like "1h" or "1d", { last: 1000 } (the newest 1,000 predictions) or { last: 1000, within: "1d" }'

function resolveWindow(name: string, window: unknown): ResolvedWindow {
  const duration = (text: unknown, field: string): number => {
    const ms = typeof text === 'string' ? parseDuration(text) : undefined
    if (ms === undefined || ms <= 0) throw invalid(name, `\`${field}\` ${JSON.stringify(text)} is not a duration like 1h or 1d`)
    return ms
  }
  if (typeof window === 'string') return { ms: duration(window, 'window'), last: null, text: window }
  if (typeof window !== 'object' || window === null || Array.isArray(window)) throw invalid(name, `\`window\` must be ${WINDOW_FORMS}`)
  const { last, within, ...rest } = window as Record<string, unknown>
  const unknown = Object.keys(rest)[0]
  if (unknown !== undefined) throw invalid(name, `\`window.${unknown}\` is not a window field (use last, and optionally within)`)
  if (typeof last !== 'number' || !Number.isSafeInteger(last) || last < 1)
    throw invalid(name, `\`window.last\` must be a whole number of predictions, at least 1; got ${JSON.stringify(last) ?? 'nothing'}`)
  if (within === undefined) return { ms: null, last, text: `last ${last}` }
  return { ms: duration(within, 'window.within'), last, text: `last ${last} within ${String(within)}` }
}
