/**
 * @module The training pipeline's steps: snapshot → split → baseline and candidates (fit, in
 * parallel) → select → evaluate → gate → register. Fits and evaluation are cached; the snapshot
 * (it reads the source), the gate and the registration (they read the registry) always run.
 */
import { KeelError } from '../../core/errors.js'
import type { Frame } from '../../core/frame.js'
import { numericView } from '../../core/frame.js'
import { canonicalJson, sha256 } from '../../core/hash.js'
import { keelVersion } from '../../core/version.js'
import type { TrainingSetLineage } from '../../features/offline.js'
import { type Evaluation, evaluateModel, type Scores, scoreModel } from '../../learn/evaluation.js'
import { loadModel } from '../../learn/load.js'
import type { Direction, MetricName } from '../../learn/metrics/table.js'
import type { Task } from '../../learn/model.js'
import { prepareTraining } from '../../learn/training-data.js'
import { holdout } from '../../learn/validation/holdout.js'
import { evaluateGates, type GateEvidence, type GateVerdict } from '../../registry/gates.js'
import type { FeatureInput, Registry, TrainingSetRef } from '../../registry/registry.js'
import type { ModelVersion } from '../../stores/metadata-store.js'
import type { RunHandle } from '../../tracking/run-handle.js'
import { stepKey } from '../cache.js'
import type { ModelSpec } from '../model-spec.js'
import { columnFeatures, selectionMetric, viewFeatures } from '../model-spec.js'
import { decodeJson, decodeParts, defineStep, encodeJson, encodeParts, type PipelineStep, type StepContext, type StepInputs } from '../step.js'
import { type CandidateFit, fitCandidate } from './candidates.js'

/** Progress of a training run, for bars and logs. */
export type TrainEvent =
  | {
      readonly kind: 'trial'
      readonly candidate: string
      readonly done: number
      readonly expected: number
      readonly score: number
      readonly metric: MetricName
    }
  | { readonly kind: 'note'; readonly message: string }

/** What the steps share: the spec, the project's stores, and the run they are tracked under. */
export interface TrainContext extends StepContext {
  readonly name: string
  readonly spec: ModelSpec
  readonly seed: number
  readonly registry: Registry
  readonly user: string
  readonly configHash: string
  /** Materializes the spec's dataset (or finds the identical snapshot). */
  snapshot(): Promise<SnapshotOutput>
  /** The rows of a snapshot or a training set, read once per training run. */
  frame(source: FrameSource): Promise<Frame>
  /** Joins the snapshot's rows with the spec's feature view features, point in time (Parquet bytes). */
  trainingSet(snapshot: SnapshotOutput): Promise<TrainingSetOutput>
  /** The parent run, started on first use: a training run that computes nothing starts none. */
  parentRun(): Promise<RunHandle>
  /** Logs a trial as a run nested under the parent; returns its id. */
  trialRun(
    candidate: string,
    trial: { index: number; params: Readonly<Record<string, unknown>>; foldScores: readonly number[]; meanScore: number; stdScore: number; fitMs: number },
    metric: MetricName,
  ): Promise<string>
  progress(event: TrainEvent): void
}

export interface SnapshotOutput {
  readonly id: string
  readonly dataset: string
  readonly rows: number
  readonly artifactSha256: string
  /** Hash of the contract the rows passed (null without one). */
  readonly contractHash: string | null
  readonly created: boolean
  /** For specs that name feature views: each view source dataset → the snapshot its events are read from. */
  readonly featureSources?: Readonly<Record<string, { readonly id: string; readonly artifactSha256: string }>>
}

/** The rows a training reads: a snapshot's, or a training set's (entity rows joined with feature views). */
export type FrameSource = { readonly id: string; readonly artifactSha256: string } | { readonly id: string; readonly parquet: Uint8Array }

