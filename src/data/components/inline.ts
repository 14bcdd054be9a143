/**
 * @module Bound values written into the text as quoted literals, for the one statement that
 * refuses parameters and must hold them: DuckDB's CREATE VIEW.
 */
import { KeelError } from '../../core/errors.js'
import { expr, join, literal, type Sql, type SqlValue, sql } from '../sql.js'

const INTEGER = /^-?\d+$/

/**
 * The same query with every bound value replaced by a literal: strings quoted by `literal`,
 * integers as integer literals (so an INTEGER column compared or clipped with one stays
 * INTEGER), other numbers as DOUBLE casts of their shortest exact decimal form.
 *
 * @example
 * ```ts
 * render(inlineValues(sql`SELECT coalesce(s, ${"it's"}) AS s, a * ${0.5} FROM t`)).text
 * // "SELECT coalesce(s, 'it''s') AS s, a * CAST('0.5' AS DOUBLE) FROM t"
 * ```
 */
export function inlineValues(q: Sql): Sql {
  // the parts are SQL text already (built from ident, literal and author-written expr); only the values change
  const pieces: Sql[] = [expr(q.parts[0] ?? '')]
  for (const [i, value] of q.values.entries()) pieces.push(inlineValue(value), expr(q.parts[i + 1] ?? ''))
  return join(pieces, expr(''))
}

function inlineValue(value: SqlValue): Sql {
  if (value === null) return expr('NULL')
  if (typeof value === 'boolean') return expr(value ? 'TRUE' : 'FALSE')
  if (typeof value === 'string') return literal(value)
  const text = value.toString()
  if (typeof value === 'number' && !Number.isFinite(value)) throw new KeelError('INTERNAL', `cannot write ${text} as an SQL literal`)
  // checked digits only, so the text cannot be anything but a number
  if (INTEGER.test(text)) return expr(`(${text})`)
  return sql`CAST(${literal(text)} AS DOUBLE)`
}
