/**
 * @module Reads a CSV or Parquet file into a Frame through embedded DuckDB.
 */
import { stat } from 'node:fs/promises'
import { extname } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import { KeelError } from '../../core/errors.js'
import { type Column, type ColumnKind, Frame } from '../../core/frame.js'
import { type ColumnBuilder, columnBuilder } from './column-builders.js'
import { type CsvDialect, castSql, type FileFormat, kindOfDuckType, REJECTS_TABLE, scanSql } from './duckdb-sql.js'

export interface ReadFrameOptions extends CsvDialect {
  /** Default from the extension: `.parquet`/`.pq` are Parquet, `.csv`/`.tsv`/`.txt` (optionally `.gz`/`.zst`) CSV. */
  readonly format?: FileFormat
  /** Only these columns, in this order. Default: every column, in file order. */
  readonly columns?: readonly string[]
  /** Column kinds that override inference, e.g. `{ zip: 'category' }` keeps leading zeros. */
  readonly schema?: Readonly<Record<string, ColumnKind>>
  /** Read at most this many rows. */
  readonly limit?: number
}

interface SourceColumn {
  readonly name: string
  readonly type: string
}

/**
 * Reads a CSV or Parquet file into a Frame. Numbers (integers, decimals, floats)
 * become `number`, text `category`, booleans `boolean`, dates and timestamps
 * `timestamp` (epoch ms, UTC). A malformed CSV, ragged rows included, fails
 * with DATA_READ_FAILED naming the file and the first bad lines.
 *
 * @example
 * ```ts
 * const frame = await readFrame('data/customers.csv', { schema: { zip: 'category' }, nullValues: ['', 'NA'] })
 * frame.column('zip') // { kind: 'category', codes: Int32Array [...], levels: ['02134', ...] }
 * ```
 */
export async function readFrame(path: string, options: ReadFrameOptions = {}): Promise<Frame> {
  const format = options.format ?? formatFromPath(path)
  assertValidOptions(path, options)
  await assertReadableFile(path)
  try {
    return await withConnection((connection) => readWith(connection, path, format, options))
  } catch (error) {
    throw error instanceof KeelError ? error : readFailed(path, error)
  }
}

/** A private in-memory DuckDB per read, closed afterwards so that nothing keeps the process alive. */
async function withConnection<T>(use: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  // loaded on first use: the native engine is large, and most users of `keel` never read a file
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const instance = await DuckDBInstance.create(':memory:')
  try {
    const connection = await instance.connect()
    try {
      await connection.run("SET TimeZone = 'UTC'")
      return await use(connection)
    } finally {
      connection.closeSync()
    }
  } finally {
    instance.closeSync()
  }
}

async function readWith(connection: DuckDBConnection, path: string, format: FileFormat, options: ReadFrameOptions): Promise<Frame> {
  const source = await describe(connection, scanSql(path, format, options))
  const plan = selectColumns(path, source, options).map((c) => ({ ...c, kind: options.schema?.[c.name] ?? inferredKind(path, c) }))
  const scan = scanSql(path, format, options, format === 'csv' ? (options.schema ?? {}) : {})
  const projection = plan.map((c) => castSql(c.name, c.type, c.kind)).join(', ')
  const limit = options.limit === undefined ? '' : ` LIMIT ${options.limit}`
  const builders = plan.map((c) => columnBuilder(c.kind))
  const nRows = await streamInto(connection, `SELECT ${projection} FROM ${scan}${limit}`, builders)
  if (format === 'csv') await assertNoRejects(connection, path)
  return new Frame(new Map<string, Column>(plan.map((c, i) => [c.name, (builders[i] as ColumnBuilder).finish(nRows)])))
}

