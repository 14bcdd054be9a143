/**
 * @module One monitor pass: the deployment's predictions in the window against the reference
 * (data and prediction drift, column by column), labelled predictions against the evaluation
 * at registration (performance, concept drift), and the service (latency, fallbacks). Stored,
 * then the alert rules are judged.
 */
import { toKeelError } from '../core/errors.js'
import { type MetricName, metricFor, STANDARD_METRICS } from '../learn/metrics/table.js'
import type { Predictions, Task } from '../learn/model.js'
import type { Project } from '../project.js'
import { deploymentFrom } from '../serve/deployment.js'
import { endCanary, promote, routingState } from '../serve/routing.js'
import type { PredictionWindow, WindowRow } from '../stores/metadata-store.js'
import { type AlertOutcome, judgeAlerts } from './alerts.js'
import { analyzeCanary, type CanaryAnalysis } from './canary.js'
import { monitorFrom, type ResolvedMonitor } from './monitor-spec.js'
import { referenceProfile } from './reference.js'
import { type ColumnDriftResult, type CurrentColumn, columnDrift, datasetDrift } from './stats/drift.js'
import { driftPass } from './stats/pass.js'
import type { ColumnSketch } from './stats/sketch.js'

export interface PerformanceResult {
  readonly metric: MetricName
  /** Labelled predictions in the window. */
  readonly labels: number
  readonly value: number | null
  /** 95 % bootstrap interval of `value` (200 resamples, seeded). */
  readonly interval: readonly [number, number] | null
  /** The metric on the test split at registration. */
  readonly reference: number | null
  /** How much worse than at registration (in the metric's direction); positive is worse. */
  readonly drop: number | null
  readonly conceptDrift: boolean
  readonly warning?: string
  /** Every standard metric on the labelled rows, for alert rules (`performance.rocAuc`). */
  readonly metrics: Readonly<Record<string, number>>
}

export interface MonitorResult {
  readonly monitor: string
  readonly deployment: string
  readonly at: number
  /**
   * The predictions the pass read: `rows` of them from `start` to `end`. A time window runs from
   * its bound to the pass; a count window (`last`, the number it asks for) starts at its oldest
   * prediction and ends at the pass.
   */
  readonly window: { readonly start: number; readonly end: number; readonly rows: number; readonly last?: number }
  /** The model version most of the window's predictions came from, and its reference. */
  readonly model: { readonly name: string; readonly version: number; readonly referenceRows: number } | null
  readonly drift: {
    readonly share: number
    readonly drifted: boolean
    readonly driftedColumns: readonly string[]
    readonly columns: readonly ColumnDriftResult[]
    readonly prediction: ColumnDriftResult | null
  } | null
  readonly performance: PerformanceResult | null
  readonly service: {
    readonly p50_ms: number
    readonly p95_ms: number
    readonly p99_ms: number
    readonly fallback_rate: number
    readonly requests: number
    /** Predictions whose online feature lookup failed (the store was down): answered by the declared degradation. */
    readonly feature_store_errors: number
    readonly feature_store_error_rate: number
    /** Share of predictions with a view's entity missing or expired online (defaulted or answered by the fallback). */
    readonly features_missing_rate: number
  } | null
  readonly alerts: readonly AlertOutcome[]
  /** Challenger vs champion on feedback, when a canary is running; `action` is what the policy did. */
  readonly canary: (CanaryAnalysis & { readonly action: 'promoted' | 'rolled back' | null }) | null
  readonly warnings: readonly string[]
}

export interface RunMonitorOptions {
  /** End of the window (default now). */
  readonly now?: number
  /** Skip alert actions (a dry run). */
  readonly dryRun?: boolean
}

/**
 * Runs one pass of monitor `name` and stores its result.
 *
 * @example
 * ```ts
 * const result = await runMonitor(project, 'churn')
 * result.drift?.driftedColumns // ['tenure']
 * ```
 */
