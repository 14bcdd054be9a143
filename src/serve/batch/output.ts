/**
 * @module What a batch writes: the output (Parquet or CSV: `row`, the input's columns, the
 * prediction columns) and the rejects CSV, each to a temporary file beside its target that is
 * renamed into place only when the whole batch succeeded.
 */
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { access, type FileHandle, open, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, extname, join as joinPath, resolve } from 'node:path'
import { KeelError } from '../../core/errors.js'
import { expr, ident, join, literal, type Sql, sql } from '../../data/sql.js'
import type { Predictions } from '../../learn/model.js'
import type { MalformedRow, OpenedInput } from './input.js'
import { type RejectedRow, rowHash } from './read.js'

export interface OutputTarget {
  readonly path: string
  readonly format: 'parquet' | 'csv'
}

const OUTPUT_FORMATS: Readonly<Record<string, OutputTarget['format']>> = { '.parquet': 'parquet', '.pq': 'parquet', '.csv': 'csv' }

/**
 * The output's path and format (from its extension) and the rejects path (default: beside the
 * output, `<name>.rejects.csv`). Paths are resolved from the working directory.
 */
export function planOutput(output: string, rejects: string | undefined): { readonly output: OutputTarget; readonly rejects: string } {
  const path = resolve(output)
  const format = OUTPUT_FORMATS[extname(path).toLowerCase()]
  if (format === undefined) {
    throw new KeelError('BATCH_INPUT_INVALID', `cannot tell the output format of "${output}" from its extension`, {
      hint: 'Name the output file.parquet or file.csv.',
    })
  }
  const rejectsPath = resolve(rejects ?? joinPath(dirname(path), `${basename(path, extname(path))}.rejects.csv`))
  if (rejectsPath === path) throw new KeelError('BATCH_INPUT_INVALID', 'the rejects file and the output are the same file')
  return { output: { path, format }, rejects: rejectsPath }
}

/** Refuses, before any scoring, targets that could not be written or that would replace the input. */
export async function assertWritable(targets: readonly string[], input: string | undefined): Promise<void> {
  for (const target of targets) {
    if (target === input) throw new KeelError('BATCH_INPUT_INVALID', `${target} is the input; write the output elsewhere`)
    const dir = dirname(target)
    const problem = await access(dir, constants.W_OK).then(
      () => undefined,
      (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? 'no such directory' : error.message),
    )
    if (problem !== undefined) throw new KeelError('BATCH_WRITE_FAILED', `cannot write to ${dir}: ${problem}`)
    if ((await stat(target).catch(() => undefined))?.isDirectory()) throw new KeelError('BATCH_WRITE_FAILED', `${target} is a directory`)
  }
}

/** A hidden file beside `target`, so that the final rename never crosses a file system. */
export function temporaryPath(target: string): string {
  return joinPath(dirname(target), `.${basename(target)}.keel-${randomBytes(4).toString('hex')}.tmp`)
}

/** The output's prediction columns: `prediction`, or `predicted` and `p_<class>` per class. */
export function predictionNames(task: Predictions['task'], classes: readonly string[]): string[] {
  return task === 'regression' ? ['prediction'] : ['predicted', ...classes.map((c) => `p_${c}`)]
}

/**
 * Refuses inputs whose columns would collide with the output's own (`row`, the prediction
 * columns) or with Keel's working columns (`__keel_*`).
 */
export function assertNoCollision(columns: readonly string[], predictions: readonly string[]): void {
  const taken = new Set(['row', ...predictions])
  const clashes = columns.filter((c) => taken.has(c) || c.startsWith('__keel_'))
  if (clashes.length === 0) return
  throw new KeelError(
    'BATCH_INPUT_INVALID',
    `the input has column${clashes.length === 1 ? '' : 's'} ${clashes.map((c) => `"${c}"`).join(', ')}, which the output uses`,
    {
      hint: 'Rename them, e.g. --input "sql:SELECT * RENAME (row AS source_row) FROM \'file.csv\'".',
    },
  )
}

/**
 * The COPY that writes the output: the input (scanned again) beside the scored parts, row by row
 * in the same order. A row whose hash differs from the one scored, or a count that differs, stops
 * the statement, so the output is never misaligned with its predictions.
 */
