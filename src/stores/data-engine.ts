/**
 * @module The data engine: where datasets are read, checked, cleaned and written. DuckDB,
 * embedded, now; the interface is what a warehouse-backed engine implements later.
 */
import type { Sql } from '../data/sql.js'

/** A result column: its name and the engine's type name (`BIGINT`, `VARCHAR`, `DOUBLE`, …). */
export interface EngineColumn {
  readonly name: string
  readonly type: string
}

/** A value as the engine returns it to JavaScript: numbers (64-bit integers as bigint past 2^53), strings, booleans, null. */
export type EngineValue = string | number | bigint | boolean | null

export interface EngineResult {
  readonly columns: readonly EngineColumn[]
  /** Rows as arrays in column order; dates and timestamps as ISO-8601 strings. */
  readonly rows: readonly (readonly EngineValue[])[]
}

/**
 * One engine session with its own temporary tables and views. Statements take `Sql`
 * fragments, so names are quoted and values bound, never pasted into the text.
 */
export interface DataEngine {
  readonly backend: string
  /** Runs statements that return nothing worth reading (DDL, COPY, INSERT); `label` names the work in progress reports. */
  run(statement: Sql, label?: string): Promise<void>
  /** Runs a query and returns every row; for results a report or a summary holds, not for whole datasets. */
  all(query: Sql): Promise<EngineResult>
  /** The columns a query would return, without running it to the end. */
  describe(query: Sql): Promise<readonly EngineColumn[]>
  /** Creates `table` with text columns `columns` (replacing it) and appends the rows: how streamed sources come in. */
  load(table: string, columns: readonly string[], rows: AsyncIterable<readonly (readonly (string | null)[])[]>): Promise<number>
  close(): Promise<void>
}

export interface DataEngineOptions {
  /** Where the engine spills data larger than memory (a private temporary directory by default). */
  readonly tempDirectory?: string
  /** The engine's memory ceiling, e.g. '2GB' (default 1GB); past it, work spills to `tempDirectory`. */
  readonly memoryLimit?: string
  /** Called about five times a second while a long statement runs, with its progress (0–100) and a label. */
  readonly onProgress?: (percent: number, label: string) => void
}