/** Entity rows with the spec's feature view features joined point in time. */
export interface TrainingSetOutput {
  /** Hash of everything that decides it: the snapshots read, the view versions, the features and the time column. */
  readonly id: string
  readonly rows: number
  readonly lineage: TrainingSetLineage
  /** The rows as Parquet (kept in the step cache, so a cached training set needs no recomputation). */
  readonly parquet: Uint8Array
}

export interface SplitOutput {
  readonly task: Task
  readonly classes: readonly string[]
  readonly features: readonly string[]
  readonly train: Int32Array
  readonly test: Int32Array
}

export interface SelectOutput {
  readonly selected: string
  readonly metric: MetricName
  readonly direction: Direction
  /** Every candidate by validation score, best first. */
  readonly ranking: readonly {
    readonly name: string
    readonly learner: string
    readonly meanScore: number
    readonly stdScore: number
    readonly trials: number
  }[]
}

export interface EvaluateOutput {
  readonly selected: string
  readonly evaluation: Evaluation
  readonly baseline: Scores
  /** The run the evaluation was logged to. */
  readonly runId: string
}

export interface GateOutput {
  readonly verdict: GateVerdict
  /** Whether the spec declares any gate (without one a version registers but is never approved automatically). */
  readonly declared: boolean
  readonly champion: { readonly version: number; readonly metrics: Scores } | null
}

export interface RegisterOutput {
  readonly version: ModelVersion | null
  /** The selected model was already registered (nothing changed): `version` is that one. */
  readonly existing: boolean
  readonly promoted: boolean
}

/** The training pipeline of model `name` (its steps' cache keys name it). */
export const trainPipelineName = (name: string): string => `train:${name}`

const FEATURES_STEP = { name: 'features', version: '1' } as const

/** Decodes the `features` step's cached output. */
export function decodeTrainingSet(bytes: Uint8Array): TrainingSetOutput {
  const { header, parts } = decodeParts<Omit<TrainingSetOutput, 'parquet'>>(bytes)
  return { ...header, parquet: parts[0] as Uint8Array }
}

/** The snapshot step's identity: its content hash, with the view sources' snapshots when there are any. */
const snapshotIdentity = (s: SnapshotOutput): string => (s.featureSources === undefined ? s.id : sha256(canonicalJson({ id: s.id, sources: s.featureSources })))

const BASELINE_STEP = 'baseline'
const fitStep = (candidate: string) => `fit:${candidate}`

const fitCodec = {
  encode: (fit: CandidateFit) => {
    const { model, ...header } = fit
    return encodeParts(header, [model])
  },
  decode: (bytes: Uint8Array): CandidateFit => {
    const { header, parts } = decodeParts<Omit<CandidateFit, 'model'>>(bytes)
    return { ...header, model: parts[0] as Uint8Array }
  },
}

function featureNames(spec: ModelSpec, frame: Frame, fromViews: readonly string[]): string[] {
  const excluded = new Set([spec.label, ...(spec.exclude ?? [])])
  const columns = columnFeatures(spec)
  const names = columns ? [...columns, ...fromViews] : frame.names.filter((n) => !excluded.has(n))
  const unknown = [...names, spec.label, ...(spec.slices ?? [])].filter((n) => !frame.has(n))
  if (unknown.length > 0) {
    throw new KeelError('MODEL_SPEC_INVALID', `columns not in dataset "${spec.data}": ${unknown.join(', ')} (it has ${frame.names.join(', ')})`)
  }
  return names
}

/** Test rows: the latest by the time column under time validation, else a seeded (stratified) sample. */
function testRows(spec: ModelSpec, frame: Frame, classIndex: Float64Array | null, seed: number): { train: Int32Array; test: Int32Array } {
  const fraction = spec.test?.fraction ?? 0.2
  const validation = spec.validation
  if (validation?.kind === 'time') {
    const times = numericView(frame.column(validation.column))
    const order = Array.from({ length: frame.nRows }, (_, i) => i).sort((a, b) => (times[a] as number) - (times[b] as number) || a - b)
    const cut = frame.nRows - Math.ceil(frame.nRows * fraction)
    return { train: Int32Array.from(order.slice(0, cut)), test: Int32Array.from(order.slice(cut)) }
  }
  return holdout(frame.nRows, { testSize: fraction, seed, ...(classIndex ? { stratify: classIndex } : {}) })
}

