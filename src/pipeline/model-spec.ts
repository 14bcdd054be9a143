/**
 * @module Model specs as keel.config.ts declares them with `model({ … })`: what to predict from
 * which dataset, the baseline and the candidates with their search spaces, how to validate and
 * select, and the gates a new version must pass. Plain data, so a spec hashes and prints.
 */
import { z } from 'zod'
import { KeelError } from '../core/errors.js'
import { firstIssue } from '../core/spec-issue.js'
import { METRICS, type MetricName, STANDARD_METRICS } from '../learn/metrics/table.js'
import type { Task } from '../learn/model.js'
import type { RecipeOptions } from '../learn/preprocess/recipe.js'
import type { ParamValue, SearchSpace } from '../learn/search/space.js'
import type { Gates } from '../registry/gates.js'

/** A learner of `learners.*`, by name. */
export type LearnerName = 'gbdt' | 'randomForest' | 'logistic' | 'linear' | 'baseline'

/** One candidate: a learner with fixed parameters and, optionally, a space to search. */
export interface CandidateSpec {
  readonly learner: LearnerName
  /** Parameters every trial uses. */
  readonly params?: Readonly<Record<string, ParamValue>>
  /** Parameters to search: value lists or distributions (`logUniform(0.01, 0.3)`, `intRange(2, 8)`…). */
  readonly space?: SearchSpace
  /** Default `grid` when every axis is a list, else `random`. */
  readonly search?: 'grid' | 'random' | 'halving'
  /** Parameter sets for random and halving search (default 8). */
  readonly trials?: number
}

/** How candidates are scored on the training rows before selection. */
export type ValidationSpec =
  | { readonly kind: 'kfold'; readonly folds?: number }
  | { readonly kind: 'holdout'; readonly fraction?: number }
  | { readonly kind: 'time'; readonly column: string; readonly folds?: number }

export interface ModelSpec {
  /** Default `auto`: from the label column. */
  readonly task?: Task | 'auto'
  /** The dataset (in `datasets`) to train on. */
  readonly data: string
  readonly label: string
  /**
   * Feature columns; default every column but the label and `exclude`. An entry `view:feature`
   * (or `view:*`, every feature of the view) takes the feature from a feature view, joined point
   * in time: each row gets the value as of its `entityTime`, by the view's entity key columns.
   */
  readonly features?: readonly string[]
  /**
   * The column of `data` holding each row's time (a timestamp, a date, or epoch ms): feature
   * view values are as of this time. Required when `features` names feature views.
   */
  readonly entityTime?: string
  readonly exclude?: readonly string[]
  /** Preprocessing of the linear learners (logistic, linear); trees take columns as they are. */
  readonly preprocessing?: RecipeOptions
  /** The reference every candidate must beat; default `{ learner: 'baseline' }` (class prior or mean). */
  readonly baseline?: CandidateSpec
  /** Named candidates; the best by validation score is selected. */
  readonly candidates: Readonly<Record<string, CandidateSpec>>
  /** Default 5-fold (stratified for classification). */
  readonly validation?: ValidationSpec
  /** Rows held out for the final evaluation: a fraction (default 0.2); with time validation, the latest rows. */
  readonly test?: { readonly fraction?: number }
  /** The selection metric and its direction (default: the task's first standard metric; the direction is the metric's own). */
  readonly select?: { readonly metric: MetricName; readonly direction?: 'max' | 'min' }
  readonly gates?: Gates
  /** Columns whose values get their own metrics in the evaluation (the slice gate's column is added). */
  readonly slices?: readonly string[]
  /** What the model card says beyond the facts. */
  readonly card?: { readonly intendedUse?: string; readonly limitations?: string }
  /** Seeds splits, searches and learners (default 0). */
  readonly seed?: number
}

/**
 * Declares a model spec (identity at run time; it gives editors the shape).
 *
 * @example
 * ```ts
 * models: {
 *   weather: model({
 *     data: 'weather', label: 'weather',
 *     candidates: {
 *       logistic: { learner: 'logistic', params: { C: 1 } },
 *       gbdt: { learner: 'gbdt', space: { learningRate: logUniform(0.03, 0.3), maxDepth: [3, 5] }, trials: 6 },
 *     },
 *     select: { metric: 'logLoss' },
 *     gates: { beatBaseline: { metric: 'logLoss', by: 0.05 } },
 *   }),
 * }
 * ```
 */
export function model(spec: ModelSpec): ModelSpec {
  return spec
}

