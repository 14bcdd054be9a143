/**
 * @module Loading a source into the data engine as one table, every row numbered within its file,
 * with the lines a CSV reader could not parse kept (never dropped) for the quarantine.
 */
import { createHash } from 'node:crypto'
import { createReadStream, statSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { KeelError } from '../../core/errors.js'
import { redactUrl } from '../../core/urls.js'
import type { DataEngine } from '../../stores/data-engine.js'
import { connectTextClient, type PgTextClient } from '../../stores/postgres/postgres-text-client.js'
import { expr, ident, join, literal, type Sql, sql } from '../sql.js'
import type { Source } from './source.js'

/** Columns every loaded table carries besides the source's own. */
export const ROW_COLUMN = '__keel_row'
export const FILE_COLUMN = '__keel_file'

/** A line of a CSV file that could not be parsed into the columns. */
export interface RejectedLine {
  readonly file: string
  readonly line: number
  readonly error: string
  readonly text: string
}

/** What went into a snapshot: file hashes, or query text and when it ran. */
export interface SourceFingerprint {
  readonly kind: Source['kind']
  readonly files?: readonly { readonly path: string; readonly size: number; readonly sha256: string }[]
  readonly query?: string
  readonly url?: string
  readonly readAt?: string
  readonly from?: Readonly<Record<string, SourceFingerprint>>
}

export interface LoadedSource {
  /** The engine table holding the rows, with `__keel_row` (1-based within its file) and `__keel_file`. */
  readonly table: string
  /** The source's own columns, in order. */
  readonly columns: readonly string[]
  readonly rows: number
  readonly rejected: readonly RejectedLine[]
  readonly fingerprint: SourceFingerprint
}

export interface LoadOptions {
  /** The project directory that relative paths start from. */
  readonly root: string
  /** Resolves `${VAR}` in a source URL (the config module does it; data never reads the environment). */
  readonly interpolate: (value: string, key: string) => string
  /** Streams PostgreSQL query results: rows as text, in batches. Injected so tests and callers share one client setup. */
  readonly postgres?: (url: string, query: string) => { columns: Promise<readonly string[]>; batches: AsyncIterable<readonly (readonly (string | null)[])[]> }
}

/**
 * Loads `source` into table `table` of `engine`.
 *
 * @example
 * ```ts
 * const loaded = await loadSource(engine, 'orders_source', csv('data/orders-*.csv'), { root, interpolate })
 * loaded.rows // 120000
 * ```
 */
export async function loadSource(engine: DataEngine, table: string, source: Source, options: LoadOptions): Promise<LoadedSource> {
  switch (source.kind) {
    case 'csv':
    case 'parquet':
    case 'jsonl':
      return loadFiles(engine, table, source, options)
    case 'sql':
      return loadQuery(engine, table, source, options)
    case 'postgres':
      return loadPostgres(engine, table, source, options)
  }
}

async function loadFiles(engine: DataEngine, table: string, source: Extract<Source, { path: string }>, options: LoadOptions): Promise<LoadedSource> {
  const pattern = isAbsolute(source.path) ? source.path : resolve(options.root, source.path)
  const files = await listFiles(engine, pattern, source.path)
  const fingerprint: SourceFingerprint = { kind: source.kind, files: await Promise.all(files.map((f) => fileFingerprint(f, options.root))) }
  const scan = scanOf(source, pattern, table)
  // DuckDB appends to existing reject tables: a reload of the same table starts them afresh
  for (const t of [`${table}_rejects`, `${table}_reject_scans`]) await engine.run(sql`DROP TABLE IF EXISTS ${ident(t)}`)
  await engine.run(sql`CREATE OR REPLACE TEMP TABLE ${ident(`${table}_scan`)} AS SELECT * FROM ${scan}`, 'reading')
  const described = await engine.describe(sql`SELECT * FROM ${ident(`${table}_scan`)}`)
  const columns = described.map((c) => c.name).filter((c) => c !== 'filename')
  // a fresh table's rowid follows insertion order, and the scan inserts file by file, line by
  // line: each file's rows are numbered from its first rowid, with no sort and no second copy
  const starts = await engine.all(sql`SELECT filename, min(rowid) FROM ${ident(`${table}_scan`)} GROUP BY filename`)
  const offset =
    starts.rows.length === 0
      ? expr('0')
      : sql`CASE filename ${join(
          starts.rows.map((r) => sql`WHEN ${literal(String(r[0]))} THEN ${expr(String(Number(r[1])))}`),
          expr(' '),
        )} END`
  await engine.run(sql`CREATE OR REPLACE TEMP VIEW ${ident(table)} AS
    SELECT ${join(columns.map((c) => ident(c)))},
      CAST(rowid - ${offset} + 1 AS BIGINT) AS ${ident(ROW_COLUMN)},
      ${relativeFile(options.root)} AS ${ident(FILE_COLUMN)}
    FROM ${ident(`${table}_scan`)}`)
  const rejected = source.kind === 'csv' ? await rejectedLines(engine, table, options.root) : []
  return { table, columns, rows: await countRows(engine, table), rejected, fingerprint }
}

async function listFiles(engine: DataEngine, pattern: string, given: string): Promise<string[]> {
  const { rows } = await engine.all(sql`SELECT file FROM glob(${literal(pattern)}) ORDER BY file`)
  const files = rows.map((r) => String(r[0]))
  if (files.length === 0) {
    throw new KeelError('DATA_READ_FAILED', `no file matches ${given}`, {
      hint: 'Check the path in the dataset source; relative paths start at the project directory.',
    })
  }
  return files
}

function scanOf(source: Extract<Source, { path: string }>, pattern: string, table: string): Sql {
  if (source.kind === 'parquet') return sql`read_parquet(${literal(pattern)}, filename = true)`
  if (source.kind === 'jsonl') return sql`read_json(${literal(pattern)}, format = 'newline_delimited', filename = true)`
  const args: Sql[] = [
    literal(pattern),
    // text in, types from the contract: a bad value fails its row instead of the whole read
    expr('all_varchar = true'),
    expr('filename = true'),
    expr('strict_mode = true'),
    expr('null_padding = false'),
    expr('store_rejects = true'),
    // per load, so that one session's loads never see each other's rejected lines
    sql`rejects_table = ${literal(`${table}_rejects`)}`,
    sql`rejects_scan = ${literal(`${table}_reject_scans`)}`,
  ]
  if (source.delimiter !== undefined) args.push(sql`delim = ${literal(source.delimiter)}`)
  if (source.header !== undefined) args.push(expr(`header = ${source.header ? 'true' : 'false'}`))
  if (source.nullValues !== undefined) args.push(sql`nullstr = [${join(['', ...source.nullValues].map((v) => literal(v)))}]`)
  return sql`read_csv(${join(args)})`
}

async function rejectedLines(engine: DataEngine, table: string, root: string): Promise<RejectedLine[]> {
  // DuckDB may log one error per missing column of a short line: one entry per line is kept
  const { rows } = await engine.all(
    sql`SELECT s.file_path, e.line, min(e.error_type || ': ' || e.error_message), min(e.csv_line)
        FROM ${ident(`${table}_rejects`)} e JOIN ${ident(`${table}_reject_scans`)} s USING (scan_id, file_id)
        GROUP BY s.file_path, e.line ORDER BY s.file_path, e.line`,
  )
  return rows.map((r) => ({ file: displayPath(String(r[0]), root), line: Number(r[1]), error: String(r[2]).split('\n')[0] ?? '', text: String(r[3] ?? '') }))
}

async function loadQuery(engine: DataEngine, table: string, source: Extract<Source, { kind: 'sql' }>, options: LoadOptions): Promise<LoadedSource> {
  const from: Record<string, SourceFingerprint> = {}
  const rejected: RejectedLine[] = []
  for (const [name, inner] of Object.entries(source.from)) {
    const loaded = await loadSource(engine, `${table}__${name}`, inner, options)
    // the query sees each input under its plain name, without Keel's bookkeeping columns
    await engine.run(sql`CREATE OR REPLACE TEMP VIEW ${ident(name)} AS SELECT ${join(loaded.columns.map((c) => ident(c)))} FROM ${ident(loaded.table)}`)
    from[name] = loaded.fingerprint
    rejected.push(...loaded.rejected)
  }
  await engine.run(sql`CREATE OR REPLACE TEMP TABLE ${ident(`${table}_query`)} AS ${expr(source.query)}`)
  return numbered(engine, table, `${table}_query`, rejected, { kind: 'sql', query: source.query, readAt: new Date().toISOString(), from })
}

async function loadPostgres(engine: DataEngine, table: string, source: Extract<Source, { kind: 'postgres' }>, options: LoadOptions): Promise<LoadedSource> {
  const url = options.interpolate(source.url, 'source.url')
  const stream = (options.postgres ?? streamPostgres)(url, source.query)
  const columns = await stream.columns
  await engine.load(`${table}_query`, columns, stream.batches)
  return numbered(engine, table, `${table}_query`, [], { kind: 'postgres', query: source.query, url: redactUrl(url), readAt: new Date().toISOString() })
}

async function numbered(
  engine: DataEngine,
  table: string,
  from: string,
  rejected: readonly RejectedLine[],
  fingerprint: SourceFingerprint,
): Promise<LoadedSource> {
  const columns = (await engine.describe(sql`SELECT * FROM ${ident(from)}`)).map((c) => c.name)
  await engine.run(sql`CREATE OR REPLACE TEMP TABLE ${ident(table)} AS
    SELECT *, CAST(rowid + 1 AS BIGINT) AS ${ident(ROW_COLUMN)}, CAST(NULL AS VARCHAR) AS ${ident(FILE_COLUMN)} FROM ${ident(from)} ORDER BY rowid`)
  await engine.run(sql`DROP TABLE ${ident(from)}`)
  return { table, columns, rows: await countRows(engine, table), rejected, fingerprint }
}

async function countRows(engine: DataEngine, table: string): Promise<number> {
  const { rows } = await engine.all(sql`SELECT count(*) FROM ${ident(table)}`)
  return Number(rows[0]?.[0] ?? 0)
}

async function fileFingerprint(path: string, root: string): Promise<{ path: string; size: number; sha256: string }> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return { path: displayPath(path, root), size: statSync(path).size, sha256: hash.digest('hex') }
}