/** Class indices of the label for classification (for stratifying), null for regression. */
function classIndexOf(frame: Frame, split: Pick<SplitOutput, 'task' | 'features'>, label: string): Float64Array | null {
  if (split.task === 'regression') return null
  return prepareTraining(frame, { label, task: split.task, features: split.features }).y
}

/** The steps of training model `ctx.name` as `spec` declares it. */
export function trainSteps(spec: ModelSpec, seed: number, views: Readonly<Record<string, string>> = {}): PipelineStep<unknown, TrainContext>[] {
  const candidates = Object.keys(spec.candidates).sort()
  const fitNames = candidates.map(fitStep)
  const usesViews = viewFeatures(spec).length > 0
  // the step whose output holds the rows: the snapshot, or the training set built from it
  const ROWS = usesViews ? 'features' : 'snapshot'
  const rowsOf = (inputs: StepInputs): FrameSource => inputs.get<FrameSource>(ROWS)
  const rowNeeds = usesViews ? ['snapshot', 'features'] : ['snapshot']

  const snapshot = defineStep<SnapshotOutput, TrainContext>({
    name: 'snapshot',
    needs: [],
    version: '1',
    cache: false,
    run: (_inputs, ctx) => ctx.snapshot(),
    encode: encodeJson,
    decode: (b) => decodeJson<SnapshotOutput>(b),
    // the content hash: re-reading unchanged data leaves everything downstream cached
    identity: snapshotIdentity,
  })

  // the view versions: a changed definition builds a new training set
  const featuresConfig = { features: viewFeatures(spec), entityTime: spec.entityTime ?? null, views }
  const features = defineStep<TrainingSetOutput, TrainContext>({
    ...FEATURES_STEP,
    needs: ['snapshot'],
    config: featuresConfig,
    cache: true,
    run: (inputs, ctx) => ctx.trainingSet(inputs.get<SnapshotOutput>('snapshot')),
    encode: ({ parquet, ...header }) => encodeParts(header, [parquet]),
    decode: decodeTrainingSet,
    identity: (t) => t.id,
  })
  // where the runner caches the training set: recorded in the lineage, so a monitor finds the rows the model was trained on
  const trainingSetRef = (name: string, snap: SnapshotOutput, set: TrainingSetOutput): TrainingSetRef => ({
    id: set.id,
    rows: set.rows,
    cacheKey: stepKey({
      pipeline: trainPipelineName(name),
      step: FEATURES_STEP.name,
      version: FEATURES_STEP.version,
      keelVersion: keelVersion(),
      config: featuresConfig,
      inputs: { snapshot: snapshotIdentity(snap) },
    }),
    entityTime: spec.entityTime as string,
    features: featuresConfig.features,
    sources: set.lineage.sources,
  })

  const split = defineStep<SplitOutput, TrainContext>({
    name: 'split',
    needs: rowNeeds,
    version: '1',
    config: {
      label: spec.label,
      task: spec.task ?? 'auto',
      features: spec.features ?? null,
      exclude: spec.exclude ?? [],
      test: spec.test ?? {},
      validation: spec.validation ?? null,
      seed,
    },
    cache: true,
    async run(inputs, ctx) {
      const frame = await ctx.frame(rowsOf(inputs))
      const fromViews = usesViews ? inputs.get<TrainingSetOutput>('features').lineage.columns.map((c) => c.column) : []
      const features = featureNames(spec, frame, fromViews)
      const data = prepareTraining(frame, { label: spec.label, task: spec.task ?? 'auto', features })
      const rows = testRows(spec, frame, data.task === 'regression' ? null : data.y, seed)
      return { task: data.task, classes: data.classes, features, ...rows }
    },
    encode: ({ train, test, ...header }) =>
      encodeParts(header, [new Uint8Array(train.buffer, train.byteOffset, train.byteLength), new Uint8Array(test.buffer, test.byteOffset, test.byteLength)]),
    decode(bytes) {
      const { header, parts } = decodeParts<Omit<SplitOutput, 'train' | 'test'>>(bytes)
      const ints = (b: Uint8Array | undefined) =>
        new Int32Array((b as Uint8Array).buffer.slice((b as Uint8Array).byteOffset, (b as Uint8Array).byteOffset + (b as Uint8Array).byteLength))
      return { ...header, train: ints(parts[0]), test: ints(parts[1]) }
    },
  })

  const fitting = (stepName: string, candidateName: string, candidate: ModelSpec['candidates'][string]) =>
    defineStep<CandidateFit, TrainContext>({
      name: stepName,
      needs: [...rowNeeds, 'split'],
      version: '1',
      config: { candidate, validation: spec.validation ?? null, select: spec.select ?? null, preprocessing: spec.preprocessing ?? null, seed },
      cache: true,
      async run(inputs, ctx) {
        const s = inputs.get<SplitOutput>('split')
        const train = (await ctx.frame(rowsOf(inputs))).take(s.train)
        const metric = selectionMetric(spec, s.task)
        await ctx.parentRun()
        let done = 0
        return fitCandidate({
          name: candidateName,
          candidate,
          spec,
          train,
          task: s.task,
          label: spec.label,
          features: s.features,
          classIndex: classIndexOf(train, s, spec.label),
          metric,
          seed,
          onTrial: async (trial, expected) => {
            done++
            ctx.progress({ kind: 'trial', candidate: candidateName, done, expected: Math.max(expected, done), score: trial.meanScore, metric })
            return ctx.trialRun(candidateName, trial, metric)
          },
        })
      },
      ...fitCodec,
    })

  const select = defineStep<SelectOutput, TrainContext>({
    name: 'select',
    needs: fitNames,
    version: '1',
    cache: true,
    async run(inputs) {
      const fits = fitNames.map((n) => inputs.get<CandidateFit>(n))
      const { metric, direction } = fits[0] as CandidateFit
      // by validation score in the metric's direction; ties (and only ties) by name, never by declaration order
      const better = (a: CandidateFit, b: CandidateFit) => {
        const x = Number.isNaN(a.meanScore) ? Number.NEGATIVE_INFINITY : direction === 'max' ? a.meanScore : -a.meanScore
        const y = Number.isNaN(b.meanScore) ? Number.NEGATIVE_INFINITY : direction === 'max' ? b.meanScore : -b.meanScore
        return y - x || a.name.localeCompare(b.name)
      }
      const ranked = [...fits].sort(better)
      const best = ranked[0] as CandidateFit
      if (Number.isNaN(best.meanScore)) throw new KeelError('LEARN_INVALID_INPUT', `no candidate produced a ${metric} score on the validation folds`)
      return {
        selected: best.name,
        metric,
        direction,
        ranking: ranked.map((f) => ({ name: f.name, learner: f.learner, meanScore: f.meanScore, stdScore: f.stdScore, trials: f.trials.length })),
      }
    },
    encode: encodeJson,
    decode: (b) => decodeJson<SelectOutput>(b),
  })

  const sliceColumns = [...new Set([...(spec.slices ?? []), ...(spec.gates?.slices ? [spec.gates.slices.column] : [])])]
  const evaluate = defineStep<EvaluateOutput, TrainContext>({
    name: 'evaluate',
    needs: [...rowNeeds, 'split', 'select', BASELINE_STEP, ...fitNames],
    version: '1',
    config: { slices: sliceColumns, seed },
    cache: true,
    async run(inputs, ctx) {
      const s = inputs.get<SplitOutput>('split')
      const chosen = inputs.get<SelectOutput>('select')
      const test = (await ctx.frame(rowsOf(inputs))).take(s.test)
      const model = loadModel(inputs.get<CandidateFit>(fitStep(chosen.selected)).model)
      const evaluation = evaluateModel(model, test, { slices: sliceColumns, importanceMetric: chosen.metric, seed })
      const baseline = scoreModel(loadModel(inputs.get<CandidateFit>(BASELINE_STEP).model), test)
      const run = await ctx.parentRun()
      return { selected: chosen.selected, evaluation, baseline, runId: run.id }
    },
    encode: encodeJson,
    decode: (b) => decodeJson<EvaluateOutput>(b),
  })

  const gate = defineStep<GateOutput, TrainContext>({
    name: 'gate',
    needs: [...rowNeeds, 'split', 'evaluate'],
    version: '1',
    cache: false,
    async run(inputs, ctx) {
      const e = inputs.get<EvaluateOutput>('evaluate')
      const gates = spec.gates ?? {}
      const champion = gates.notWorseThanChampion ? await championScores(ctx, rowsOf(inputs), inputs.get<SplitOutput>('split')) : null
      const evidence: GateEvidence = {
        candidate: e.evaluation.metrics,
        baseline: e.baseline,
        ...(champion ? { champion: champion.metrics } : {}),
        predictLatencyMs: e.evaluation.predictLatencyMs,
        ...(gates.slices ? { slices: sliceMetrics(e.evaluation, gates.slices.column) } : {}),
      }
      return { verdict: evaluateGates(gates, evidence), declared: Object.keys(gates).length > 0, champion }
    },
    encode: encodeJson,
    decode: (b) => decodeJson<GateOutput>(b),
  })

  const register = defineStep<RegisterOutput, TrainContext>({
    name: 'register',
    needs: [...rowNeeds, 'split', 'select', 'evaluate', 'gate', ...fitNames],
    version: '1',
    cache: false,
    async run(inputs, ctx) {
      const g = inputs.get<GateOutput>('gate')
      if (g.declared && !g.verdict.passed) return { version: null, existing: false, promoted: false }
      const chosen = inputs.get<SelectOutput>('select')
      const fit = inputs.get<CandidateFit>(fitStep(chosen.selected))
      const model = loadModel(fit.model)
      const bytes = model.save()
      const digest = sha256(bytes)
      const existing = (await ctx.registry.list(ctx.name)).find((v) => (v.details.artifacts as { native?: string } | undefined)?.native === digest)
      if (existing) return { version: existing, existing: true, promoted: false }
      const e = inputs.get<EvaluateOutput>('evaluate')
      const snap = inputs.get<SnapshotOutput>('snapshot')
      const run = await ctx.parentRun()
      const split = inputs.get<SplitOutput>('split')
      const test = (await ctx.frame(rowsOf(inputs))).take(split.test)
      const trainingSet = usesViews ? inputs.get<TrainingSetOutput>('features') : null
      const version = await ctx.registry.register({
        name: ctx.name,
        model,
        createdBy: ctx.user,
        runId: run.id,
        metrics: e.evaluation.metrics as Record<string, number>,
        gatesPassed: g.declared && g.verdict.passed,
        evaluation: { ...e.evaluation, baseline: e.baseline, gates: g.verdict, selection: chosen, params: fit.params, candidate: chosen.selected },
        lineage: {
          snapshots: [snap.id, ...Object.values(trainingSet?.lineage.sources ?? {}).filter((id) => id !== snap.id)],
          configHash: ctx.configHash,
          gitCommit: run.info.gitCommit,
          contractHash: snap.contractHash,
          ...(trainingSet ? { featureViews: trainingSet.lineage.views, trainingSet: trainingSetRef(ctx.name, snap, trainingSet) } : {}),
        },
        ...(trainingSet ? { featureInputs: featureInputs(trainingSet, split.features) } : {}),
        card: {
          ...(spec.card ?? {}),
          data: `Dataset "${spec.data}", snapshot ${snap.id}: ${split.train.length} training rows and ${split.test.length} test rows (${split.features.length} features${
            trainingSet ? `, from feature views ${Object.keys(trainingSet.lineage.views).join(', ')} point in time by "${spec.entityTime}"` : ''
          }).`,
          ...(spec.card?.limitations === undefined ? { limitations: defaultLimitations(spec, e.evaluation) } : {}),
        },
        checkOnnxOn: test,
      })
      let promoted = false
      if (version.status === 'approved') {
        await ctx.registry.setAlias(ctx.name, 'champion', version.version, { actor: ctx.user, reason: 'passed its gates (auto approval)', at: Date.now() })
        promoted = true
      }
      return { version: (await ctx.registry.get({ name: ctx.name, version: version.version })) as ModelVersion, existing: false, promoted }
    },
    encode: encodeJson,
    decode: (b) => decodeJson<RegisterOutput>(b),
  })

  return [
    snapshot,
    ...(usesViews ? [features] : []),
    split,
    fitting(BASELINE_STEP, 'baseline', spec.baseline ?? { learner: 'baseline' }),
    ...candidates.map((c) => fitting(fitStep(c), c, spec.candidates[c] as ModelSpec['candidates'][string])),
    select,
    evaluate,
    gate,
    register,
  ] as PipelineStep<unknown, TrainContext>[]
}

