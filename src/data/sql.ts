/**
 * @module SQL fragments that keep identifiers quoted and values out of the text: a value
 * interpolated into `sql` becomes a bound parameter, a name goes through `ident`, and only
 * SQL the user wrote in their config enters verbatim (through `expr`).
 */
import { KeelError } from '../core/errors.js'

/** A value bound as a statement parameter. */
export type SqlValue = string | number | boolean | bigint | null

// Symbol.for: keel.config.ts may load a second copy of Keel's modules, whose fragments must pass too
const FRAGMENT = Symbol.for('keel.sql')

/** A piece of SQL: text parts with the parameter values between them. */
export interface Sql {
  readonly [FRAGMENT]: true
  readonly parts: readonly string[]
  readonly values: readonly SqlValue[]
}

function fragment(parts: readonly string[], values: readonly SqlValue[]): Sql {
  return { [FRAGMENT]: true, parts, values }
}

export function isSql(x: unknown): x is Sql {
  return typeof x === 'object' && x !== null && FRAGMENT in x
}

/**
 * Builds SQL from a template: nested fragments are spliced in, every other interpolated
 * value becomes a bound parameter.
 *
 * @example
 * ```ts
 * const q = sql`SELECT * FROM ${ident(table)} WHERE price > ${minPrice}`
 * render(q) // { text: 'SELECT * FROM "orders" WHERE price > $1', params: [10] }
 * ```
 */
export function sql(strings: TemplateStringsArray, ...inserts: readonly (Sql | SqlValue)[]): Sql {
  const parts: string[] = [strings[0] ?? '']
  const values: SqlValue[] = []
  inserts.forEach((insert, i) => {
    const next = strings[i + 1] ?? ''
    if (isSql(insert)) {
      parts[parts.length - 1] += insert.parts[0] ?? ''
      for (let j = 0; j < insert.values.length; j++) {
        values.push(insert.values[j] as SqlValue)
        parts.push(insert.parts[j + 1] ?? '')
      }
      parts[parts.length - 1] += next
    } else {
      values.push(insert)
      parts.push(next)
    }
  })
  return fragment(parts, values)
}

/**
 * A quoted identifier (a column, table or view name): any text is safe, double quotes are doubled.
 *
 * @example
 * ```ts
 * render(ident('a"; DROP TABLE x; --')).text // '"a""; DROP TABLE x; --"'
 * ```
 */
export function ident(name: string): Sql {
  if (name.length === 0 || name.includes('\0'))
    throw new KeelError('DATA_INVALID_NAME', `"${name.replaceAll('\0', '\\0')}" is not a usable column or table name`)
  return fragment([`"${name.replaceAll('"', '""')}"`], [])
}

/** A string literal in the text, for the few places DuckDB takes no parameter (table function options, say). */
export function literal(value: string): Sql {
  if (value.includes('\0')) throw new KeelError('DATA_INVALID_NAME', 'a SQL string cannot hold a NUL character')
  return fragment([`'${value.replaceAll("'", "''")}'`], [])
}

/**
 * SQL written by the project's author in keel.config.ts (a `filter`, a `derive` expression,
 * a contract's custom check), taken as is, like a dbt model. Never pass data or names here.
 */
export function expr(text: string): Sql {
  return fragment([text], [])
}

/** Fragments joined by a separator. */
export function join(items: readonly Sql[], separator: Sql = expr(', ')): Sql {
  if (items.length === 0) return expr('')
  let out = items[0] as Sql
  for (const item of items.slice(1)) out = sql`${out}${separator}${item}`
  return out
}

/** The statement text with `$1`, `$2`, … placeholders, and the values to bind. */
export function render(q: Sql): { readonly text: string; readonly params: readonly SqlValue[] } {
  let text = q.parts[0] ?? ''
  for (let i = 0; i < q.values.length; i++) text += `$${i + 1}${q.parts[i + 1] ?? ''}`
  return { text, params: q.values }
}
