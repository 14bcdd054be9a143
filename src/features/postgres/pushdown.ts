/**
 * @module Point-in-time values computed on PostgreSQL, where the view's source lives: the events
 * never leave the database. The asking rows go to a temporary table (keys cast to the source's
 * key types and times turned into epoch µs by DuckDB, as the DuckDB query does, then sent in
 * batches of `unnest` arrays); the answers stream back through a cursor into a DuckDB table,
 * joined to the entity rows there. Count and values run in one read-only REPEATABLE READ
 * transaction, so the lineage's row count describes exactly the rows the values came from.
 */
import { interpolateEnv, type ResolvedConfig } from '../../core/config.js'
import { KeelError } from '../../core/errors.js'
import { redactUrl } from '../../core/urls.js'
import { datasetFrom } from '../../data/dataset.js'
import { expr, ident, join, render, type Sql, sql } from '../../data/sql.js'
import type { DataEngine, EngineValue } from '../../stores/data-engine.js'
import { connectTextClient, type PgTextClient } from '../../stores/postgres/postgres-text-client.js'
import type { ResolvedFeatureView } from '../feature-view.js'
import { checkEntityColumns, epochMicros, type PointInTimeInput, ROW } from '../point-in-time.js'
import { EVENTS, postgresPointInTimeQuery } from './point-in-time.js'

/** Where a view's values were computed when it was not on a snapshot: what an audit of the training set needs. */
export interface PushedDownRead {
  readonly engine: 'postgres'
  /** The view's source dataset. */
  readonly dataset: string
  /** The source query the values were computed on. */
  readonly query: string
  /** The connection URL, password redacted. */
  readonly url: string
  /** When the transaction that computed the values started (ISO 8601). */
  readonly readAt: string
  /** Rows the query returned in that transaction. */
  readonly rows: number
}

/** A view's source as PostgreSQL runs it. */
export interface PostgresSource {
  readonly dataset: string
  readonly query: string
  /** The URL with `${VAR}` resolved. */
  readonly url: string
}

/**
 * The view's source when its values are computed on PostgreSQL: a dataset that is only a
 * `postgresQuery` (no contract, no cleaning steps), so the query's rows are exactly the dataset's.
 * Null otherwise: the values come from a snapshot, in DuckDB.
 */
export function postgresSourceOf(config: Pick<ResolvedConfig, 'datasets'>, view: ResolvedFeatureView): PostgresSource | null {
  const ds = datasetFrom(config.datasets, view.source)
  if (ds.source.kind !== 'postgres' || ds.contract !== undefined || ds.contractAfterClean !== undefined || (ds.clean?.length ?? 0) > 0) return null
  return {
    dataset: view.source,
    query: ds.source.query.trim().replace(/;+\s*$/, ''),
    url: interpolateEnv(ds.source.url, `datasets.${view.source}.source.url`),
  }
}

/** Who asks: entity rows in the DuckDB relation `rows` (`__keel_row`, the view's keys, `entityTime`), or every entity as of a time. */
export type PostgresAsks = { readonly rows: Sql; readonly entityTime: string } | { readonly asOf: number; readonly since?: number }

/**
 * Computes the point-in-time values of `features` on PostgreSQL and leaves them in DuckDB table
 * `into`: `__keel_row`, the view's keys, `__keel_last_event_ms` and a column per feature, one row
 * per asking row that has a key and a time.
 */
