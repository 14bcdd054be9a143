/** @module Moving a relation into a Frame and back, for frame components. */
import { KeelError } from '../../core/errors.js'
import { type Column, type ColumnKind, cellText, columnFromValues, Frame } from '../../core/frame.js'
import type { DataEngine, EngineColumn, EngineValue } from '../../stores/data-engine.js'
import { kindOfDuckType } from '../readers/duckdb-sql.js'
import { expr, ident, join, sql } from '../sql.js'

const BATCH = 2048

/**
 * The whole relation as a Frame: numbers (64-bit integers past 2^53 lose precision), text as
 * categories, booleans, dates and timestamps as epoch milliseconds (UTC).
 *
 * @example
 * ```ts
 * const frame = await relationToFrame(engine, 'orders', await engine.describe(sql`SELECT * FROM orders`), 'myStep')
 * ```
 */
export async function relationToFrame(engine: DataEngine, relation: string, columns: readonly EngineColumn[], component: string): Promise<Frame> {
  const kinds = columns.map((c) => {
    const kind = kindOfDuckType(c.type)
    if (kind === undefined)
      throw new KeelError(
        'COMPONENT_INVALID_PARAMS',
        `${component}: column ${JSON.stringify(c.name)} is ${c.type}, which a Frame cannot hold; cast or drop it first`,
      )
    return kind
  })
  const { rows } = await engine.all(sql`SELECT ${join(columns.map((c) => ident(c.name)))} FROM ${ident(relation)}`)
  const out = new Map<string, Column>()
  columns.forEach((c, j) => {
    const kind = kinds[j] as ColumnKind
    const cells = rows.map((row) => cellIn(row[j] ?? null, kind))
    out.set(c.name, columnFromValues(c.name, cells, kind))
  })
  return new Frame(out)
}

function cellIn(value: EngineValue, kind: ColumnKind): unknown {
  if (value === null) return null
  if (kind === 'number' && typeof value !== 'number') return Number(value)
  if (kind === 'category' && typeof value !== 'string') return String(value)
  return value
}

/**
 * Writes a Frame to `table` with engine types: a column that was in the step's input keeps
 * its type when its values still fit it (integers stay integers, dates stay dates), otherwise
 * numbers become DOUBLE, categories VARCHAR, booleans BOOLEAN and timestamps TIMESTAMP.
 *
 * @example
 * ```ts
 * await frameToTable(engine, frame, 'keel_step_2', inputColumns)
 * ```
 */
export async function frameToTable(engine: DataEngine, frame: Frame, table: string, inputColumns: readonly EngineColumn[]): Promise<void> {
  const names = frame.names
  const columns = names.map((n) => frame.column(n))
  const raw = `${table}_text`
  await engine.load(raw, names, batches(columns, frame.nRows))
  const before = new Map(inputColumns.map((c) => [c.name, c.type]))
  const typed = names.map((n, j) => sql`CAST(${ident(n)} AS ${expr(engineType(columns[j] as Column, before.get(n)))}) AS ${ident(n)}`)
  await engine.run(sql`CREATE OR REPLACE TEMP TABLE ${ident(table)} AS SELECT ${join(typed)} FROM ${ident(raw)}`)
  await engine.run(sql`DROP TABLE ${ident(raw)}`)
}

async function* batches(columns: readonly Column[], nRows: number): AsyncGenerator<(string | null)[][]> {
  for (let start = 0; start < nRows; start += BATCH) {
    const batch: (string | null)[][] = []
    for (let i = start; i < Math.min(nRows, start + BATCH); i++) batch.push(columns.map((c) => cellOut(c, i)))
    yield batch
  }
}

/** The cell as text DuckDB casts back exactly: shortest round-trip numbers, timestamps without a zone (the session is UTC). */
function cellOut(c: Column, i: number): string | null {
  const text = cellText(c, i)
  return c.kind === 'timestamp' && text !== null ? text.replace('T', ' ').replace('Z', '') : text
}

const INTEGER_TYPES: ReadonlySet<string> = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT'])
const DAY_MS = 86_400_000

/** A fixed type name (never the engine's text, which for an ENUM spells out data) for the column. */
function engineType(c: Column, before: string | undefined): string {
  switch (c.kind) {
    case 'category':
      return 'VARCHAR'
    case 'boolean':
      return 'BOOLEAN'
    case 'timestamp':
      if (before === 'DATE' && every(c.values, (v) => v % DAY_MS === 0)) return 'DATE'
      return before === 'TIMESTAMP WITH TIME ZONE' ? 'TIMESTAMP WITH TIME ZONE' : 'TIMESTAMP'
    default:
      if (before !== undefined && INTEGER_TYPES.has(before) && every(c.values, Number.isSafeInteger)) return before
      return before === 'FLOAT' ? 'FLOAT' : 'DOUBLE'
  }
}

/** Whether every present (non-NaN) value passes. */
function every(values: Float64Array, test: (v: number) => boolean): boolean {
  for (const v of values) if (!Number.isNaN(v) && !test(v)) return false
  return true
}
