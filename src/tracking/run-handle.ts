/**
 * @module The handle a running process logs through.
 */
import { KeelError } from '../core/errors.js'
import { safeRelativePath } from '../core/paths.js'
import type { Run, RunArtifact, RunInput, RunStatus } from '../core/types.js'
import type { ArtifactStore } from '../stores/artifact-store.js'
import type { MetadataStore } from '../stores/metadata-store.js'
import { checkKey, checkMetric, type LoggableValue, paramsToText, tagsToText } from './validate.js'

export interface LogMetricOptions {
  /** Integer step (epoch, iteration…). Default: one more than this handle's last step for the key, from 0. */
  readonly step?: number
  /** Epoch milliseconds. Default: now. */
  readonly timestamp?: number
}

/**
 * A run in progress. Every call is one atomic write: it is stored whole or not
 * at all. A process that dies before `end()` leaves the run `running`.
 *
 * @example
 * ```ts
 * const run = await project.tracking.startRun({ experiment: 'churn', name: 'gbdt-lr-0.1' })
 * await run.logParams({ learningRate: 0.1, maxDepth: 6 })
 * for (let epoch = 0; epoch < 10; epoch++) await run.logMetric('val_auc', auc[epoch], { step: epoch })
 * await run.logArtifact('model.json', Buffer.from(JSON.stringify(model)))
 * await run.end('finished')
 * ```
 */
export class RunHandle {
  readonly #store: MetadataStore
  readonly #artifacts: ArtifactStore
  readonly #steps = new Map<string, number>()
  #run: Run
  #ended = false

  constructor(run: Run, store: MetadataStore, artifacts: ArtifactStore) {
    this.#run = run
    this.#store = store
    this.#artifacts = artifacts
  }

  get id(): string {
    return this.#run.id
  }

  /** The run's header as it was at start (status and end time are updated by `end`). */
  get info(): Run {
    return this.#run
  }

  async logParams(params: Readonly<Record<string, LoggableValue>>): Promise<void> {
    return this.#write({ params: paramsToText(params) })
  }

  async logParam(key: string, value: LoggableValue): Promise<void> {
    return this.logParams({ [key]: value })
  }

  async logMetric(key: string, value: number, options: LogMetricOptions = {}): Promise<void> {
    return this.logMetrics({ [key]: value }, options)
  }

  /** Logs several metrics at one step in one write. */
  async logMetrics(values: Readonly<Record<string, number>>, options: LogMetricOptions = {}): Promise<void> {
    const timestamp = options.timestamp ?? Date.now()
    const metrics = Object.entries(values).map(([key, value]) => {
      const step = options.step ?? (this.#steps.get(key) ?? -1) + 1
      checkMetric(key, value, step, timestamp)
      return { key, value, step, timestamp }
    })
    return this.#write({ metrics }).then(() => {
      for (const m of metrics) this.#steps.set(m.key, Math.max(m.step, this.#steps.get(m.key) ?? -1))
    })
  }

  /** Sets tags; unlike params, a tag may be changed, and tags may be set after the run ended. */
  async setTags(tags: Readonly<Record<string, LoggableValue>>): Promise<void> {
    return this.#store.logBatch(this.id, { tags: tagsToText(tags) })
  }

  /**
   * Stores bytes, or the file at a path, in the artifact store (by sha256)
   * and records it on the run under `name`, a relative path such as `model/weights.bin`.
   */
  async logArtifact(name: string, source: Uint8Array | string): Promise<RunArtifact> {
    const safeName = safeRelativePath(name)
    this.#checkActive()
    const ref = await this.#artifacts.put(typeof source === 'string' ? { path: source } : source)
    const artifact: RunArtifact = { name: safeName, sha256: ref.sha256, size: ref.size, createdAt: Date.now() }
    await this.#write({ artifacts: [artifact] })
    return artifact
  }

  /** Records what the run read (a dataset snapshot, a feature view version…) for lineage. */
  async logInputs(inputs: readonly RunInput[]): Promise<void> {
    for (const i of inputs) {
      checkKey('input kind', i.kind)
      if (i.name.length === 0 || i.ref.length === 0) throw new KeelError('RUN_INVALID_INPUT', 'an input needs a name and a ref')
    }
    return this.#write({ inputs })
  }

  /** Ends the run. Ending twice is an error; `failed` is what `withRun` uses when its callback throws. */
  async end(status: Exclude<RunStatus, 'running'> = 'finished'): Promise<Run> {
    this.#checkActive()
    const endTime = Date.now()
    const changed = await this.#store.endRun(this.id, status, endTime)
    this.#ended = true
    if (!changed) throw new KeelError('RUN_NOT_ACTIVE', `run ${this.id} had already been ended by another process`)
    this.#run = { ...this.#run, status, endTime }
    return this.#run
  }

  async #write(batch: Parameters<MetadataStore['logBatch']>[1]): Promise<void> {
    this.#checkActive()
    return this.#store.logBatch(this.id, batch)
  }

  #checkActive(): void {
    if (this.#ended) throw new KeelError('RUN_NOT_ACTIVE', `run ${this.id} has ended`)
  }
}
