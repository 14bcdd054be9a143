/**
 * @module The DuckDB session a batch scores through: a private in-memory database spilling to a
 * private temporary directory, with the two things the project's `DataEngine` does not offer yet —
 * streaming a result chunk by chunk, and appending JavaScript columns to a table.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DuckDBAppender, DuckDBConnection, DuckDBDataChunk, DuckDBInstance } from '@duckdb/node-api'
import { KeelError } from '../../core/errors.js'
import { literal, render, type Sql, sql } from '../../data/sql.js'

const PROGRESS_MS = 200

export interface BatchSession {
  /** The DuckDB client module, for building data chunks to append. */
  readonly api: typeof import('@duckdb/node-api')
  /** A private directory, removed on close: DuckDB spills here, and the scored parts live here. */
  readonly directory: string
  run(statement: Sql, onProgress?: (percent: number) => void): Promise<void>
  /** Every row of a small result (or of a COPY: the count), as plain JavaScript values. */
  all(query: Sql, onProgress?: (percent: number) => void): Promise<readonly (readonly unknown[])[]>
  /** The result's chunks (about 2,048 rows each), fetched one at a time so memory stays flat. */
  stream(query: Sql): AsyncIterable<DuckDBDataChunk>
  /**
   * A second connection, for writing while a stream is open: a statement on the streaming
   * connection would end its stream. Its temporary tables are its own.
   */
  readonly writer: BatchWriter
  /** Stops the running statements (they then fail). */
  interrupt(): void
  close(): void
}

export interface BatchWriter {
  run(statement: Sql): Promise<void>
  appender(table: string): Promise<DuckDBAppender>
}

/**
 * Opens a session. `memoryLimit` caps DuckDB's own memory (scans, the final join, Parquet
 * writing); past it DuckDB spills to the session directory.
 *
 * @example
 * ```ts
 * const session = await openBatchSession('1GB')
 * for await (const chunk of session.stream(sql`SELECT * FROM read_parquet(${literal(path)})`)) use(chunk)
 * session.close()
 * ```
 */
export async function openBatchSession(memoryLimit = '1GB'): Promise<BatchSession> {
  const api = await import('@duckdb/node-api')
  const directory = mkdtempSync(join(tmpdir(), 'keel-batch-'))
  let instance: DuckDBInstance | undefined
  try {
    instance = await api.DuckDBInstance.create(':memory:')
    const session = new DuckDbBatchSession(api, instance, await instance.connect(), await instance.connect(), directory)
    // timestamps without a zone are UTC, as when the model's training data was read
    await session.run(sql`SET TimeZone = 'UTC'`)
    await session.run(sql`SET temp_directory = ${literal(join(directory, 'spill'))}`)
    await session.run(sql`SET memory_limit = ${literal(memoryLimit)}`)
    return session
  } catch (error) {
    instance?.closeSync()
    rmSync(directory, { recursive: true, force: true })
    throw error
  }
}

class DuckDbBatchSession implements BatchSession {
  #closed = false

  constructor(
    readonly api: typeof import('@duckdb/node-api'),
    readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    readonly writeConnection: DuckDBConnection,
    readonly directory: string,
  ) {}

  readonly writer: BatchWriter = {
    run: async (statement) => {
      const text = textOf(statement)
      await this.#guard(text, () => this.writeConnection.run(text))
    },
    appender: (table) => this.#guard(`appender ${table}`, () => this.writeConnection.createAppender(table)),
  }

  async run(statement: Sql, onProgress?: (percent: number) => void): Promise<void> {
    await this.all(statement, onProgress)
  }

  async all(query: Sql, onProgress?: (percent: number) => void): Promise<readonly (readonly unknown[])[]> {
    const text = textOf(query)
    // DuckDB reports a running statement's progress on the connection; polled while it runs
    const timer = onProgress && setInterval(() => onProgress(Math.max(0, this.connection.progress.percentage)), PROGRESS_MS)
    try {
      const reader = await this.#guard(text, () => this.connection.runAndReadAll(text))
      return reader.getRowsJS()
    } finally {
      if (timer) clearInterval(timer)
    }
  }

  async *stream(query: Sql): AsyncIterable<DuckDBDataChunk> {
    const text = textOf(query)
    const result = await this.#guard(text, () => this.connection.stream(text))
    for (;;) {
      const chunk = await this.#guard(text, () => result.fetchChunk())
      if (chunk === null || chunk.rowCount === 0) return
      yield chunk
    }
  }

  interrupt(): void {
    if (this.#closed) return
    this.connection.interrupt()
    this.writeConnection.interrupt()
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.connection.closeSync()
    this.writeConnection.closeSync()
    this.instance.closeSync()
    rmSync(this.directory, { recursive: true, force: true })
  }

  async #guard<T>(text: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new KeelError('INTERNAL', 'the batch session is closed')
    try {
      return await work()
    } catch (error) {
      if (error instanceof KeelError) throw error
      throw readFailed(error, text)
    }
  }
}

/** Batch statements carry paths and names as quoted literals, never as parameters: COPY and table functions take none. */
function textOf(statement: Sql): string {
  const { text, params } = render(statement)
  if (params.length > 0) throw new KeelError('INTERNAL', 'a batch statement has bound parameters; use literal()')
  return text
}

/** DuckDB's first line, without its generic advice (which names DuckDB settings rather than Keel's). */
function readFailed(error: unknown, statement: string): KeelError {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? String(error)
  return new KeelError('DATA_READ_FAILED', message, {
    hint: 'Check the input file or query; KEEL_DEBUG=1 shows the statement.',
    cause: Object.assign(error instanceof Error ? error : new Error(String(error)), { statement }),
  })
}
