/**
 * @module Experiment tracking: start runs, read them back, compare them.
 */
import { KeelError } from '../core/errors.js'
import { gitState } from '../core/git.js'
import { isIdPrefix, newId } from '../core/ids.js'
import { safeRelativePath } from '../core/paths.js'
import type { Experiment, MetricPoint, Run, RunArtifact, RunData, RunStatus } from '../core/types.js'
import type { ArtifactStore } from '../stores/artifact-store.js'
import type { MetadataStore } from '../stores/metadata-store.js'
import { compareRuns, type RunComparison } from './compare.js'
import { RunHandle } from './run-handle.js'
import { checkKey, type LoggableValue, tagsToText } from './validate.js'

export interface StartRunOptions {
  /** Experiment name; created on first use. Default: the config's `tracking.defaultExperiment`. */
  readonly experiment?: string
  /** Human-readable name. Default: `run-<time>`. */
  readonly name?: string
  readonly tags?: Readonly<Record<string, LoggableValue>>
  /** Makes this a nested run (a search trial, a pipeline step…) of another. */
  readonly parentRunId?: string
}

export interface ListRunsOptions {
  readonly experiment?: string
  readonly status?: RunStatus
  readonly parentRunId?: string
  readonly limit?: number
}

/** A run with everything logged to it, as `keel runs show` prints it. */
export interface RunDetails {
  readonly run: Run
  readonly params: RunData['params']
  /** Per metric: the latest point and the full history in step order. */
  readonly metrics: readonly { readonly key: string; readonly latest: MetricPoint; readonly history: readonly MetricPoint[] }[]
  readonly artifacts: readonly RunArtifact[]
  readonly inputs: RunData['inputs']
  readonly children: readonly string[]
}

export interface TrackingContext {
  readonly root: string
  readonly configHash: string
  readonly defaultExperiment: string
}

/**
 * The tracking API of an open project (`project.tracking`).
 *
 * @example
 * ```ts
 * const project = await openProject('.')
 * const result = await project.tracking.withRun({ experiment: 'churn' }, async (run) => {
 *   await run.logParams({ lr: 0.1 })
 *   await run.logMetric('auc', 0.91)
 * })
 * ```
 */
export class Tracking {
  readonly #store: MetadataStore
  readonly #artifacts: ArtifactStore
  readonly #context: TrackingContext

  constructor(store: MetadataStore, artifacts: ArtifactStore, context: TrackingContext) {
    this.#store = store
    this.#artifacts = artifacts
    this.#context = context
  }

  async startRun(options: StartRunOptions = {}): Promise<RunHandle> {
    const experimentName = checkKey('experiment', options.experiment ?? this.#context.defaultExperiment)
    const tags = tagsToText(options.tags ?? {})
    if (options.parentRunId !== undefined) await this.getRun(options.parentRunId)
    const now = Date.now()
    const experiment = await this.#store.ensureExperiment(experimentName, newId(now), now)
    const git = gitState(this.#context.root)
    const id = newId(now)
    const run = await this.#store.createRun({
      id,
      experimentId: experiment.id,
      name: options.name ?? `run-${new Date(now).toISOString().replace(/[:.]/g, '-')}`,
      startTime: now,
      parentRunId: options.parentRunId ?? null,
      gitCommit: git?.commit ?? null,
      gitDirty: git?.dirty ?? null,
      configHash: this.#context.configHash,
      tags,
    })
    return new RunHandle(run, this.#store, this.#artifacts)
  }

  /** Runs `fn` inside a run that ends `finished` when it resolves and `failed` when it throws. */
  async withRun<T>(options: StartRunOptions, fn: (run: RunHandle) => Promise<T>): Promise<T> {
    const run = await this.startRun(options)
    let result: T
    try {
      result = await fn(run)
    } catch (error) {
      await run.end('failed').catch(() => undefined)
      throw error
    }
    await run.end('finished')
    return result
  }

  /** A run by id or by any unique prefix of its id. */
  async getRun(idOrPrefix: string): Promise<Run> {
    const exact = await this.#store.getRun(idOrPrefix)
    if (exact) return exact
    const matches = isIdPrefix(idOrPrefix) ? await this.#store.listRuns({ idPrefix: idOrPrefix, limit: 2 }) : []
    if (matches.length === 1 && matches[0]) return matches[0]
    if (matches.length > 1) throw new KeelError('RUN_ID_AMBIGUOUS', `"${idOrPrefix}" is the start of more than one run id`)
    throw new KeelError('RUN_NOT_FOUND', `no run with id ${JSON.stringify(idOrPrefix)}`)
  }

  async listRuns(options: ListRunsOptions = {}): Promise<readonly Run[]> {
    let experimentId: string | undefined
    if (options.experiment !== undefined) {
      const experiment = await this.#store.getExperiment(options.experiment)
      if (!experiment) throw new KeelError('EXPERIMENT_NOT_FOUND', `no experiment named "${options.experiment}"`)
      experimentId = experiment.id
    }
    return this.#store.listRuns({
      ...(experimentId === undefined ? {} : { experimentId }),
      ...(options.status === undefined ? {} : { status: options.status }),
      ...(options.parentRunId === undefined ? {} : { parentRunId: options.parentRunId }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
    })
  }

  listExperiments(): Promise<readonly Experiment[]> {
    return this.#store.listExperiments()
  }

  async getRunDetails(idOrPrefix: string): Promise<RunDetails> {
    const run = await this.getRun(idOrPrefix)
    const [data, children] = await Promise.all([this.#store.getRunData(run.id), this.#store.listRuns({ parentRunId: run.id })])
    const metrics = await Promise.all(
      data.metrics.map(async (latest) => ({ key: latest.key, latest, history: await this.#store.getMetricHistory(run.id, latest.key) })),
    )
    return { run, params: data.params, metrics, artifacts: data.artifacts, inputs: data.inputs, children: children.map((c) => c.id).reverse() }
  }

  async getMetricHistory(idOrPrefix: string, key: string): Promise<readonly MetricPoint[]> {
    const run = await this.getRun(idOrPrefix)
    return this.#store.getMetricHistory(run.id, key)
  }

  async compareRuns(idsOrPrefixes: readonly string[]): Promise<RunComparison> {
    const runs = await Promise.all(idsOrPrefixes.map((id) => this.getRun(id)))
    const data = await Promise.all(runs.map((run) => this.#store.getRunData(run.id)))
    return compareRuns(runs.map((run, i) => ({ run, data: data[i] as RunData })))
  }

  /** An artifact's bytes, verified against the hash recorded on the run. */
  async getArtifact(idOrPrefix: string, name: string): Promise<Uint8Array> {
    return this.#artifacts.get((await this.#findArtifact(idOrPrefix, name)).sha256)
  }

  /** Writes an artifact to a local file; the file appears only once it is verified. */
  async downloadArtifact(idOrPrefix: string, name: string, destination: string): Promise<RunArtifact> {
    const artifact = await this.#findArtifact(idOrPrefix, name)
    await this.#artifacts.download(artifact.sha256, destination)
    return artifact
  }

  async #findArtifact(idOrPrefix: string, name: string): Promise<RunArtifact> {
    const run = await this.getRun(idOrPrefix)
    const safeName = safeRelativePath(name)
    const artifact = (await this.#store.getRunData(run.id)).artifacts.find((a) => a.name === safeName)
    if (!artifact) throw new KeelError('ARTIFACT_NOT_FOUND', `run ${run.id} has no artifact named "${safeName}"`)
    return artifact
  }
}