export async function answerOnPostgres(
  engine: DataEngine,
  source: PostgresSource,
  request: { readonly view: ResolvedFeatureView; readonly features: PointInTimeInput['features']; readonly asks: PostgresAsks; readonly into: string },
): Promise<PushedDownRead> {
  const { view } = request
  const client = await connectTextClient(source.url)
  try {
    const types = await describeSource(client, source.query)
    const where = `the source of feature view "${view.name}"`
    const typeOf = (column: string) => {
      const found = types.get(column)
      if (found === undefined) throw new KeelError('FEATURE_VIEW_INVALID', `${where} has no column "${column}" (it has ${[...types.keys()].join(', ')})`)
      return found
    }
    const timeType = typeOf(view.timestamp)
    const keyTypes = view.entities.map(typeOf)
    const asks = 'rows' in request.asks ? await sendAsks(engine, client, view, keyTypes, request.asks, request.features) : asOfAsks(view, request.asks)
    const query = render(postgresPointInTimeQuery({ view, features: request.features, query: source.query, timeType, asks }))
    const readAt = new Date().toISOString()
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    const counted = await client.query({ text: `SELECT count(*) FROM (${source.query}) AS __keel_source`, rowMode: 'array' })
    await client.query({ text: `DECLARE keel_answers NO SCROLL CURSOR FOR ${query.text}`, values: [...query.params] })
    await receive(engine, client, request.into)
    await client.query('COMMIT')
    return { engine: 'postgres', dataset: source.dataset, query: source.query, url: redactUrl(source.url), readAt, rows: Number(counted.rows[0]?.[0] ?? 0) }
  } catch (error) {
    if (error instanceof KeelError) throw error
    throw new KeelError('DATA_READ_FAILED', `computing feature view "${view.name}" on PostgreSQL failed: ${(error as Error).message}`, {
      hint: `Check the query and the connection URL of dataset "${source.dataset}".`,
      cause: error,
    })
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** Column name → PostgreSQL type (`format_type`) of the source query's result. */
async function describeSource(client: PgTextClient, query: string): Promise<Map<string, string>> {
  await client.query('BEGIN READ ONLY')
  const { fields } = await client.query({ text: `SELECT * FROM (${query}) AS __keel_source LIMIT 0`, rowMode: 'array' })
  const { rows } = await client.query({
    text: 'SELECT format_type(t.oid, t.mod) FROM unnest($1::oid[], $2::int[]) WITH ORDINALITY AS t(oid, mod, n) ORDER BY t.n',
    values: [fields.map((f) => f.dataTypeID), fields.map((f) => f.dataTypeModifier)],
    rowMode: 'array',
  })
  await client.query('COMMIT')
  return new Map(fields.map((f, i) => [f.name, String((rows[i] as unknown[])[0])]))
}

const ASK_BATCH = 10_000

/**
 * Loads the asking rows into temporary table `keel_asks`: keys cast (TRY_CAST, by DuckDB) to the
 * source's key types, the time as epoch µs, rows without either left out.
 */
async function sendAsks(
  engine: DataEngine,
  client: PgTextClient,
  view: ResolvedFeatureView,
  keyTypes: readonly string[],
  asks: { readonly rows: Sql; readonly entityTime: string },
  features: PointInTimeInput['features'],
): Promise<Sql> {
  const askType = checkEntityColumns(view, await engine.describe(asks.rows), asks.entityTime, features)
  const time = epochMicros(ident(asks.entityTime), askType, `the entity rows' "${asks.entityTime}"`)
  const keys = view.entities.map((k) => ident(k))
  const cast = view.entities.map((k, i) => sql`CAST(TRY_CAST(${ident(k)} AS ${expr(duckdbType(keyTypes[i] as string))}) AS VARCHAR) AS ${ident(k)}`)
  await engine.run(sql`CREATE OR REPLACE TEMP TABLE keel_pg_asks AS SELECT * FROM (SELECT ${ident(ROW)}, ${join(cast)}, ${time} AS __keel_t FROM (${asks.rows}))
    WHERE ${join(
      [...keys, expr('__keel_t')].map((k) => sql`${k} IS NOT NULL`),
      expr(' AND '),
    )}`)
  const columns = view.entities.map((k, i) => `${render(ident(k)).text} ${keyTypes[i]}`)
  await client.query(`CREATE TEMP TABLE keel_asks (${render(ident(ROW)).text} bigint, ${columns.join(', ')}, __keel_t bigint)`)
  const unnest = ['$1::bigint[]', ...view.entities.map((_, i) => `$${i + 2}::text[]`), `$${view.entities.length + 2}::bigint[]`]
  const insert = `INSERT INTO keel_asks SELECT r, ${view.entities.map((_, i) => `CAST(k${i} AS ${keyTypes[i]})`).join(', ')}, t
    FROM unnest(${unnest.join(', ')}) AS u(r, ${view.entities.map((_, i) => `k${i}`).join(', ')}, t)`
  let last: EngineValue = -1
  for (;;) {
    const { rows } = await engine.all(sql`SELECT * FROM keel_pg_asks WHERE ${ident(ROW)} > ${last} ORDER BY ${ident(ROW)} LIMIT ${expr(String(ASK_BATCH))}`)
    if (rows.length === 0) break
    const column = (c: number) => rows.map((r) => (r[c] === null ? null : String(r[c])))
    await client.query(
      insert,
      Array.from({ length: view.entities.length + 2 }, (_, c) => column(c)),
    )
    last = (rows[rows.length - 1] as readonly EngineValue[])[0] as EngineValue
  }
  await engine.run(sql`DROP TABLE keel_pg_asks`)
  await client.query('ANALYZE keel_asks')
  return sql`SELECT * FROM keel_asks`
}

/** Every entity with an event at or before `asOf` (and, with `since`, one after it), asking as of `asOf`. */
function asOfAsks(view: ResolvedFeatureView, asks: { readonly asOf: number; readonly since?: number }): Sql {
  const keys = join(view.entities.map((k) => ident(k)))
  const at = expr(`CAST(${Math.round(asks.asOf * 1000)} AS BIGINT)`)
  const since = asks.since === undefined ? sql`` : sql` HAVING max(__keel_t) > ${expr(String(Math.round(asks.since * 1000)))}`
  return sql`SELECT ${keys}, ${at} AS __keel_t, row_number() OVER (ORDER BY ${keys}) AS ${ident(ROW)}
    FROM ${ident(EVENTS)} WHERE __keel_t <= ${at} GROUP BY ${keys}${since}`
}

const FETCH = 10_000

/** Streams the cursor `keel_answers` into DuckDB table `into`, typed by PostgreSQL's result types. */
async function receive(engine: DataEngine, client: PgTextClient, into: string): Promise<void> {
  const fetch = () => client.query({ text: `FETCH ${FETCH} FROM keel_answers`, rowMode: 'array' })
  const first = await fetch()
  const columns = first.fields.map((f) => f.name)
  async function* batches(): AsyncIterable<readonly (readonly (string | null)[])[]> {
    let rows = first.rows as (string | null)[][]
    while (rows.length > 0) {
      yield rows
      rows = (await fetch()).rows as (string | null)[][]
    }
  }
  const text = `${into}_text`
  await engine.load(text, columns, batches())
  const typed = first.fields.map((f) => duckdbValue(ident(f.name), f.dataTypeID))
  await engine.run(sql`CREATE OR REPLACE TABLE ${ident(into)} AS SELECT ${join(typed)} FROM ${ident(text)}`)
  await engine.run(sql`DROP TABLE ${ident(text)}`)
}

/** The DuckDB type an entity key is cast to before it is sent as text to a PostgreSQL column of type `pgType`. */
function duckdbType(pgType: string): string {
  const t = pgType.toLowerCase()
  const exact: Record<string, string> = {
    smallint: 'SMALLINT',
    integer: 'INTEGER',
    bigint: 'BIGINT',
    real: 'FLOAT',
    'double precision': 'DOUBLE',
    boolean: 'BOOLEAN',
    date: 'DATE',
    uuid: 'UUID',
  }
  if (exact[t] !== undefined) return exact[t]
  if (t.startsWith('numeric')) return 'DOUBLE'
  if (t.startsWith('timestamp')) return t.includes('with time zone') ? 'TIMESTAMPTZ' : 'TIMESTAMP'
  return 'VARCHAR'
}

/** A text column from PostgreSQL as the DuckDB value of its PostgreSQL type (by type OID). */
function duckdbValue(column: Sql, oid: number): Sql {
  const types: Record<number, string> = {
    20: 'BIGINT',
    21: 'BIGINT',
    23: 'BIGINT',
    700: 'DOUBLE',
    701: 'DOUBLE',
    1700: 'DOUBLE',
    1082: 'DATE',
    1114: 'TIMESTAMP',
    1184: 'TIMESTAMPTZ',
  }
  if (oid === 16) return sql`(${column} = 't') AS ${column}`
  const type = types[oid]
  return type === undefined ? sql`${column}` : sql`CAST(${column} AS ${expr(type)}) AS ${column}`
}