/** The model inputs that come from feature views, with the views' versions and keys. */
function featureInputs(set: TrainingSetOutput, features: readonly string[]): FeatureInput[] {
  return set.lineage.columns
    .filter((c) => features.includes(c.column))
    .map((c) => ({
      input: c.column,
      view: c.view,
      feature: c.feature,
      version: set.lineage.views[c.view] as string,
      entities: set.lineage.entitiesOf[c.view] ?? [],
    }))
}

/** The current champion's metrics on this training run's test rows; null without a champion. */
async function championScores(ctx: TrainContext, snapshot: FrameSource, split: SplitOutput): Promise<GateOutput['champion']> {
  const version = await ctx.registry.metadata.resolveAlias(ctx.name, 'champion')
  if (version === undefined) return null
  const model = await ctx.registry.loadModel({ name: ctx.name, version })
  const test = (await ctx.frame(snapshot)).take(split.test)
  return { version, metrics: scoreModel(model, test) }
}

function sliceMetrics(evaluation: Evaluation, column: string): Record<string, Scores> {
  return Object.fromEntries(
    Object.entries(evaluation.slices[column] ?? {})
      .filter(([, s]) => Object.keys(s.metrics).length > 0)
      .map(([value, s]) => [value, s.metrics]),
  )
}

/** What the card warns about when the spec says nothing: slices well below the overall score. */
function defaultLimitations(spec: ModelSpec, evaluation: Evaluation): string {
  const lines = [`Trained on dataset "${spec.data}" only; its contract defines the inputs it has seen.`]
  const [metric, overall] = Object.entries(evaluation.metrics)[0] ?? []
  if (metric !== undefined && typeof overall === 'number') {
    for (const [column, slices] of Object.entries(evaluation.slices)) {
      for (const [value, s] of Object.entries(slices)) {
        const v = s.metrics[metric as MetricName]
        if (typeof v === 'number' && Math.abs(v - overall) > 0.1 * Math.max(Math.abs(overall), 1e-9)) {
          lines.push(`${metric} on ${column}=${value} is ${v.toPrecision(4)} against ${overall.toPrecision(4)} overall (${s.rows} test rows).`)
        }
      }
    }
  }
  return lines.join(' ')
}