const LEARNERS = ['gbdt', 'randomForest', 'logistic', 'linear', 'baseline'] as const
const metricNames = Object.keys(METRICS) as [MetricName, ...MetricName[]]
const metric = z.enum(metricNames)
const bounds = z.partialRecord(metric, z.number())
const paramValue = z.union([z.number(), z.string(), z.boolean()])
const distribution = z.union([
  z.array(paramValue).min(1),
  z.strictObject({ kind: z.literal('choice'), values: z.array(paramValue).min(1) }),
  z.strictObject({ kind: z.enum(['uniform', 'logUniform', 'int']), low: z.number(), high: z.number() }),
])
const candidate = z.strictObject({
  learner: z.enum(LEARNERS),
  params: z.record(z.string(), z.unknown()).optional(),
  space: z.record(z.string(), distribution).optional(),
  search: z.enum(['grid', 'random', 'halving']).optional(),
  trials: z.number().int().min(1).max(1000).optional(),
})
const columnList = z.array(z.string().min(1))
const specSchema = z.strictObject({
  task: z.enum(['binary', 'multiclass', 'regression', 'auto']).optional(),
  data: z.string().min(1),
  label: z.string().min(1),
  features: columnList.min(1).optional(),
  entityTime: z.string().min(1).optional(),
  exclude: columnList.optional(),
  preprocessing: z.record(z.string(), z.unknown()).optional(),
  baseline: candidate.optional(),
  candidates: z
    .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, 'candidate names are letters, digits, _ and -'), candidate)
    .refine((c) => Object.keys(c).length > 0, 'declare at least one candidate'),
  validation: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('kfold'), folds: z.number().int().min(2).max(50).optional() }),
      z.strictObject({ kind: z.literal('holdout'), fraction: z.number().gt(0).lt(1).optional() }),
      z.strictObject({ kind: z.literal('time'), column: z.string().min(1), folds: z.number().int().min(1).max(50).optional() }),
    ])
    .optional(),
  test: z.strictObject({ fraction: z.number().gt(0).lt(1).optional() }).optional(),
  select: z.strictObject({ metric, direction: z.enum(['max', 'min']).optional() }).optional(),
  gates: z
    .strictObject({
      beatBaseline: z.strictObject({ metric, by: z.number().min(0).optional() }).optional(),
      notWorseThanChampion: z.strictObject({ metric, by: z.number().min(0).optional(), byRelative: z.number().min(0).optional() }).optional(),
      min: bounds.optional(),
      max: bounds.optional(),
      maxPredictLatencyMs: z.number().positive().optional(),
      slices: z.strictObject({ column: z.string().min(1), min: bounds }).optional(),
    })
    .optional(),
  slices: columnList.optional(),
  card: z.strictObject({ intendedUse: z.string().optional(), limitations: z.string().optional() }).optional(),
  seed: z.number().int().min(0).optional(),
})

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/

/** The spec named `name` in the config's `models`, checked (MODEL_SPEC_UNKNOWN, MODEL_SPEC_INVALID). */
export function modelSpecFrom(declared: Readonly<Record<string, unknown>>, name: string): ModelSpec {
  const raw = declared[name]
  if (raw === undefined) {
    const known = Object.keys(declared)
    throw new KeelError('MODEL_SPEC_UNKNOWN', `no model "${name}" in keel.config.ts (declared: ${known.length > 0 ? known.join(', ') : 'none'})`)
  }
  if (!NAME.test(name)) throw new KeelError('MODEL_SPEC_INVALID', `"${name}" is not a model name (letters, digits, _ . -, starting with a letter)`)
  const parsed = specSchema.safeParse(raw)
  if (!parsed.success) {
    throw new KeelError('MODEL_SPEC_INVALID', `model "${name}": ${firstIssue(parsed.error)}`)
  }
  const spec = raw as ModelSpec
  const refs = viewFeatures(spec)
  if (refs.length > 0 && spec.entityTime === undefined) {
    throw new KeelError(
      'MODEL_SPEC_INVALID',
      `model "${name}": features ${refs.join(', ')} come from feature views, so \`entityTime\` must name the time column of "${spec.data}"`,
      {
        hint: "Add entityTime: 'event_time' (the column each row's feature values are taken as of).",
      },
    )
  }
  const direction = spec.select?.direction
  if (spec.select !== undefined && direction !== undefined && direction !== METRICS[spec.select.metric].direction) {
    throw new KeelError(
      'MODEL_SPEC_INVALID',
      `model "${name}": select.direction says ${direction} but ${spec.select.metric} is better when ${METRICS[spec.select.metric].direction === 'max' ? 'higher' : 'lower'}`,
      { hint: `Drop select.direction (Keel knows every metric's direction) or pick a metric whose direction is ${direction}.` },
    )
  }
  return spec
}

/** The selection metric for a task: the spec's, else the task's first standard metric. */
export function selectionMetric(spec: ModelSpec, task: Task): MetricName {
  const chosen = spec.select?.metric ?? (STANDARD_METRICS[task][0] as MetricName)
  if (!METRICS[chosen].tasks.includes(task)) {
    throw new KeelError('MODEL_SPEC_INVALID', `select.metric ${chosen} does not apply to ${task} models (it applies to ${METRICS[chosen].tasks.join(', ')})`)
  }
  return chosen
}

/** The spec's feature entries that name feature views (`view:feature`, `view:*`). */
export function viewFeatures(spec: Pick<ModelSpec, 'features'>): string[] {
  return (spec.features ?? []).filter((f) => f.includes(':'))
}

/** The spec's feature entries that are columns of its dataset. */
export function columnFeatures(spec: Pick<ModelSpec, 'features'>): string[] | undefined {
  return spec.features?.filter((f) => !f.includes(':'))
}
