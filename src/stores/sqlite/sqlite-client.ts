/**
 * @module SqlClient over better-sqlite3: WAL, a busy timeout for concurrent
 * processes, and transactions serialised within the process.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { KeelError } from '../../core/errors.js'
import type { SqlClient, SqlDialect, SqlRow, SqlValue } from '../sql/sql-client.js'

/** The subset of better-sqlite3 Keel uses. */
export interface SqliteDatabase {
  prepare(sql: string): { all(...params: unknown[]): unknown[]; run(...params: unknown[]): { changes: number } }
  pragma(source: string): unknown
  exec(sql: string): unknown
  close(): unknown
}

export const SQLITE_DIALECT: SqlDialect = {
  name: 'sqlite',
  types: { bigint: 'INTEGER', double: 'REAL', serialKey: 'INTEGER PRIMARY KEY' },
}

/** Opens (creating if needed) the database file at `path`, or an in-memory one for `:memory:`. */
export async function openSqliteClient(path: string): Promise<SqlClient> {
  const { default: Database } = await import('better-sqlite3')
  let db: SqliteDatabase
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    db = new Database(path) as unknown as SqliteDatabase
    db.pragma('journal_mode = WAL')
    // WAL + NORMAL is durable against process crashes; only an OS crash can lose the last commits
    db.pragma('synchronous = NORMAL')
    db.pragma('busy_timeout = 10000')
    db.pragma('foreign_keys = ON')
  } catch (error) {
    throw new KeelError('METADATA_UNREACHABLE', `cannot open SQLite database ${path}: ${(error as Error).message}`, { cause: error })
  }
  return new SqliteClient(db)
}

class SqliteClient implements SqlClient {
  readonly dialect = SQLITE_DIALECT
  readonly #db: SqliteDatabase
  readonly #statements = new Map<string, ReturnType<SqliteDatabase['prepare']>>()
  #queue: Promise<unknown> = Promise.resolve()
  #closed = false

  constructor(db: SqliteDatabase) {
    this.#db = db
  }

  all<T extends SqlRow = SqlRow>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.#enqueue(() => this.#prepare(sql).all(...params) as T[])
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.#enqueue(() => this.#prepare(sql).run(...params).changes)
  }

  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    return this.#enqueue(() => this.#inTransaction(fn))
  }

  close(): Promise<void> {
    return this.#enqueue(() => {
      this.#closed = true
      this.#db.close()
    }, true)
  }

  /**
   * better-sqlite3 is synchronous, but a transaction's callback awaits between
   * statements: every call goes through one queue so that no other caller's
   * statement lands inside an open transaction.
   */
  #enqueue<T>(job: () => T | Promise<T>, closing = false): Promise<T> {
    const result = this.#queue.then(() => {
      if (this.#closed) {
        if (closing) return undefined as T
        throw new KeelError('STORE_CLOSED', 'the SQLite metadata store is closed')
      }
      return job()
    })
    this.#queue = result.catch(() => undefined)
    return result
  }

  async #inTransaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    this.#db.exec('BEGIN IMMEDIATE')
    const tx = new SqliteTransaction(this)
    try {
      const value = await fn(tx)
      this.#db.exec('COMMIT')
      return value
    } catch (error) {
      this.#db.exec('ROLLBACK')
      throw error
    }
  }

  /** Runs a statement without waiting for the queue; only for the open transaction. */
  direct(sql: string, params: readonly SqlValue[], mode: 'all' | 'run'): unknown {
    const stmt = this.#prepare(sql)
    return mode === 'all' ? stmt.all(...params) : stmt.run(...params).changes
  }

  #prepare(sql: string) {
    let stmt = this.#statements.get(sql)
    if (!stmt) {
      stmt = this.#db.prepare(sql)
      this.#statements.set(sql, stmt)
    }
    return stmt
  }
}

class SqliteTransaction implements SqlClient {
  readonly dialect = SQLITE_DIALECT
  readonly #owner: SqliteClient

  constructor(owner: SqliteClient) {
    this.#owner = owner
  }

  async all<T extends SqlRow = SqlRow>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.#owner.direct(sql, params, 'all') as T[]
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.#owner.direct(sql, params, 'run') as number
  }

  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    return fn(this) // already inside one; SQLite has no nested BEGIN
  }

  close(): Promise<void> {
    return Promise.resolve()
  }
}
