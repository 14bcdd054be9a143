/**
 * @module The embedded online store: one SQLite file (WAL), one row per view version and
 * entity key. Writes are one transaction per batch; reads are prepared point lookups.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { KeelError } from '../../core/errors.js'
import {
  checkRows,
  type EntityKey,
  encodeKey,
  encodeValues,
  type OnlineResult,
  type OnlineRow,
  type OnlineStore,
  type OnlineVersionRef,
  type OnlineViewRef,
  resultAt,
  type StoredOnlineRow,
  type Watermark,
} from '../online-store.js'

/** The subset of better-sqlite3 this store uses. */
interface SqliteStatement {
  get(...params: unknown[]): unknown
  run(...params: unknown[]): { changes: number }
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement
  pragma(source: string, options?: { simple: boolean }): unknown
  exec(sql: string): unknown
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R
  close(): unknown
}

export interface SqliteOnlineStoreConfig {
  /** The database file, or `:memory:`. */
  readonly path: string
}

const SCHEMA_VERSION = 1
const SCHEMA = `
CREATE TABLE IF NOT EXISTS keel_online_rows (
  view TEXT NOT NULL, version TEXT NOT NULL, entity_key TEXT NOT NULL,
  event_at INTEGER NOT NULL, materialized_at INTEGER NOT NULL, vals TEXT NOT NULL,
  PRIMARY KEY (view, version, entity_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS keel_online_watermarks (
  view TEXT NOT NULL, version TEXT NOT NULL, at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY (view, version)
);`

/**
 * Opens (creating if needed) the online store at `path`.
 *
 * @example
 * ```ts
 * const store = await openSqliteOnlineStore({ path: '.keel/online.db' })
 * ```
 */
export async function openSqliteOnlineStore(config: SqliteOnlineStoreConfig): Promise<OnlineStore> {
  const { default: Database } = await import('better-sqlite3')
  let db: SqliteDatabase | undefined
  try {
    if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true })
    db = new Database(config.path) as unknown as SqliteDatabase
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('busy_timeout = 10000')
    const version = db.pragma('user_version', { simple: true }) as number
    if (version > SCHEMA_VERSION) throw new Error(`its schema version ${version} is newer than this Keel's (${SCHEMA_VERSION}); upgrade Keel`)
    db.exec(SCHEMA)
    db.pragma(`user_version = ${SCHEMA_VERSION}`)
  } catch (error) {
    db?.close()
    throw new KeelError('ONLINE_UNREACHABLE', `cannot open the SQLite online store ${config.path}: ${(error as Error).message}`, { cause: error })
  }
  return new SqliteOnlineStore(db)
}

class SqliteOnlineStore implements OnlineStore {
  readonly backend = 'sqlite'
  readonly capabilities = { shared: false, nativeExpiry: false }
  readonly #db: SqliteDatabase
  readonly #upsert: SqliteStatement
  readonly #get: SqliteStatement
  readonly #getWatermark: SqliteStatement
  readonly #setWatermark: SqliteStatement
  readonly #deleteRows: SqliteStatement
  readonly #deleteWatermark: SqliteStatement
  #closed = false

  constructor(db: SqliteDatabase) {
    this.#db = db
    // the WHERE keeps the newest event: an older row never replaces a newer one
    this.#upsert = db.prepare(`INSERT INTO keel_online_rows (view, version, entity_key, event_at, materialized_at, vals) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (view, version, entity_key) DO UPDATE SET event_at = excluded.event_at, materialized_at = excluded.materialized_at, vals = excluded.vals
      WHERE excluded.event_at >= keel_online_rows.event_at`)
    this.#get = db.prepare(
      'SELECT event_at AS eventAt, materialized_at AS materializedAt, vals AS "values" FROM keel_online_rows WHERE view = ? AND version = ? AND entity_key = ?',
    )
    this.#getWatermark = db.prepare('SELECT at, updated_at AS updatedAt FROM keel_online_watermarks WHERE view = ? AND version = ?')
    this.#setWatermark = db.prepare(`INSERT INTO keel_online_watermarks (view, version, at, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (view, version) DO UPDATE SET at = excluded.at, updated_at = excluded.updated_at`)
    this.#deleteRows = db.prepare('DELETE FROM keel_online_rows WHERE view = ? AND version = ?')
    this.#deleteWatermark = db.prepare('DELETE FROM keel_online_watermarks WHERE view = ? AND version = ?')
  }

  async write(view: OnlineViewRef, rows: readonly OnlineRow[], materializedAt: number): Promise<number> {
    this.#open()
    const keys = checkRows(rows)
    const values = rows.map((row) => encodeValues(row.values))
    const writeAll = this.#db.transaction(() => {
      let written = 0
      rows.forEach((row, i) => {
        written += this.#upsert.run(view.name, view.version, keys[i], row.eventAt, materializedAt, values[i]).changes
      })
      return written
    })
    return writeAll()
  }

  async read(view: OnlineViewRef, keys: readonly EntityKey[], now: number): Promise<OnlineResult[]> {
    this.#open()
    const encoded = keys.map(encodeKey)
    return encoded.map((key) => resultAt(this.#get.get(view.name, view.version, key) as StoredOnlineRow | undefined, view.ttlMs, now))
  }

  async watermark(view: OnlineVersionRef): Promise<Watermark | null> {
    this.#open()
    return (this.#getWatermark.get(view.name, view.version) as Watermark | undefined) ?? null
  }

  async setWatermark(view: OnlineVersionRef, watermark: Watermark): Promise<void> {
    this.#open()
    this.#setWatermark.run(view.name, view.version, watermark.at, watermark.updatedAt)
  }

  async deleteVersion(view: OnlineVersionRef): Promise<number> {
    this.#open()
    return this.#db.transaction(() => {
      this.#deleteWatermark.run(view.name, view.version)
      return this.#deleteRows.run(view.name, view.version).changes
    })()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#db.close()
  }

  #open(): void {
    if (this.#closed) throw new KeelError('STORE_CLOSED', 'the SQLite online store is closed')
  }
}