export async function runMonitor(project: Project, name: string, options: RunMonitorOptions = {}): Promise<MonitorResult> {
  const monitor = monitorFrom(project.config.monitors, name)
  const deployment = deploymentFrom(project.config.deployments, monitor.deployment)
  const now = options.now ?? Date.now()
  const window = predictionWindow(monitor, now)
  const rows = await project.metadata.windowRows(window)
  const warnings: string[] = windowWarnings(monitor, window, rows.length)
  const version = mostCommon(rows.map((r) => r.version))
  let model: MonitorResult['model'] = null
  let drift: MonitorResult['drift'] = null
  let performance: PerformanceResult | null = null
  // without a reference (no training data to sketch) drift is skipped; performance needs only the version's record and feedback
  const reference =
    version === undefined
      ? null
      : await referenceProfile(project, deployment.model, version).catch((error: unknown) => {
          warnings.push(`drift not measured: ${toKeelError(error).message}`)
          return null
        })
  if (version !== undefined && reference !== null) {
    model = { name: deployment.model, version, referenceRows: reference.rows }
    if (reference.rows > 1000 && rows.length < 1000) {
      warnings.push(
        `${rows.length} predictions: below 1,000 the distance tests' default thresholds (0.1) raise false alarms (measured on Seattle weather: 80 % of unshifted 100-row windows, 10 % of 300-row ones, none at 1,000); use a longer window or raise the thresholds`,
      )
    }
    const fromVersion = rows.filter((r) => r.version === version)
    if (deployment.logInputs === 'hash') warnings.push('the deployment logs only a hash of the inputs: feature drift cannot be measured, prediction drift can')
    const pass =
      deployment.logInputs === 'hash'
        ? null
        : await driftPass(reference.features, await currentColumns(project, window, reference.features, rows.length), {
            ...(monitor.spec.drift?.columns ? { columns: monitor.spec.drift.columns } : {}),
            ...(monitor.spec.drift?.share ? { share: monitor.spec.drift.share } : {}),
          })
    const predictions = fromVersion.map((r) => predictionValue(r, reference.task as Task))
    const prediction = columnDrift(
      'prediction',
      reference.prediction,
      reference.task === 'regression' ? Float64Array.from(predictions as number[]) : (predictions as string[]),
    )
    const columns = pass?.columns ?? []
    const dataset = pass?.dataset ?? datasetDrift([], monitor.spec.drift?.share)
    drift = { share: dataset.share, drifted: dataset.drifted, driftedColumns: columns.filter((c) => c.drifted).map((c) => c.column), columns, prediction }
  }
  if (version !== undefined) {
    performance = await project.registry.get({ name: deployment.model, version }).then(
      (record) => {
        const { task, classes } = (record.signature as { output: { task: Task; classes: readonly string[] } }).output
        return measurePerformance(
          monitor,
          rows.filter((r) => r.version === version),
          task,
          classes,
          record.metrics,
        )
      },
      (error: unknown) => {
        warnings.push(`performance not measured: ${toKeelError(error).message}`)
        return null
      },
    )
  }
  const service = rows.length === 0 ? null : serviceStats(rows)
  const partial = {
    monitor: name,
    deployment: monitor.deployment,
    at: now,
    window: {
      // a count window starts at its oldest prediction; an empty one without a time bound is empty at the pass
      start: window.last === undefined ? window.since : (rows[0]?.at ?? (monitor.window.ms === null ? now : window.since)),
      end: now,
      rows: rows.length,
      ...(window.last === undefined ? {} : { last: window.last }),
    },
    model,
    drift,
    performance,
    service,
    warnings,
  }
  const alerts = await judgeAlerts(project, monitor, deployment.model, partial, { now, dryRun: options.dryRun === true })
  const canary = await judgeCanary(project, monitor, deployment.model, now, options.dryRun === true)
  const result: MonitorResult = { ...partial, alerts, canary }
  await project.metadata.saveMonitorResult({ monitor: name, at: now, windowStart: result.window.start, windowEnd: now, result: JSON.stringify(result) })
  return result
}

/** While the challenger has a share of traffic, compares it with the champion and applies the policy. */
async function judgeCanary(project: Project, monitor: ResolvedMonitor, model: string, now: number, dryRun: boolean): Promise<MonitorResult['canary']> {
  const policy = monitor.spec.canary
  if (policy === undefined) return null
  const state = await routingState(project.registry, model)
  if (state.challenger === null || (state.traffic?.challenger ?? 0) <= 0) return null
  const record = await project.registry.get({ name: model, version: state.challenger })
  // every answer since the split began (not the monitor's window, which is sized for drift), by
  // the versions now in each arm: earlier answers of another champion must not be judged
  const since = state.since ?? 0
  const armRows = (await project.metadata.windowRows({ deployment: monitor.deployment, since, until: now })).filter(
    (r) => (r.alias === 'champion' && r.version === state.champion) || (r.alias === 'challenger' && r.version === state.challenger),
  )
  const analysis = analyzeCanary(armRows, (record.signature as { output?: { task?: Task } }).output?.task ?? 'binary', policy)
  const by = { actor: `monitor:${monitor.name}`, at: Date.now(), reason: `canary analysis: ${analysis.reason}` }
  let action: 'promoted' | 'rolled back' | null = null
  if (!dryRun && (analysis.verdict === 'worse' || analysis.verdict === 'not better') && policy.autoRollback) {
    await endCanary(project.registry, model, by)
    action = 'rolled back'
  } else if (!dryRun && analysis.verdict === 'better' && policy.autoPromote) {
    await promote(project.registry, model, by)
    action = 'promoted'
  }
  if (action !== null)
    await project.metadata.addAlertEvent({
      monitor: monitor.name,
      alert: 'canary',
      at: by.at,
      event: `canary:${action}`,
      details: { reason: analysis.reason, challenger: state.challenger },
    })
  return { ...analysis, action }
}

