/**
 * @module Batch scoring: a registered model version over a CSV or Parquet file or a DuckDB query,
 * in bounded chunks, to a Parquet or CSV output written atomically, with invalid rows in a rejects
 * file, recorded as a run of experiment `batch:<model>`.
 */
import { KeelError } from '../core/errors.js'
import type { Project } from '../project.js'
import type { RunHandle } from '../tracking/run-handle.js'
import { MAX_PARAM_VALUE } from '../tracking/validate.js'
import { type BatchInputSpec, openInput, parseBatchInput } from './batch/input.js'
import { assertWritable, planOutput } from './batch/output.js'
import { type BatchJob, type ScoreCounts, scoreInput } from './batch/score.js'
import { openBatchSession } from './batch/session.js'
import { signatureOf } from './signature.js'

export interface ScoreBatchOptions {
  /** A `.csv` or `.parquet` file, or `sql:<DuckDB query>` (e.g. over several files). */
  readonly input: string
  /** A `.parquet` or `.csv` file; replaced atomically when the batch succeeds. */
  readonly output: string
  /** Where rejected rows go (CSV); default `<output name>.rejects.csv` beside the output. */
  readonly rejects?: string
  /** Rows validated and predicted at a time (default 50,000): memory follows this, not the input. */
  readonly chunkRows?: number
  /** DuckDB's memory ceiling for reading and writing (default '1GB'); past it, it spills to a temporary directory. */
  readonly memoryLimit?: string
  readonly onProgress?: (event: BatchProgress) => void
  /** Aborting stops the batch at the next chunk (or interrupts DuckDB); nothing is written. */
  readonly signal?: AbortSignal
}

/** Where a batch is: `reading` (counting the input), `scoring`, `writing` (the output). */
export interface BatchProgress {
  readonly phase: 'reading' | 'scoring' | 'writing'
  /** 0–100 within the phase. */
  readonly percent: number
  /** Input rows seen so far, of `total` (0 until the input is counted). */
  readonly done: number
  readonly total: number
  readonly scored: number
  readonly rejected: number
  readonly seconds: number
}

export interface BatchResult {
  readonly runId: string
  readonly model: { readonly name: string; readonly version: number; readonly ref: string }
  readonly input: string
  readonly output: string
  /** The rejects file, or null when no row was rejected. */
  readonly rejects: string | null
  readonly rows: { readonly in: number; readonly scored: number; readonly rejected: number }
  readonly seconds: number
  readonly rowsPerSecond: number
}

const MEMORY = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i

/** The default number of rows validated and predicted at a time. */
export const DEFAULT_CHUNK_ROWS = 50_000

/**
 * Scores a file or query with a registered model version, in chunks of `chunkRows`.
 *
 * @example
 * ```ts
 * const project = await openProject()
 * const result = await scoreBatch(project, 'churn@champion', { input: 'customers.parquet', output: 'scores.parquet' })
 * result.rows // { in: 120000, scored: 119997, rejected: 3 }: scored + rejected = in, always
 * await project.close()
 * ```
 */
export async function scoreBatch(project: Project, ref: string, options: ScoreBatchOptions): Promise<BatchResult> {
  const started = performance.now()
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS
  if (!Number.isSafeInteger(chunkRows) || chunkRows < 1)
    throw new KeelError('BATCH_INPUT_INVALID', `chunkRows must be a positive whole number; got ${chunkRows}`)
  if (options.memoryLimit !== undefined && !MEMORY.test(options.memoryLimit))
    throw new KeelError('BATCH_INPUT_INVALID', `memoryLimit must look like 512MB or 2GB; got "${options.memoryLimit}"`)
  const spec = parseBatchInput(options.input)
  const targets = planOutput(options.output, options.rejects)
  await assertWritable([targets.output.path, targets.rejects], spec.kind === 'sql' ? undefined : spec.path)
  const version = await project.registry.get(ref)
  // the version resolved above, not the reference again: an alias may move meanwhile
  const model = await project.registry.loadModel({ name: version.name, version: version.version })
  const seconds = () => (performance.now() - started) / 1000
  const progress = (event: Omit<BatchProgress, 'seconds'>) => options.onProgress?.({ ...event, seconds: seconds() })
  const tags = { model: version.name, version: version.version, task: model.task }
  return project.tracking.withRun({ experiment: `batch:${version.name}`, name: `${version.name}@${version.version}`, tags }, async (run) => {
    await run.logParams({
      model: ref,
      version: `${version.name}@${version.version}`,
      input: describeInput(spec),
      output: targets.output.path,
      rejects: targets.rejects,
      chunk_rows: chunkRows,
    })
    const native = (version.details.artifacts as { native?: string } | undefined)?.native ?? `${version.name}@${version.version}`
    await run.logInputs([{ kind: 'model', name: `${version.name}@${version.version}`, ref: native }])
    const job = { model, inputs: signatureOf(version).inputs, targets, chunkRows }
    const counts = await recordFailure(run, () => score(spec, job, options, progress))
    const elapsed = seconds()
    const rowsPerSecond = elapsed > 0 ? counts.rowsIn / elapsed : 0
    await run.logMetrics({ rows_in: counts.rowsIn, scored: counts.scored, rejected: counts.rejected, seconds: elapsed, rows_per_second: rowsPerSecond })
    return {
      runId: run.id,
      model: { name: version.name, version: version.version, ref },
      input: spec.kind === 'sql' ? options.input : spec.path,
      output: targets.output.path,
      rejects: counts.rejects,
      rows: { in: counts.rowsIn, scored: counts.scored, rejected: counts.rejected },
      seconds: elapsed,
      rowsPerSecond,
    }
  })
}

/** Opens a DuckDB session for the batch, and always closes it (its temporary files go with it). */
async function score(
  spec: BatchInputSpec,
  job: BatchJob,
  options: ScoreBatchOptions,
  progress: (event: Omit<BatchProgress, 'seconds'>) => void,
): Promise<ScoreCounts> {
  const session = await openBatchSession(options.memoryLimit)
  const interrupt = () => session.interrupt()
  options.signal?.addEventListener('abort', interrupt)
  try {
    if (options.signal?.aborted) throw new KeelError('BATCH_INTERRUPTED', 'the batch was interrupted before it started; nothing was written')
    const input = await openInput(session, spec, (percent) => progress({ phase: 'reading', percent, done: 0, total: 0, scored: 0, rejected: 0 }))
    let last = { done: 0, total: 0, scored: 0, rejected: 0 }
    return await scoreInput(session, input, job, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      scoring: (done, total, scored, rejected) => {
        last = { done, total, scored, rejected }
        progress({ phase: 'scoring', percent: total === 0 ? 100 : (100 * done) / total, ...last })
      },
      writing: (percent) => progress({ phase: 'writing', percent, ...last }),
    })
  } finally {
    options.signal?.removeEventListener('abort', interrupt)
    session.close()
  }
}

/** Marks the run with the error before `withRun` ends it as failed. */
async function recordFailure<T>(run: RunHandle, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    await run.setTags({ error: message.slice(0, 500), ...(error instanceof KeelError ? { error_code: error.code } : {}) }).catch(() => undefined)
    throw error
  }
}

function describeInput(spec: BatchInputSpec): string {
  const text = spec.kind === 'sql' ? `sql:${spec.query}` : spec.path
  return text.length > MAX_PARAM_VALUE ? `${text.slice(0, MAX_PARAM_VALUE - 1)}…` : text
}
