/**
 * @module The evaluation a trained model is registered with: the task's metrics on held-out
 * rows, the confusion matrix, ROC and precision–recall points and calibration (binary),
 * residual quantiles (regression), metrics per slice, permutation importance, and latency.
 */
import { cellText, type Frame } from '../core/frame.js'
import { permutationImportance } from './explain/permutation.js'
import { confusionMatrix } from './metrics/classification.js'
import { type CalibrationBin, calibration, type PrPoint, prCurve, type RocPoint, rocCurve } from './metrics/curves.js'
import { type MetricName, metricFor, predictedClasses, STANDARD_METRICS } from './metrics/table.js'
import type { Model, Predictions } from './model.js'
import { targetsFor } from './validation/targets.js'

export type Scores = Partial<Record<MetricName, number>>

export interface SliceScores {
  readonly rows: number
  readonly metrics: Scores
}

export interface Evaluation {
  readonly task: Model['task']
  readonly rows: number
  readonly metrics: Scores
  /** Rows: true class, columns: predicted class, in `classes` order. */
  readonly confusionMatrix?: { readonly classes: readonly string[]; readonly matrix: readonly (readonly number[])[] }
  readonly roc?: readonly RocPoint[]
  readonly pr?: readonly PrPoint[]
  readonly calibration?: readonly CalibrationBin[]
  /** Quantiles of prediction − target (regression). */
  readonly residuals?: Readonly<Record<'p05' | 'p25' | 'p50' | 'p75' | 'p95', number>>
  /** Column → value → metrics on the rows with that value (missing values as `(missing)`). */
  readonly slices: Readonly<Record<string, Readonly<Record<string, SliceScores>>>>
  readonly importance: {
    readonly method: 'permutation'
    readonly metric: MetricName
    readonly features: readonly { name: string; mean: number; std: number }[]
  }
  /** Median wall time of a one-row prediction, in milliseconds. */
  readonly predictLatencyMs: number
}

export interface EvaluateOptions {
  readonly slices?: readonly string[]
  /** The metric permutation importance measures (default the task's first). */
  readonly importanceMetric?: MetricName
  readonly seed?: number
}

/** Slices with fewer rows than this are reported without metrics: too few to mean anything. */
const MIN_SLICE_ROWS = 5
/** Slice columns with more distinct values than this are skipped (an id, not a segment). */
const MAX_SLICES = 50

/** The task's standard metrics; a metric that cannot be computed on these rows (one class only, say) is left out. */
export function scoreModel(model: Model, frame: Frame, predictions: Predictions = model.predict(frame)): Scores {
  const y = targetsFor(model, frame)
  const out: Scores = {}
  for (const name of STANDARD_METRICS[model.task]) {
    try {
      const v = metricFor(name, model.task).score(y, predictions)
      if (Number.isFinite(v)) out[name] = v
    } catch {
      // undefined on these rows (e.g. AUC of a slice with one class): reported as absent, not as a number
    }
  }
  return out
}

/**
 * Evaluates `model` on held-out rows.
 *
 * @example
 * ```ts
 * const evaluation = evaluateModel(model, test, { slices: ['region'] })
 * evaluation.metrics.rocAuc // 0.87
 * evaluation.slices.region?.north?.metrics.recall // 0.71
 * ```
 */
export function evaluateModel(model: Model, frame: Frame, options: EvaluateOptions = {}): Evaluation {
  const predictions = model.predict(frame)
  const y = targetsFor(model, frame)
  const metrics = scoreModel(model, frame, predictions)
  const importanceMetric = options.importanceMetric ?? (STANDARD_METRICS[model.task][0] as MetricName)
  const importance = permutationImportance(model, frame, { metric: importanceMetric, nRepeats: 3, seed: options.seed ?? 0 })
  const parts: { -readonly [K in keyof Evaluation]?: Evaluation[K] } = {}
  if (model.task === 'regression') {
    const residuals = Float64Array.from(predictions.values, (p, i) => p - (y[i] as number)).sort()
    const q = (p: number) => residuals[Math.min(residuals.length - 1, Math.floor(p * residuals.length))] as number
    parts.residuals = { p05: q(0.05), p25: q(0.25), p50: q(0.5), p75: q(0.75), p95: q(0.95) }
  } else {
    const k = predictions.classes.length
    parts.confusionMatrix = { classes: predictions.classes, matrix: confusionMatrix(Int32Array.from(y), predictedClasses(predictions), k) }
    if (model.task === 'binary') {
      const positive = Float64Array.from({ length: predictions.nRows }, (_, i) => predictions.values[i * 2 + 1] as number)
      parts.roc = rocCurve(y, positive)
      parts.pr = prCurve(y, positive)
      parts.calibration = calibration(y, positive)
    }
  }
  return {
    task: model.task,
    rows: frame.nRows,
    metrics,
    ...parts,
    slices: sliceScores(model, frame, options.slices ?? []),
    importance: {
      method: 'permutation',
      metric: importance.metric,
      features: importance.features.map((f) => ({ name: f.name, mean: f.mean, std: f.std })).sort((a, b) => b.mean - a.mean),
    },
    predictLatencyMs: predictLatency(model, frame),
  }
}

function sliceScores(model: Model, frame: Frame, columns: readonly string[]): Record<string, Record<string, SliceScores>> {
  const out: Record<string, Record<string, SliceScores>> = {}
  for (const name of columns) {
    const column = frame.column(name)
    const groups = new Map<string, number[]>()
    for (let i = 0; i < frame.nRows; i++) {
      const key = cellText(column, i) ?? '(missing)'
      const rows = groups.get(key)
      if (rows) rows.push(i)
      else groups.set(key, [i])
      if (groups.size > MAX_SLICES) break
    }
    if (groups.size > MAX_SLICES) continue
    out[name] = {}
    for (const [value, rows] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      out[name][value] = { rows: rows.length, metrics: rows.length < MIN_SLICE_ROWS ? {} : scoreModel(model, frame.take(rows)) }
    }
  }
  return out
}

/** Median of one-row predictions over up to 200 rows, after a warm-up. */
function predictLatency(model: Model, frame: Frame): number {
  const n = Math.min(200, frame.nRows)
  const rows = Array.from({ length: n }, (_, i) => frame.slice(i, i + 1))
  for (const row of rows.slice(0, 20)) model.predict(row)
  const times = rows.map((row) => {
    const started = performance.now()
    model.predict(row)
    return performance.now() - started
  })
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)] ?? 0
}