export function outputCopy(
  input: OpenedInput,
  parts: readonly string[],
  predictions: readonly string[],
  classes: readonly string[],
  target: Sql,
  format: 'parquet' | 'csv',
): Sql {
  const i = (c: string) => sql`i.${ident(c)}`
  const columns = input.columns.map((c) => c.name)
  const predicted =
    predictions[0] === 'prediction'
      ? [sql`v.v0 AS ${ident('prediction')}`]
      : [
          sql`[${join(classes.map((c) => literal(c)))}][CAST(v.v0 AS BIGINT) + 1] AS ${ident('predicted')}`,
          ...classes.map((_, c) => sql`v.${ident(`v${c + 1}`)} AS ${ident(predictions[c + 1] as string)}`),
        ]
  const misaligned = sql`i.__keel_present IS NULL OR v.ok IS NULL OR ${rowHash(columns, 'i')} <> v.hash`
  const options = format === 'parquet' ? expr('FORMAT parquet') : expr('FORMAT csv, HEADER true')
  return sql`COPY (
    SELECT CAST(v.row AS BIGINT) AS ${ident('row')}, ${join(columns.map(i))}, ${join(predicted)}
    FROM (SELECT true AS __keel_present, * FROM ${input.scan}) i POSITIONAL JOIN read_parquet([${join(parts.map((p) => literal(p)))}]) v
    WHERE CASE WHEN ${misaligned} THEN error('the input changed while it was being scored') ELSE v.ok END
  ) TO ${target} (${options})`
}

/**
 * The rejects CSV: `row`, `field`, `reason`, then the row's cells as text, ordered by row. Rows
 * arrive in input order; malformed CSV lines (known before scoring) are merged in by number.
 */
export class RejectsFile {
  count = 0
  #next = 0
  #handle: FileHandle | undefined

  constructor(
    readonly path: string,
    readonly columns: readonly string[],
    readonly malformed: readonly MalformedRow[],
  ) {}

  async add(rows: readonly RejectedRow[]): Promise<void> {
    const lines: string[] = []
    for (const r of rows) {
      this.#malformedBefore(r.row, lines)
      lines.push(csvLine([r.row, r.field, r.reason, ...r.raw]))
    }
    await this.#write(lines)
  }

  /** Writes what is left; returns the rows written. */
  async finish(): Promise<number> {
    const lines: string[] = []
    this.#malformedBefore(Number.POSITIVE_INFINITY, lines)
    await this.#write(lines)
    await this.#handle?.close()
    this.#handle = undefined
    return this.count
  }

  async discard(): Promise<void> {
    await this.#handle?.close().catch(() => undefined)
    this.#handle = undefined
    await rm(this.path, { force: true })
  }

  #malformedBefore(row: number, lines: string[]): void {
    for (let m = this.malformed[this.#next]; m !== undefined && m.row < row; m = this.malformed[++this.#next]) {
      lines.push(csvLine([m.row, '', m.reason, ...this.columns.map(() => null)]))
    }
  }

  async #write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return
    if (this.#handle === undefined) {
      this.#handle = await open(this.path, 'wx')
      await this.#handle.write(`${csvLine(['row', 'field', 'reason', ...this.columns])}\n`)
    }
    await this.#handle.write(`${lines.join('\n')}\n`)
    this.count += lines.length
  }
}

function csvLine(cells: readonly (string | number | null)[]): string {
  return cells.map((v) => (v === null ? '' : csvCell(String(v)))).join(',')
}

function csvCell(s: string): string {
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s
}

/**
 * Moves finished files into place. The output goes last: it is what a reader waits for, and a
 * rejects file is never left beside an output it does not belong to (an old one at the rejects
 * path is removed when this batch rejected nothing).
 */
export async function commit(output: { tmp: string; target: string }, rejects: { tmp: string; target: string } | null, staleRejects: string): Promise<void> {
  try {
    if (rejects === null) await rm(staleRejects, { force: true })
    else await rename(rejects.tmp, rejects.target)
    await rename(output.tmp, output.target)
  } catch (error) {
    throw new KeelError('BATCH_WRITE_FAILED', `could not move the finished files into place: ${(error as Error).message}`, { cause: error })
  }
}
