/**
 * @module The scoring loop: stream the input, validate and predict chunk by chunk, write the
 * scored parts and the rejects, then write the output in one statement and move it into place.
 */
import { rm } from 'node:fs/promises'
import { KeelError } from '../../core/errors.js'
import { literal } from '../../data/sql.js'
import type { Model } from '../../learn/model.js'
import type { SignatureInput } from '../signature.js'
import type { MalformedRow, OpenedInput } from './input.js'
import { assertNoCollision, commit, type OutputTarget, outputCopy, predictionNames, RejectsFile, temporaryPath } from './output.js'
import { RowBuffer, scoringQuery } from './read.js'
import type { BatchSession } from './session.js'
import { planValues, type ValuePlan } from './values.js'
import { predictionColumns, VerdictParts, verdictWidth } from './verdicts.js'

export interface ScoreCounts {
  readonly rowsIn: number
  readonly scored: number
  readonly rejected: number
  /** The rejects file, when a row was rejected. */
  readonly rejects: string | null
}

export interface ScoreTargets {
  readonly output: OutputTarget
  readonly rejects: string
}

/** What to score with and where to write. */
export interface BatchJob {
  readonly model: Model
  /** The version's signature inputs: the columns read, and how. */
  readonly inputs: readonly SignatureInput[]
  readonly targets: ScoreTargets
  readonly chunkRows: number
}

export interface LoopEvents {
  readonly signal?: AbortSignal
  readonly scoring: (done: number, total: number, scored: number, rejected: number) => void
  readonly writing: (percent: number) => void
}

/**
 * Scores every row of `input`. Nothing appears at the targets unless every step succeeded and
 * the counts add up: scored + rejected = input rows.
 */
export async function scoreInput(session: BatchSession, input: OpenedInput, job: BatchJob, events: LoopEvents): Promise<ScoreCounts> {
  const columns = input.columns.map((c) => c.name)
  const plans = planValues(job.inputs, input.columns)
  const names = predictionNames(job.model.task, job.model.classes)
  assertNoCollision(columns, names)
  const outputTmp = temporaryPath(job.targets.output.path)
  const rejects = new RejectsFile(temporaryPath(job.targets.rejects), columns, input.malformed)
  const rowsIn = input.parsed + input.malformed.length
  try {
    const parts = new VerdictParts(session, verdictWidth(job.model.task, job.model.classes))
    const { scored, rejected } = await scoreChunks(session, input, job, plans, parts, rejects, events)
    const written = await rejects.finish()
    if (written !== rejected) throw new KeelError('INTERNAL', `${rejected} rows were rejected but ${written} written to the rejects file`)
    if (scored + rejected !== rowsIn) throw new KeelError('INTERNAL', `${scored} scored + ${rejected} rejected ≠ ${rowsIn} input rows`)
    const copy = outputCopy(input, await parts.finish(), names, job.model.classes, literal(outputTmp), job.targets.output.format)
    const copied = await session.all(copy, events.writing).catch(async (error: unknown) => {
      // the copy stops when the input no longer lines up with what was scored: say why, when a file changed
      await input.assertUnchanged()
      throw error
    })
    if (Number(copied[0]?.[0]) !== scored) throw new KeelError('INTERNAL', `${scored} rows were scored but ${String(copied[0]?.[0])} written to the output`)
    await input.assertUnchanged()
    if (events.signal?.aborted) throw interrupted()
    const rejectsFile = written > 0 ? { tmp: rejects.path, target: job.targets.rejects } : null
    await commit({ tmp: outputTmp, target: job.targets.output.path }, rejectsFile, job.targets.rejects)
    return { rowsIn, scored, rejected, rejects: rejectsFile?.target ?? null }
  } catch (error) {
    await Promise.all([rm(outputTmp, { force: true }), rejects.discard()])
    throw events.signal?.aborted ? interrupted() : error
  }
}

/** Streams the input through the buffer: each full chunk is predicted, then written to a part and the rejects. */
async function scoreChunks(
  session: BatchSession,
  input: OpenedInput,
  job: BatchJob,
  plans: readonly ValuePlan[],
  parts: VerdictParts,
  rejects: RejectsFile,
  events: LoopEvents,
): Promise<{ scored: number; rejected: number }> {
  const columns = input.columns.map((c) => c.name)
  const buffer = new RowBuffer(plans, job.chunkRows)
  const rowNumber = numberRows(input.malformed)
  let ordinal = 0
  let scored = 0
  let rejected = input.malformed.length
  const flush = async () => {
    const predicted = buffer.valid === 0 ? emptyColumns(parts.width) : predictionColumns(job.model.predict(buffer.frame()))
    await parts.write(buffer, predicted)
    await rejects.add(buffer.rejected)
    scored += buffer.valid
    rejected += buffer.rejected.length
    buffer.clear()
    events.scoring(ordinal + input.malformed.length, input.parsed + input.malformed.length, scored, rejected)
  }
  for await (const chunk of session.stream(scoringQuery(input.scan, plans, columns))) {
    if (events.signal?.aborted) throw interrupted()
    for (let from = 0; from < chunk.rowCount; ) {
      const added = buffer.add(chunk, from, ordinal + 1, rowNumber, columns.length)
      from += added
      ordinal += added
      if (buffer.full) await flush()
    }
  }
  // the last (or only, perhaps empty) part: the output's join needs at least one
  if (buffer.count > 0 || parts.paths.length === 0) await flush()
  if (ordinal !== input.parsed) {
    await input.assertUnchanged()
    throw new KeelError('DATA_READ_FAILED', `the input gave ${ordinal} rows to score but ${input.parsed} when counted; nothing was written`)
  }
  return { scored, rejected }
}

/**
 * Numbers the k-th row a CSV scan yields (1-based) among the file's data rows, counting the
 * malformed lines the scan skips. Rows arrive in order, so the walk over the skipped lines only
 * moves forward.
 */
function numberRows(malformed: readonly MalformedRow[]): (ordinal: number) => number {
  let skipped = 0
  return (ordinal) => {
    while (skipped < malformed.length && (malformed[skipped] as MalformedRow).row <= ordinal + skipped) skipped++
    return ordinal + skipped
  }
}

function emptyColumns(width: number): Float64Array[] {
  return Array.from({ length: width }, () => new Float64Array(0))
}

function interrupted(): KeelError {
  return new KeelError('BATCH_INTERRUPTED', 'the batch was interrupted; nothing was written')
}