/** The predictions a pass of `monitor` ending at `now` reads. */
function predictionWindow(monitor: ResolvedMonitor, now: number): PredictionWindow {
  const { ms, last } = monitor.window
  return { deployment: monitor.deployment, since: ms === null ? 0 : now - ms, until: now, ...(last === null ? {} : { last }) }
}

function windowWarnings(monitor: ResolvedMonitor, window: PredictionWindow, rows: number): string[] {
  const span = `${new Date(window.since).toISOString()} – ${new Date(window.until).toISOString()}`
  if (window.last === undefined) return rows === 0 ? [`no predictions in the window (${span})`] : []
  const where = monitor.window.ms === null ? `deployment ${monitor.deployment} has logged` : `were logged in ${span}`
  if (rows === 0) return [`no predictions in the window (${monitor.window.text}): ${monitor.window.ms === null ? `${where} none` : `none ${where}`}`]
  if (rows < window.last)
    return [`the window asks for the newest ${window.last} predictions; ${monitor.window.ms === null ? `${where} ${rows}` : `only ${rows} ${where}`}`]
  return []
}

function mostCommon(values: readonly number[]): number | undefined {
  const counts = new Map<number, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return [...counts].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]?.[0]
}

/**
 * Every feature of the window as the drift statistics take it — numbers (NaN when missing;
 * ISO times as epoch ms) or labels — read in one scan of the prediction log, a page at a time.
 */
async function currentColumns(
  project: Project,
  window: PredictionWindow,
  reference: Readonly<Record<string, ColumnSketch>>,
  expected: number,
): Promise<(column: string) => CurrentColumn> {
  const fields = Object.keys(reference)
  const numeric = fields.map((f) => reference[f]?.kind === 'numeric')
  // sized by the window's rows; predictions logged after they were read are left out
  const columns = fields.map((_, k) => (numeric[k] ? new Float64Array(expected).fill(Number.NaN) : new Array<string | null>(expected).fill(null)))
  let at = 0
  await project.metadata.windowInputs(window, fields, (page) => {
    const n = Math.min(page[0]?.length ?? 0, expected - at)
    page.forEach((values, k) => {
      const out = columns[k] as Float64Array | (string | null)[]
      for (let i = 0; i < n; i++) {
        const v = values[i]
        if (numeric[k]) (out as Float64Array)[at + i] = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : Number.NaN
        else (out as (string | null)[])[at + i] = v === null || v === undefined ? null : String(v)
      }
    })
    at += n
  })
  const byName = new Map(fields.map((f, k) => [f, columns[k] as CurrentColumn]))
  return (column) => byName.get(column) as CurrentColumn
}

function predictionValue(row: WindowRow, task: Task): number | string {
  const output = JSON.parse(row.output) as number | string | { label: string }
  if (task === 'regression') return typeof output === 'number' ? output : Number.NaN
  return typeof output === 'object' && output !== null ? output.label : String(output)
}

function measurePerformance(
  monitor: ResolvedMonitor,
  rows: readonly WindowRow[],
  task: Task,
  classes: readonly string[],
  registered: Readonly<Record<string, number>>,
): PerformanceResult {
  const metric = monitor.spec.performance?.metric ?? (STANDARD_METRICS[task][0] as MetricName)
  const minLabels = monitor.spec.performance?.minLabels ?? 30
  const maxDrop = monitor.spec.performance?.maxDrop ?? 0.05
  // fallback answers are not the model's, so they do not count toward its performance
  const labelled = rows.filter((r) => r.label !== null && !r.fallback)
  const reference = typeof registered[metric] === 'number' ? (registered[metric] as number) : null
  const empty = { metric, labels: labelled.length, value: null, interval: null, reference, drop: null, conceptDrift: false, metrics: {} }
  if (labelled.length < minLabels)
    return { ...empty, warning: `${labelled.length} labelled prediction(s); at least ${minLabels} are needed to judge performance` }
  const { y, predictions, unseen } = toPredictions(labelled, task, classes)
  const novel = `label(s) the model never saw in training: ${unseen.join(', ')}`
  if (predictions === null)
    return { ...empty, warning: unseen.length > 0 ? `cannot score a binary model on ${novel}` : 'the logged outputs carry no probabilities' }
  const spec = metricFor(metric, task)
  const score = (idx: readonly number[] | null): number => {
    if (idx === null) return spec.score(y, predictions)
    // the predictions' classes: the model's, and any it never saw
    const k = Math.max(1, predictions.classes.length)
    const values = new Float64Array(idx.length * k)
    const yy = new Float64Array(idx.length)
    idx.forEach((row, i) => {
      yy[i] = y[row] as number
      for (let c = 0; c < k; c++) values[i * k + c] = predictions.values[row * k + c] as number
    })
    return spec.score(yy, { ...predictions, nRows: idx.length, values })
  }
  const metrics: Record<string, number> = {}
  for (const name of STANDARD_METRICS[task]) {
    try {
      const v = metricFor(name, task).score(y, predictions)
      if (Number.isFinite(v)) metrics[name] = v
    } catch {
      // undefined on these rows (one class only, say)
    }
  }
  const value = metrics[metric] ?? null
  const interval = value === null ? null : bootstrap(labelled.length, score)
  const drop = value === null || reference === null ? null : spec.direction === 'max' ? reference - value : value - reference
  return {
    metric,
    labels: labelled.length,
    value,
    interval,
    reference,
    drop,
    conceptDrift: drop !== null && drop > maxDrop,
    metrics,
    ...(unseen.length > 0 ? { warning: `${novel} (counted as wrong)` } : {}),
  }
}

