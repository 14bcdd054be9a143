/** Shared setup for the component tests: a real in-memory DuckDB per test and short ways to read results. */
import { afterEach, beforeEach, expect } from 'vitest'
import { KeelError } from '../../../src/core/errors.js'
import { applySteps, type CleanedRelation } from '../../../src/data/components/apply.js'
import type { Step } from '../../../src/data/components/component.js'
import { ident, type Sql, sql } from '../../../src/data/sql.js'
import type { DataEngine, EngineValue } from '../../../src/stores/data-engine.js'
import { openDuckDbEngine } from '../../../src/stores/duckdb/duckdb-engine.js'

/** An engine opened before and closed after each test of the file; read `.engine` inside tests. */
export function useEngine(): { engine: DataEngine } {
  const holder = {} as { engine: DataEngine }
  beforeEach(async () => {
    holder.engine = await openDuckDbEngine()
  })
  afterEach(async () => {
    await holder.engine.close()
  })
  return holder
}

/** A relation's rows and its columns as `name TYPE` strings. */
export async function read(engine: DataEngine, relation: string): Promise<{ columns: string[]; rows: (readonly EngineValue[])[] }> {
  const { columns, rows } = await engine.all(sql`SELECT * FROM ${ident(relation)}`)
  return { columns: columns.map((c) => `${c.name} ${c.type}`), rows: [...rows] }
}

/** Applies `steps` to the table `input` and reads the result. */
export async function clean(
  engine: DataEngine,
  steps: readonly Step[],
  secrets: Readonly<Record<string, string>> = {},
): Promise<{ columns: string[]; rows: (readonly EngineValue[])[]; result: CleanedRelation }> {
  const result = await applySteps(engine, 'input', steps, { secret: (name) => secrets[name] })
  return { ...(await read(engine, result.relation)), result }
}

/** The rows of a query. */
export async function query(engine: DataEngine, q: Sql): Promise<(readonly EngineValue[])[]> {
  return [...(await engine.all(q)).rows]
}

/** The KeelError a promise rejects with (fails the test if it resolves or throws something else). */
export async function failure(promise: Promise<unknown>): Promise<KeelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(KeelError)
  return error as KeelError
}

/** The KeelError a function throws. */
export function thrown(fn: () => unknown): KeelError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(KeelError)
    return error as KeelError
  }
  throw new Error('expected a KeelError, nothing was thrown')
}

/** The temporary views and tables of the session, by name. */
export async function relations(engine: DataEngine): Promise<string[]> {
  const rows = await query(engine, sql`SELECT view_name FROM duckdb_views() WHERE NOT internal UNION ALL SELECT table_name FROM duckdb_tables() ORDER BY 1`)
  return rows.map((r) => String(r[0]))
}
