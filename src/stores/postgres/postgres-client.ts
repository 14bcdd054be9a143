/**
 * @module SqlClient over a pg connection pool, with an optional schema per URL
 * (`?schema=name`) so that several Keel projects can share one database.
 */
import { KeelError } from '../../core/errors.js'
import { redactUrl } from '../../core/urls.js'
import type { SqlClient, SqlDialect, SqlRow, SqlValue } from '../sql/sql-client.js'

/** The subset of a pg client Keel uses. */
interface PgQueryable {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>
}
interface PgPoolClient extends PgQueryable {
  release(error?: Error | boolean): void
}
interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>
  end(): Promise<void>
  on(event: 'error', listener: (error: Error) => void): unknown
}

export const POSTGRES_DIALECT: SqlDialect = {
  name: 'postgres',
  types: { bigint: 'BIGINT', double: 'DOUBLE PRECISION', serialKey: 'BIGSERIAL PRIMARY KEY' },
}

const INT8_OID = 20
// an arbitrary constant: the advisory-lock key that serialises schema creation
const SCHEMA_LOCK = 727_351_902

/** Connects, checks the server answers, and creates the URL's schema if it names one. */
export async function openPostgresClient(url: string, timeoutMs = 5_000): Promise<SqlClient> {
  const parsed = new URL(url)
  const schema = parsed.searchParams.get('schema')
  parsed.searchParams.delete('schema')
  if (schema !== null && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new KeelError('CONFIG_INVALID', `schema "${schema}" in the PostgreSQL URL is not a plain identifier`)
  }
  const pg = (await import('pg')).default
  const pool: PgPool = new pg.Pool({
    connectionString: parsed.toString(),
    connectionTimeoutMillis: timeoutMs,
    max: 4,
    ...(schema === null ? {} : { options: `-c search_path=${schema}` }),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  })
  // an idle client losing its connection must not crash the process; the next query reports it
  pool.on('error', () => undefined)
  try {
    // CREATE SCHEMA IF NOT EXISTS races with itself across connections; a lock makes concurrent openers take turns
    if (schema !== null) await pool.query(`BEGIN; SELECT pg_advisory_xact_lock(${SCHEMA_LOCK}); CREATE SCHEMA IF NOT EXISTS "${schema}"; COMMIT`)
    else await pool.query('SELECT 1')
  } catch (error) {
    await pool.end().catch(() => undefined)
    throw unreachable(url, error)
  }
  return new PostgresClient(pool, url)
}

function unreachable(url: string, error: unknown): KeelError {
  const e = error as { code?: string; message?: string }
  const detail = e.code && !/^\d/.test(e.code) ? `${e.code}` : (e.message ?? String(error))
  return new KeelError('METADATA_UNREACHABLE', `cannot connect to PostgreSQL at ${redactUrl(url)}: ${detail}`, { cause: error })
}

/** `?` placeholders → `$1, $2, …` (Keel's statements never contain a literal `?`). */
function numbered(sql: string): string {
  let n = 0
  return sql.replace(/\?/g, () => `$${++n}`)
}

class PostgresClient implements SqlClient {
  readonly dialect = POSTGRES_DIALECT
  readonly #pool: PgPool
  readonly #url: string
  #closed = false

  constructor(pool: PgPool, url: string) {
    this.#pool = pool
    this.#url = url
  }

  all<T extends SqlRow = SqlRow>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.query(this.#pool, sql, params).then((r) => r.rows as T[])
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.query(this.#pool, sql, params).then((r) => r.rowCount ?? 0)
  }

  async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    this.#check()
    let conn: PgPoolClient
    try {
      conn = await this.#pool.connect()
    } catch (error) {
      throw unreachable(this.#url, error)
    }
    try {
      await conn.query('BEGIN')
      const value = await fn(new PostgresTransaction(this, conn))
      await conn.query('COMMIT')
      conn.release()
      return value
    } catch (error) {
      await conn.query('ROLLBACK').catch(() => undefined)
      conn.release()
      throw error
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#pool.end()
  }

  /** Runs one statement on the pool or on a transaction's connection. */
  async query(on: PgQueryable, sql: string, params: readonly SqlValue[]) {
    this.#check()
    try {
      return await on.query(numbered(sql), [...params])
    } catch (error) {
      throw this.#translate(error)
    }
  }

  #translate(error: unknown): unknown {
    const code = (error as { code?: string }).code
    if (code !== undefined && /^(ECONN|ENOTFOUND|ETIMEDOUT|EPIPE|57P0|08)/.test(code)) return unreachable(this.#url, error)
    return error
  }

  #check(): void {
    if (this.#closed) throw new KeelError('STORE_CLOSED', 'the PostgreSQL metadata store is closed')
  }
}

class PostgresTransaction implements SqlClient {
  readonly dialect = POSTGRES_DIALECT
  readonly #owner: PostgresClient
  readonly #conn: PgPoolClient

  constructor(owner: PostgresClient, conn: PgPoolClient) {
    this.#owner = owner
    this.#conn = conn
  }

  all<T extends SqlRow = SqlRow>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.#owner.query(this.#conn, sql, params).then((r) => r.rows as T[])
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.#owner.query(this.#conn, sql, params).then((r) => r.rowCount ?? 0)
  }

  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    return fn(this)
  }

  close(): Promise<void> {
    return Promise.resolve()
  }
}