async function describe(connection: DuckDBConnection, scan: string): Promise<SourceColumn[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${scan}`)
  return reader.getRowObjectsJS().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }))
}

async function streamInto(connection: DuckDBConnection, sql: string, builders: readonly ColumnBuilder[]): Promise<number> {
  const result = await connection.stream(sql)
  let nRows = 0
  for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const rowCount = chunk.rowCount
    for (const [i, b] of builders.entries()) b.push(chunk.getColumnVector(i), rowCount)
    nRows += rowCount
  }
  return nRows
}

function selectColumns(path: string, source: readonly SourceColumn[], options: ReadFrameOptions): SourceColumn[] {
  const byName = new Map(source.map((c) => [c.name, c]))
  const wanted = [...(options.columns ?? []), ...Object.keys(options.schema ?? {})]
  const unknown = wanted.filter((n) => !byName.has(n))
  if (unknown.length > 0) {
    const names = unknown.map((n) => `"${n}"`).join(', ')
    throw new KeelError('FRAME_COLUMN_UNKNOWN', `"${path}" has no column ${names} (columns: ${source.map((c) => c.name).join(', ')})`)
  }
  return options.columns ? options.columns.map((n) => byName.get(n) as SourceColumn) : [...source]
}

function inferredKind(path: string, column: SourceColumn): ColumnKind {
  const kind = kindOfDuckType(column.type)
  if (kind !== undefined) return kind
  throw new KeelError(
    'DATA_READ_FAILED',
    `"${path}", column "${column.name}": type ${column.type} has no Frame kind; read it as text with schema: { "${column.name}": 'category' }, or leave it out with columns`,
  )
}

async function assertNoRejects(connection: DuckDBConnection, path: string): Promise<void> {
  const reader = await connection.runAndReadAll(
    `SELECT line, column_name, error_type, error_message, count(*) OVER () AS total FROM ${REJECTS_TABLE} ORDER BY line LIMIT 3`,
  )
  const rows = reader.getRowObjectsJS()
  const first = rows[0]
  if (first === undefined) return
  const lines = rows.map((r) => `line ${r.line}${r.column_name ? `, column "${r.column_name}"` : ''}: ${r.error_message}`)
  const total = Number(first.total)
  const more = total > rows.length ? ` (and ${total - rows.length} more)` : ''
  throw new KeelError('DATA_READ_FAILED', `"${path}" is not valid CSV: ${total} bad line${total === 1 ? '' : 's'}${more}; ${lines.join('; ')}`)
}

const KINDS: ReadonlySet<string> = new Set<ColumnKind>(['number', 'category', 'boolean', 'timestamp'])

// Options usually come from config files, so their types are checked at run time too.
function assertValidOptions(path: string, options: ReadFrameOptions): void {
  const bad = (what: string): never => {
    throw new KeelError('DATA_READ_FAILED', `cannot read "${path}": ${what}`)
  }
  if (options.limit !== undefined && !(Number.isSafeInteger(options.limit) && options.limit >= 0)) bad(`limit must be a whole number ≥ 0, not ${options.limit}`)
  for (const [name, kind] of Object.entries(options.schema ?? {})) {
    if (!KINDS.has(kind)) bad(`schema.${name} is ${JSON.stringify(kind)}; use one of ${[...KINDS].join(', ')}`)
  }
  if (options.columns?.length === 0) bad('columns must name at least one column (leave it out for all of them)')
  if (options.delimiter === '') bad('delimiter must not be empty')
  if (options.nullValues?.length === 0) bad('nullValues must list at least one string (leave it out for the default: an empty field)')
}

function formatFromPath(path: string): FileFormat {
  const ext = extname(path.replace(/\.(gz|zst)$/i, '')).toLowerCase()
  if (ext === '.parquet' || ext === '.pq') return 'parquet'
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv'
  throw new KeelError('DATA_READ_FAILED', `cannot tell the format of "${path}" from its extension; pass format: 'csv' or 'parquet'`)
}

async function assertReadableFile(path: string): Promise<void> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new KeelError('DATA_READ_FAILED', `cannot read "${path}": ${error.code === 'ENOENT' ? 'no such file' : error.message}`)
  })
  if (!info.isFile()) throw new KeelError('DATA_READ_FAILED', `cannot read "${path}": not a regular file`)
}

/** DuckDB's message up to its generic advice, which names DuckDB options rather than Keel's. */
function readFailed(path: string, error: unknown): KeelError {
  const message = error instanceof Error ? error.message : String(error)
  const essential =
    message
      .split(/\n\s*\n|\nPossible fixes:/)[0]
      ?.trim()
      .replaceAll('\n', '; ') ?? message
  return new KeelError('DATA_READ_FAILED', `cannot read "${path}": ${essential}`, { cause: error })
}