/** The scan's `filename` relative to the project root, as reports show it. */
function relativeFile(root: string): Sql {
  const prefix = root.endsWith('/') ? root : `${root}/`
  // literals, not parameters: this goes into a view, and DuckDB views take no parameters
  return sql`CASE WHEN starts_with(filename, ${literal(prefix)}) THEN substr(filename, ${expr(String(prefix.length + 1))}) ELSE filename END`
}

function displayPath(path: string, root: string): string {
  const rel = relative(root, path)
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel
}

/**
 * Streams a PostgreSQL query's rows as text through a server-side cursor, so a large result
 * never sits in memory whole. Values keep PostgreSQL's text form; the contract types them.
 */
function streamPostgres(url: string, query: string): { columns: Promise<readonly string[]>; batches: AsyncIterable<readonly (readonly (string | null)[])[]> } {
  const BATCH = 10_000
  let resolveColumns: (c: readonly string[]) => void = () => undefined
  let rejectColumns: (e: unknown) => void = () => undefined
  const columns = new Promise<readonly string[]>((ok, fail) => {
    resolveColumns = ok
    rejectColumns = fail
  })
  async function* batches(): AsyncIterable<readonly (readonly (string | null)[])[]> {
    let client: PgTextClient | undefined
    try {
      client = await connectTextClient(url)
      await client.query('BEGIN READ ONLY')
      await client.query(`DECLARE keel_source NO SCROLL CURSOR FOR ${query}`)
      let first = true
      for (;;) {
        const result = await client.query({ text: `FETCH ${BATCH} FROM keel_source`, rowMode: 'array' })
        if (first) {
          resolveColumns(result.fields.map((f) => f.name))
          first = false
        }
        if (result.rows.length === 0) break
        yield result.rows as (string | null)[][]
      }
      await client.query('COMMIT')
    } catch (error) {
      const failure = new KeelError('DATA_READ_FAILED', `the PostgreSQL source query failed: ${(error as Error).message}`, {
        hint: 'Check the query and the connection URL of the dataset source.',
        cause: error,
      })
      rejectColumns(failure)
      throw failure
    } finally {
      await client?.end().catch(() => undefined)
    }
  }
  const iterator = batches()[Symbol.asyncIterator]()
  // the first batch starts the query, so that the column names are known before the table is made
  const firstBatch = iterator.next()
  firstBatch.catch(() => undefined)
  return {
    columns,
    batches: {
      async *[Symbol.asyncIterator]() {
        let next = await firstBatch
        while (!next.done) {
          yield next.value
          next = await iterator.next()
        }
      },
    },
  }
}
