/**
 * @module Running a pipeline: steps in dependency order, independent ones concurrently through
 * an executor, each cached step served from the cache when nothing that decides it changed.
 */
import { isKeelError, KeelError, type KeelErrorJson } from '../core/errors.js'
import { sha256 } from '../core/hash.js'
import { keelVersion } from '../core/version.js'
import { type StepCache, stepKey } from './cache.js'
import { topologicalOrder } from './dag.js'
import { type Executor, inProcessExecutor } from './executor.js'
import type { PipelineStep, StepContext, StepInputs } from './step.js'

export interface Pipeline<C extends StepContext = StepContext> {
  /** Names the cache entries (e.g. `train:churn`). */
  readonly name: string
  readonly steps: readonly PipelineStep<unknown, C>[]
}

/** How a step ended: `cached` (served from the cache), `ran`, `failed`, or `skipped` (an input failed). */
export type StepStatus = 'cached' | 'ran' | 'failed' | 'skipped'

export interface StepOutcome {
  readonly step: string
  readonly status: StepStatus
  /** The cache key (cached steps only). */
  readonly key: string | null
  /** Wall time of the step's own work (0 when cached or skipped). */
  readonly ms: number
  readonly error?: KeelErrorJson
}

export type StepEvent = { readonly step: string; readonly kind: 'start' } | ({ readonly kind: 'end' } & StepOutcome)

export interface RunPipelineOptions<C extends StepContext> {
  readonly cache: StepCache
  /** Default: in-process, two at a time. */
  readonly executor?: Executor
  /** Given to every step (with `signal` filled in when absent). */
  readonly context: Omit<C, 'signal'> & { readonly signal?: AbortSignal }
  /** Progress: a step started (not for cache hits) or ended. */
  readonly onStep?: (event: StepEvent) => void
  /** The run a cached output is recorded against, asked when it is stored. */
  readonly runId?: () => string | null
}

export interface PipelineResult {
  readonly outcomes: readonly StepOutcome[]
  /** Outputs of the steps that did not fail or skip, by name. */
  readonly outputs: ReadonlyMap<string, unknown>
  /** True when every step was served from the cache or is uncached: nothing was recomputed. */
  readonly allCached: boolean
}

/** A pipeline stopped by a failed step; `outcomes` says what ran, what was cached and what failed. */
export class PipelineFailure extends KeelError {
  constructor(
    readonly failedStep: string,
    cause: KeelError,
    readonly outcomes: readonly StepOutcome[],
  ) {
    super(cause.code, `step "${failedStep}" failed: ${cause.message}`, { hint: cause.hint, cause })
  }
}

/**
 * Runs `pipeline`. A step starts once its inputs have their outputs; a failed step lets the
 * steps that do not depend on it finish (and be cached), skips the ones that do, and then
 * rejects with {@link PipelineFailure}.
 *
 * @example
 * ```ts
 * const result = await runPipeline({ name: 'demo', steps: [load, fit] }, { cache, context: {} })
 * result.outcomes // [{ step: 'load', status: 'ran', … }, { step: 'fit', status: 'cached', … }]
 * ```
 */
export async function runPipeline<C extends StepContext>(pipeline: Pipeline<C>, options: RunPipelineOptions<C>): Promise<PipelineResult> {
  const order = topologicalOrder(pipeline.steps)
  const executor = options.executor ?? inProcessExecutor()
  const context = { ...options.context, signal: options.context.signal ?? new AbortController().signal } as C
  const version = keelVersion()
  const outputs = new Map<string, unknown>()
  const identities = new Map<string, string>()
  const outcomes = new Map<string, StepOutcome>()
  const finished = new Map<string, Promise<boolean>>()
  const errors = new Map<string, KeelError>()

  const inputsOf = (step: PipelineStep<unknown, C>): StepInputs => ({
    get<T>(name: string): T {
      if (!step.needs.includes(name)) throw new KeelError('PIPELINE_INVALID', `step "${step.name}" read "${name}", which is not among its needs`)
      return outputs.get(name) as T
    },
  })

  const settle = (outcome: StepOutcome): boolean => {
    outcomes.set(outcome.step, outcome)
    options.onStep?.({ ...outcome, kind: 'end' })
    return outcome.status === 'ran' || outcome.status === 'cached'
  }

  const execute = async (step: PipelineStep<unknown, C>): Promise<boolean> => {
    const ready = await Promise.all(step.needs.map((n) => finished.get(n) as Promise<boolean>))
    if (ready.some((ok) => !ok)) return settle({ step: step.name, status: 'skipped', key: null, ms: 0 })
    const key = step.cache
      ? stepKey({
          pipeline: pipeline.name,
          step: step.name,
          version: step.version,
          keelVersion: version,
          config: step.config,
          inputs: Object.fromEntries(step.needs.map((n) => [n, identities.get(n) as string])),
        })
      : null
    if (key !== null) {
      const hit = await options.cache.get(key)
      if (hit !== undefined) {
        const output = step.decode(hit.bytes)
        outputs.set(step.name, output)
        identities.set(step.name, step.identity?.(output) ?? hit.entry.artifactSha256)
        return settle({ step: step.name, status: 'cached', key, ms: 0 })
      }
    }
    const started = performance.now()
    try {
      const output = await executor.submit({
        id: `${pipeline.name}/${step.name}`,
        run: async () => {
          options.onStep?.({ step: step.name, kind: 'start' })
          return step.run(inputsOf(step), context)
        },
      })
      const bytes = step.encode(output)
      if (key !== null) {
        await options.cache.put(
          { key, pipeline: pipeline.name, step: step.name, runId: options.runId?.() ?? null, details: { version: step.version, keelVersion: version } },
          bytes,
        )
      }
      outputs.set(step.name, output)
      identities.set(step.name, step.identity?.(output) ?? sha256(bytes))
      return settle({ step: step.name, status: 'ran', key, ms: performance.now() - started })
    } catch (error) {
      const keel = isKeelError(error) ? error : new KeelError('PIPELINE_STEP_FAILED', error instanceof Error ? error.message : String(error), { cause: error })
      errors.set(step.name, keel)
      return settle({ step: step.name, status: 'failed', key, ms: performance.now() - started, error: keel.toJSON() })
    }
  }

  for (const step of order) finished.set(step.name, execute(step))
  await Promise.all(finished.values())
  const list = order.map((s) => outcomes.get(s.name) as StepOutcome)
  const failed = list.find((o) => o.status === 'failed')
  if (failed) throw new PipelineFailure(failed.step, errors.get(failed.step) as KeelError, list)
  return { outcomes: list, outputs, allCached: list.every((o) => o.status === 'cached' || (o.key === null && o.status === 'ran')) }
}