/** Labels as class indices (or targets) and the logged outputs as Predictions. */
function toPredictions(
  rows: readonly WindowRow[],
  task: Task,
  classes: readonly string[],
): { y: Float64Array; predictions: Predictions | null; unseen: readonly string[] } {
  const y = new Float64Array(rows.length)
  if (task === 'regression') {
    const values = new Float64Array(rows.length)
    rows.forEach((r, i) => {
      y[i] = Number(JSON.parse(r.label as string))
      values[i] = Number(JSON.parse(r.output))
    })
    return { y, predictions: { task, nRows: rows.length, classes: [], values }, unseen: [] }
  }
  const labels = rows.map((r) => String(JSON.parse(r.label as string)))
  // a class the model never saw (a new kind of day, say) is one it always gets wrong: a
  // multiclass model gets a column of zero probability for it; a binary one cannot be scored
  const unseen = [...new Set(labels.filter((l) => !classes.includes(l)))].sort()
  if (unseen.length > 0 && task === 'binary') return { y, predictions: null, unseen }
  const all = [...classes, ...unseen]
  const index = new Map(all.map((c, i) => [c, i]))
  const values = new Float64Array(rows.length * all.length)
  for (const [i, r] of rows.entries()) {
    const output = JSON.parse(r.output) as { probabilities?: Record<string, number> }
    if (output.probabilities === undefined) return { y, predictions: null, unseen }
    y[i] = index.get(labels[i] as string) as number
    all.forEach((c, k) => {
      values[i * all.length + k] = output.probabilities?.[c] ?? 0
    })
  }
  return { y, predictions: { task, nRows: rows.length, classes: all, values }, unseen }
}

/** Percentile bootstrap with a fixed seed, so a pass is reproducible. */
function bootstrap(n: number, score: (idx: readonly number[]) => number): readonly [number, number] | null {
  let s = 12345
  const r = () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
  const scores: number[] = []
  for (let b = 0; b < 200; b++) {
    try {
      const v = score(Array.from({ length: n }, () => Math.floor(r() * n)))
      if (Number.isFinite(v)) scores.push(v)
    } catch {
      // a resample with one class has no AUC; it is left out
    }
  }
  if (scores.length < 20) return null
  scores.sort((a, b) => a - b)
  return [scores[Math.floor(0.025 * scores.length)] as number, scores[Math.min(scores.length - 1, Math.floor(0.975 * scores.length))] as number]
}

function serviceStats(rows: readonly WindowRow[]): NonNullable<MonitorResult['service']> {
  const latencies = rows.map((r) => r.latencyMs).sort((a, b) => a - b)
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] as number
  const lookups = featureLookups(rows)
  return {
    p50_ms: q(0.5),
    p95_ms: q(0.95),
    p99_ms: q(0.99),
    fallback_rate: rows.filter((r) => r.fallback).length / rows.length,
    requests: rows.length,
    feature_store_errors: lookups.errors,
    feature_store_error_rate: lookups.errors / rows.length,
    features_missing_rate: lookups.missing / rows.length,
  }
}

/** Predictions whose logged feature lookup (`{view: {status}}`) saw a store error, or a missing or expired entity. */
function featureLookups(rows: readonly WindowRow[]): { errors: number; missing: number } {
  let errors = 0
  let missing = 0
  for (const row of rows) {
    if (row.features === undefined || row.features === null) continue
    const statuses = Object.values(JSON.parse(row.features) as Record<string, { status?: string }>).map((v) => v.status)
    if (statuses.includes('error')) errors++
    else if (statuses.includes('missing') || statuses.includes('expired')) missing++
  }
  return { errors, missing }
}
