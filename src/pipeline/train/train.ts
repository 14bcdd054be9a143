/**
 * @module `keel train`: runs a model spec's pipeline under one parent run (started only when
 * something is computed), with a nested run per trial, and reports what was selected, how it
 * evaluated, which gates it passed and what was registered.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { currentUser } from '../../core/config.js'
import { KeelError } from '../../core/errors.js'
import type { Frame } from '../../core/frame.js'
import { canonicalJson, sha256 } from '../../core/hash.js'
import { readFrame } from '../../data/readers/read-frame.js'
import { readSnapshotFrame } from '../../data/snapshot-frame.js'
import { resolveFeatureRefs } from '../../features/feature-view.js'
import { writeTrainingSet } from '../../features/offline.js'
import type { Scores } from '../../learn/evaluation.js'
import type { MetricName } from '../../learn/metrics/table.js'
import type { Project } from '../../project.js'
import type { GateVerdict } from '../../registry/gates.js'
import type { ModelVersion } from '../../stores/metadata-store.js'
import type { RunHandle } from '../../tracking/run-handle.js'
import { StepCache } from '../cache.js'
import { type Executor, inProcessExecutor } from '../executor.js'
import { modelSpecFrom, viewFeatures } from '../model-spec.js'
import { PipelineFailure, runPipeline, type StepEvent, type StepOutcome } from '../runner.js'
import {
  type EvaluateOutput,
  type GateOutput,
  type RegisterOutput,
  type SelectOutput,
  type SnapshotOutput,
  type SplitOutput,
  type TrainContext,
  type TrainEvent,
  trainPipelineName,
  trainSteps,
} from './steps.js'

export interface TrainOptions {
  /** Default: in-process, two steps at a time. */
  readonly executor?: Executor
  /** Who trains (recorded on the version); default KEEL_USER or the OS user. */
  readonly user?: string
  readonly onStep?: (event: StepEvent) => void
  readonly onProgress?: (event: TrainEvent) => void
  readonly signal?: AbortSignal
}

export interface TrainResult {
  readonly model: string
  /** The parent run of this training, or of the one whose outputs were reused when nothing was recomputed. */
  readonly runId: string | null
  /** Whether this training started a new run (false: every output came from the cache). */
  readonly newRun: boolean
  readonly snapshot: string
  readonly task: SplitOutput['task']
  readonly rows: { readonly train: number; readonly test: number }
  readonly selected: string
  readonly metric: MetricName
  readonly ranking: SelectOutput['ranking']
  /** The selected model's metrics on the test rows, and the baseline's. */
  readonly test: Scores
  readonly baseline: Scores
  readonly gates: GateVerdict & { readonly declared: boolean }
  readonly champion: GateOutput['champion']
  /** The registered version (or the identical one already registered); null when gates failed. */
  readonly version: ModelVersion | null
  readonly alreadyRegistered: boolean
  readonly promoted: boolean
  readonly steps: readonly StepOutcome[]
  /** True when nothing was recomputed. */
  readonly cached: boolean
}

/**
 * Trains the model spec `name` from the project's config.
 *
 * @example
 * ```ts
 * const project = await openProject('.')
 * const result = await train(project, 'weather')
 * result.version?.version // 1
 * result.gates.results // [{ gate: 'beatBaseline', passed: true, detail: 'logLoss 0.41 vs baseline 1.2: …' }]
 * ```
 */
