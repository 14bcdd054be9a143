/** @module The DuckDB data engine: one in-memory database per session, spilling to a temporary directory. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api'
import { KeelError } from '../../core/errors.js'
import { ident, join, literal, render, type Sql, sql } from '../../data/sql.js'
import type { DataEngine, DataEngineOptions, EngineColumn, EngineResult, EngineValue } from '../data-engine.js'

const PROGRESS_MS = 200

/** The engine's memory ceiling when none is given. */
export const DEFAULT_MEMORY_LIMIT = '1GB'

/**
 * Opens an engine session. DuckDB loads on first use, so projects that never touch
 * datasets never load it.
 *
 * @example
 * ```ts
 * const engine = await openDuckDbEngine()
 * const { rows } = await engine.all(sql`SELECT count(*) FROM read_csv(${literal('orders.csv')})`)
 * await engine.close()
 * ```
 */
export async function openDuckDbEngine(options: DataEngineOptions = {}): Promise<DataEngine> {
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const ownTemp = options.tempDirectory === undefined ? mkdtempSync(joinPath(tmpdir(), 'keel-duckdb-')) : undefined
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  const engine = new DuckDbEngine(instance, connection, ownTemp, options.onProgress)
  // timestamps without a zone are read and written as UTC, whatever the machine's zone
  await engine.run(sql`SET TimeZone = 'UTC'`)
  await engine.run(sql`SET temp_directory = ${literal(options.tempDirectory ?? (ownTemp as string))}`)
  // DuckDB's own default is 80 % of RAM, and it spills only past its limit: a fixed ceiling keeps a
  // large input's footprint flat (the rest goes to the temporary directory)
  await engine.run(sql`SET memory_limit = ${literal(options.memoryLimit ?? DEFAULT_MEMORY_LIMIT)}`)
  return engine
}

class DuckDbEngine implements DataEngine {
  readonly backend = 'duckdb'
  #closed = false

  constructor(
    readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    readonly ownTemp: string | undefined,
    readonly onProgress: ((percent: number, label: string) => void) | undefined,
  ) {}

  async run(statement: Sql, label?: string): Promise<void> {
    const { text, params } = render(statement)
    const report = label === undefined ? undefined : this.onProgress
    // DuckDB reports a running statement's progress on the connection; polled while it runs
    const timer = report && setInterval(() => report(Math.max(0, this.connection.progress.percentage), label as string), PROGRESS_MS)
    try {
      await this.#guard(text, () => this.connection.run(text, toDuck(params)))
    } finally {
      if (timer) clearInterval(timer)
    }
    report?.(100, label as string)
  }

  async all(query: Sql): Promise<EngineResult> {
    const { text, params } = render(query)
    const reader = await this.#guard(text, () => this.connection.runAndReadAll(text, toDuck(params)))
    const names = reader.columnNames()
    const types = reader.columnTypes().map((t) => t.toString())
    const columns = names.map((name, i) => ({ name, type: types[i] as string }))
    return { columns, rows: reader.getRowsJS().map((row) => row.map(fromDuck)) }
  }

  async describe(query: Sql): Promise<readonly EngineColumn[]> {
    const { rows } = await this.all(sql`DESCRIBE ${query}`)
    return rows.map((r) => ({ name: String(r[0]), type: String(r[1]) }))
  }

  async load(table: string, columns: readonly string[], batches: AsyncIterable<readonly (readonly (string | null)[])[]>): Promise<number> {
    const definition = columns.map((c) => sql`${ident(c)} VARCHAR`)
    await this.run(sql`CREATE OR REPLACE TABLE ${ident(table)} (${join(definition)})`)
    const appender = await this.connection.createAppender(table)
    let count = 0
    try {
      for await (const batch of batches) {
        for (const row of batch) {
          for (let c = 0; c < columns.length; c++) {
            const v = row[c]
            if (v === null || v === undefined) appender.appendNull()
            else appender.appendVarchar(v)
          }
          appender.endRow()
          count++
        }
        appender.flushSync()
      }
    } finally {
      appender.closeSync()
    }
    return count
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.connection.closeSync()
    this.instance.closeSync()
    if (this.ownTemp) rmSync(this.ownTemp, { recursive: true, force: true })
  }

  async #guard<T>(text: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new KeelError('INTERNAL', 'the data engine session is closed')
    try {
      return await work()
    } catch (error) {
      if (error instanceof KeelError) throw error
      const message = (error as Error).message.split('\n')[0] ?? String(error)
      throw new KeelError('DATA_READ_FAILED', `the data engine could not run a statement: ${message}`, {
        hint: 'Check the dataset source and the SQL in keel.config.ts; KEEL_DEBUG=1 shows the statement.',
        cause: Object.assign(error as Error, { statement: text }),
      })
    }
  }
}

function toDuck(params: readonly unknown[]): DuckDBValue[] {
  return params.map((p) => (typeof p === 'number' && Number.isInteger(p) && !Number.isSafeInteger(p) ? BigInt(p) : (p as DuckDBValue)))
}

function fromDuck(value: unknown): EngineValue {
  if (value === null || value === undefined) return null
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value
  if (value instanceof Date) return value.toISOString()
  return String(value)
}
