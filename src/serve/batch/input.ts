/**
 * @module What a batch reads: a CSV or Parquet file (by extension) or `sql:<DuckDB query>`, how
 * many rows it has, and — for CSV — the lines that could not be parsed, which are rejected rows too.
 */
import { stat } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { KeelError } from '../../core/errors.js'
import { expr, ident, join, literal, type Sql, sql } from '../../data/sql.js'
import type { BatchSession } from './session.js'

export type BatchInputSpec = { readonly kind: 'csv' | 'parquet'; readonly path: string } | { readonly kind: 'sql'; readonly query: string }

/** A CSV line DuckDB could not split into the header's columns; it counts as an input row. */
export interface MalformedRow {
  /** The row's number among the file's data rows (the header is not a row). */
  readonly row: number
  readonly reason: string
}

/** An input opened in a session: what to scan, its columns, and its row count. */
export interface OpenedInput {
  readonly spec: BatchInputSpec
  /** A FROM item that yields the parsable rows in input order, every time it is scanned. */
  readonly scan: Sql
  readonly columns: readonly { readonly name: string; readonly type: string }[]
  /** Rows `scan` yields. */
  readonly parsed: number
  /** Sorted by row. */
  readonly malformed: readonly MalformedRow[]
  /** Throws if an input file changed since it was opened (size or modification time). */
  assertUnchanged(): Promise<void>
}

const STAGED = '__keel_batch_input'
const REJECTS = '__keel_batch_csv_rejects'

/**
 * `sql:<query>`, or a path whose extension says CSV (`.csv`, `.tsv`, `.txt`, optionally `.gz`/`.zst`)
 * or Parquet (`.parquet`, `.pq`). Relative paths start at the working directory.
 *
 * @example
 * ```ts
 * parseBatchInput('sql:SELECT * FROM read_parquet(\'day-*.parquet\')') // { kind: 'sql', query: … }
 * parseBatchInput('data/today.csv') // { kind: 'csv', path: '/home/ann/proj/data/today.csv' }
 * ```
 */
export function parseBatchInput(text: string): BatchInputSpec {
  if (text.startsWith('sql:')) {
    const query = text.slice(4).trim()
    if (query === '') throw new KeelError('BATCH_INPUT_INVALID', 'the sql: input has no query')
    return { kind: 'sql', query }
  }
  const kind = fileKind(text)
  if (kind === undefined) {
    throw new KeelError('BATCH_INPUT_INVALID', `cannot tell the format of "${text}" from its extension`, {
      hint: 'Give a .csv or .parquet file, or sql:<query> (DuckDB SQL over files).',
    })
  }
  return { kind, path: resolve(text) }
}

/** `csv` or `parquet` from a file name, or undefined. */
function fileKind(path: string): 'csv' | 'parquet' | undefined {
  const ext = extname(path.replace(/\.(gz|zst)$/i, '')).toLowerCase()
  if (ext === '.parquet' || ext === '.pq') return 'parquet'
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv'
  return undefined
}

/**
 * Opens the input: CSV is read once to count its rows and collect its malformed lines (later scans
 * skip the same lines); a query runs once into a session table, so a query that would answer
 * differently on a second run (a sample, `now()`) is scored and written from the same rows.
 */
export async function openInput(session: BatchSession, spec: BatchInputSpec, onProgress?: (percent: number) => void): Promise<OpenedInput> {
  const fingerprint = spec.kind === 'sql' ? undefined : await fileFingerprint(spec.path)
  const assertUnchanged = async () => {
    if (spec.kind === 'sql' || fingerprint === undefined) return
    if ((await fileFingerprint(spec.path)) !== fingerprint) {
      throw new KeelError('DATA_READ_FAILED', `${spec.path} changed while it was being scored; nothing was written`, {
        hint: 'Score a file that is complete and no longer being written, e.g. one moved into place when done.',
      })
    }
  }
  if (spec.kind === 'sql') {
    await session.run(sql`CREATE TEMP TABLE ${ident(STAGED)} AS ${expr(spec.query)}`, onProgress)
    const scan = ident(STAGED)
    return { spec, scan, columns: await describe(session, scan), parsed: await count(session, scan), malformed: [], assertUnchanged }
  }
  if (spec.kind === 'parquet') {
    const scan = sql`read_parquet(${literal(spec.path)})`
    return { spec, scan, columns: await describe(session, scan), parsed: await count(session, scan), malformed: [], assertUnchanged }
  }
  const counting = csvScan(spec.path, [
    expr('store_rejects = true'),
    sql`rejects_table = ${literal(REJECTS)}`,
    sql`rejects_scan = ${literal(`${REJECTS}_scans`)}`,
  ])
  const parsed = await count(session, counting, onProgress)
  const scan = csvScan(spec.path, [expr('ignore_errors = true')])
  return { spec, scan, columns: await describe(session, scan), parsed, malformed: await malformedRows(session), assertUnchanged }
}

/**
 * Every value as text, so the signature decides what a value means (and `007` stays `007` in the
 * output); the header names the columns; a line with too few or too many fields is skipped and
 * logged rather than padded, so it is rejected instead of scored with made-up missing values.
 */
function csvScan(path: string, extra: readonly Sql[]): Sql {
  const options = [literal(path), expr('all_varchar = true'), expr('header = true'), expr('strict_mode = true'), expr('null_padding = false'), ...extra]
  return sql`read_csv(${join(options)})`
}

async function malformedRows(session: BatchSession): Promise<MalformedRow[]> {
  // DuckDB logs one error per missing column of a short line, and numbers lines by record, the header being line 1
  const rows = await session.all(sql`SELECT line, min(error_type || ': ' || error_message), min(csv_line) FROM ${ident(REJECTS)} GROUP BY line ORDER BY line`)
  return rows.map((r) => ({ row: Number(r[0]) - 1, reason: `malformed CSV line (${String(r[1]).split('\n')[0]}): ${String(r[2] ?? '').slice(0, 200)}` }))
}

async function describe(session: BatchSession, scan: Sql): Promise<{ name: string; type: string }[]> {
  const rows = await session.all(sql`DESCRIBE SELECT * FROM ${scan}`)
  return rows.map((r) => ({ name: String(r[0]), type: String(r[1]) }))
}

async function count(session: BatchSession, scan: Sql, onProgress?: (percent: number) => void): Promise<number> {
  if (onProgress === undefined) return Number((await session.all(sql`SELECT count(*) FROM ${scan}`))[0]?.[0] ?? 0)
  // run (not all) so that its progress is reported; the count lands in a one-row table
  await session.run(sql`CREATE OR REPLACE TEMP TABLE __keel_batch_count AS SELECT count(*) AS n FROM ${scan}`, onProgress)
  return Number((await session.all(sql`SELECT n FROM __keel_batch_count`))[0]?.[0] ?? 0)
}

async function fileFingerprint(path: string): Promise<string> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new KeelError('DATA_READ_FAILED', `cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`)
  })
  if (!info.isFile()) throw new KeelError('DATA_READ_FAILED', `cannot read ${path}: not a regular file`)
  return `${info.size}:${info.mtimeMs}`
}
