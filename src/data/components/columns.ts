/** @module What the built-in components share: column-name schemas, checks against the input's columns, and projections. */
import { z } from 'zod'
import { KeelError } from '../../core/errors.js'
import type { ColumnKind } from '../../core/frame.js'
import { kindOfDuckType } from '../readers/duckdb-sql.js'
import { ident, join, type Sql, sql } from '../sql.js'
import type { ComponentContext } from './component.js'

/** A column name as `ident` accepts it, checked with the parameters rather than when the SQL is built. */
export const columnName = z
  .string()
  .min(1, 'must be a non-empty column name')
  .refine((s) => !s.includes('\0'), 'must not contain a NUL character')

/** One or more column names. */
export const columnList = z.array(columnName).min(1, 'must name at least one column')

/** A map keyed by column name with at least one entry. */
export function columnMap<T extends z.ZodType>(value: T) {
  return z.record(columnName, value).refine((r) => Object.keys(r).length > 0, 'must name at least one column')
}

/** A COMPONENT_INVALID_PARAMS error whose message starts with the component's name (the runner adds the step position). */
export function paramsError(component: string, message: string): KeelError {
  return new KeelError('COMPONENT_INVALID_PARAMS', `${component}: ${message}`)
}

const quoted = (names: readonly string[]): string => names.map((n) => JSON.stringify(n)).join(', ')

/**
 * The input column of each name, in the order given; COMPONENT_INVALID_PARAMS naming the
 * component, the unknown names and the available ones if any is missing.
 *
 * @example
 * ```ts
 * requireColumns('dedupe', ['id'], context) // [{ name: 'id', type: 'BIGINT' }]
 * ```
 */
export function requireColumns(component: string, names: Iterable<string>, context: ComponentContext): { name: string; type: string }[] {
  const byName = new Map(context.columns.map((c) => [c.name, c]))
  const wanted = [...names]
  const unknown = wanted.filter((n) => !byName.has(n))
  if (unknown.length > 0) {
    const s = unknown.length > 1 ? 's' : ''
    throw paramsError(component, `no column${s} ${quoted(unknown)} in its input (columns: ${quoted(context.columns.map((c) => c.name)) || 'none'})`)
  }
  return wanted.map((n) => byName.get(n) as { name: string; type: string })
}

/** Fails unless the column's engine type is of one of these Frame kinds (number, category = text, boolean, timestamp). */
export function requireKind(component: string, column: { name: string; type: string }, kinds: readonly ColumnKind[], why: string): ColumnKind {
  const kind = kindOfDuckType(column.type)
  if (kind === undefined || !kinds.includes(kind)) throw paramsError(component, `column ${JSON.stringify(column.name)} is ${column.type}; ${why}`)
  return kind
}

/**
 * The SELECT list of the input's columns in order, the named ones replaced by an expression
 * under the same name; `append` adds columns at the end.
 *
 * @example
 * ```ts
 * project(context, new Map([['name', sql`trim("name")`]])) // "id", trim("name") AS "name"
 * ```
 */
export function project(context: ComponentContext, replace: ReadonlyMap<string, Sql>, append: ReadonlyMap<string, Sql> = new Map()): Sql {
  const items = context.columns.map((c) => {
    const e = replace.get(c.name)
    return e === undefined ? ident(c.name) : sql`${e} AS ${ident(c.name)}`
  })
  for (const [name, e] of append) items.push(sql`${e} AS ${ident(name)}`)
  return join(items)
}

/**
 * A column name not used by the input, for a helper column the step drops again. DuckDB
 * compares names without regard to case, so the check does too.
 */
export function freshName(context: ComponentContext, base: string): string {
  const taken = new Set(context.columns.map((c) => c.name.toLowerCase()))
  let name = base
  for (let i = 1; taken.has(name.toLowerCase()); i++) name = `${base}_${i}`
  return name
}

/** The input column whose name equals `name` but for case, if any: DuckDB would take it for the same column. */
export function caseTwin(context: ComponentContext, name: string): string | undefined {
  const lower = name.toLowerCase()
  return context.columns.find((c) => c.name !== name && c.name.toLowerCase() === lower)?.name
}