export async function train(project: Project, name: string, options: TrainOptions = {}): Promise<TrainResult> {
  const spec = modelSpecFrom(project.config.models, name)
  const seed = spec.seed ?? 0
  const refs = viewFeatures(spec)
  const views = refs.length === 0 ? [] : resolveFeatureRefs(project.config.featureViews, refs)
  const scratch = await mkdtemp(join(tmpdir(), 'keel-train-'))
  const frames = new Map<string, Promise<Frame>>()
  let parent: Promise<RunHandle> | undefined
  const started = () => parent !== undefined

  const parentRun = (): Promise<RunHandle> => {
    parent ??= (async () => {
      const run = await project.tracking.startRun({ experiment: `train:${name}`, name: `train-${name}`, tags: { model: name, pipeline: 'train' } })
      await run.logParams({
        model: name,
        dataset: spec.data,
        label: spec.label,
        task: spec.task ?? 'auto',
        seed,
        candidates: Object.keys(spec.candidates).sort().join(','),
      })
      return run
    })()
    return parent
  }

  const context: Omit<TrainContext, 'signal'> & { signal?: AbortSignal } = {
    name,
    spec,
    seed,
    registry: project.registry,
    user: options.user ?? currentUser(),
    configHash: project.config.configHash,
    ...(options.signal ? { signal: options.signal } : {}),
    async snapshot(): Promise<SnapshotOutput> {
      const { snapshot, created } = await project.data.snapshot(spec.data)
      const contract = snapshot.details.contract
      return {
        id: snapshot.id,
        dataset: snapshot.dataset,
        rows: snapshot.rows,
        artifactSha256: snapshot.artifactSha256,
        contractHash: contract === undefined || contract === null ? null : sha256(canonicalJson(contract)),
        created,
        ...(views.length === 0 ? {} : { featureSources: await snapshotSources(project, views) }),
      }
    },
    frame(source) {
      let frame = frames.get(source.id)
      if (frame === undefined) {
        frame =
          'parquet' in source ? readParquetBytes(source.parquet, join(scratch, `${source.id}.parquet`)) : readSnapshotFrame(project.artifacts, source, scratch)
        frames.set(source.id, frame)
      }
      return frame
    },
    async trainingSet(snapshot) {
      const file = join(scratch, `training-set-${snapshot.id}.parquet`)
      const { rows, ...lineage } = await writeTrainingSet(
        project,
        { views, entityTime: spec.entityTime as string },
        snapshot,
        file,
        snapshot.featureSources ?? {},
      )
      const id = sha256(canonicalJson({ entities: snapshot.id, sources: lineage.sources, views: lineage.views, features: refs, entityTime: spec.entityTime }))
      return { id, rows, lineage, parquet: new Uint8Array(await readFile(file)) }
    },
    parentRun,
    async trialRun(candidate, trial, metric) {
      const run = await project.tracking.startRun({
        experiment: `train:${name}`,
        name: `${candidate}-trial-${trial.index}`,
        parentRunId: (await parentRun()).id,
        tags: { candidate, model: name },
      })
      await run.logParams({ candidate, ...(trial.params as Record<string, string | number | boolean>) })
      for (const [fold, score] of trial.foldScores.entries()) if (Number.isFinite(score)) await run.logMetric(`cv.${metric}`, score, { step: fold })
      const summary: Record<string, number> = { fitMs: trial.fitMs }
      if (Number.isFinite(trial.meanScore)) summary[`cv.${metric}.mean`] = trial.meanScore
      if (Number.isFinite(trial.stdScore)) summary[`cv.${metric}.std`] = trial.stdScore
      await run.logMetrics(summary, { step: 0 })
      await run.end('finished')
      return run.id
    },
    progress: (event) => options.onProgress?.(event),
  }

  try {
    const result = await runPipeline<TrainContext>(
      { name: trainPipelineName(name), steps: trainSteps(spec, seed, Object.fromEntries(views.map(({ view }) => [view.name, view.version]))) },
      {
        cache: new StepCache(project.metadata, project.artifacts),
        executor: options.executor ?? inProcessExecutor({ concurrency: 2 }),
        context,
        ...(options.onStep ? { onStep: options.onStep } : {}),
      },
    )
    const out = <T>(step: string) => result.outputs.get(step) as T
    const split = out<SplitOutput>('split')
    const chosen = out<SelectOutput>('select')
    const evaluated = out<EvaluateOutput>('evaluate')
    const gate = out<GateOutput>('gate')
    const registered = out<RegisterOutput>('register')
    if (started()) await recordOutcome(await parentRun(), evaluated, gate, registered)
    return {
      model: name,
      runId: started() ? (await parentRun()).id : evaluated.runId,
      newRun: started(),
      snapshot: out<SnapshotOutput>('snapshot').id,
      task: split.task,
      rows: { train: split.train.length, test: split.test.length },
      selected: chosen.selected,
      metric: chosen.metric,
      ranking: chosen.ranking,
      test: evaluated.evaluation.metrics,
      baseline: evaluated.baseline,
      gates: { ...gate.verdict, declared: gate.declared },
      champion: gate.champion,
      version: registered.version,
      alreadyRegistered: registered.existing,
      promoted: registered.promoted,
      steps: result.outcomes,
      cached: !started(),
    }
  } catch (error) {
    // the failure is recorded on a run even when it happened before anything started one
    const run = await parentRun().catch(() => undefined)
    if (run) {
      const failedStep = error instanceof PipelineFailure ? error.failedStep : 'train'
      await run.setTags({ status: 'failed', failedStep, error: (error as Error).message.slice(0, 500) }).catch(() => undefined)
      await run.end('failed').catch(() => undefined)
    }
    throw error
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

/** A fresh snapshot of every view source (each dataset once): the training set reads exactly these. */
async function snapshotSources(
  project: Project,
  views: readonly { readonly view: { readonly source: string } }[],
): Promise<NonNullable<SnapshotOutput['featureSources']>> {
  const out: Record<string, { id: string; artifactSha256: string }> = {}
  for (const source of [...new Set(views.map((v) => v.view.source))].sort()) {
    const { snapshot } = await project.data.snapshot(source)
    out[source] = { id: snapshot.id, artifactSha256: snapshot.artifactSha256 }
  }
  return out
}

async function readParquetBytes(bytes: Uint8Array, file: string): Promise<Frame> {
  await writeFile(file, bytes)
  return readFrame(file, { format: 'parquet' })
}

async function recordOutcome(run: RunHandle, evaluated: EvaluateOutput, gate: GateOutput, registered: RegisterOutput): Promise<void> {
  const metrics: Record<string, number> = {}
  for (const [k, v] of Object.entries(evaluated.evaluation.metrics)) if (Number.isFinite(v)) metrics[`test.${k}`] = v as number
  for (const [k, v] of Object.entries(evaluated.baseline)) if (Number.isFinite(v)) metrics[`baseline.${k}`] = v as number
  await run.logMetrics(metrics, { step: 0 })
  await run.logArtifact('evaluation.json', Buffer.from(JSON.stringify({ ...evaluated, gates: gate.verdict }, null, 2)))
  await run.setTags({
    selected: evaluated.selected,
    gates: gate.declared ? (gate.verdict.passed ? 'passed' : 'failed') : 'none',
    ...(registered.version ? { version: `${registered.version.name}@${registered.version.version}` } : {}),
  })
  await run.end('finished')
}

/** The error `keel train` stops with when gates failed: every failed gate with its numbers. */
export function gatesFailed(result: TrainResult): KeelError {
  const failed = result.gates.results.filter((r) => !r.passed)
  return new KeelError(
    'GATES_FAILED',
    `${result.model}: candidate "${result.selected}" failed ${failed.length} gate(s): ${failed.map((r) => `${r.gate} — ${r.detail}`).join('; ')}`,
  )
}
