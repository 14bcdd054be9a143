/** @module Built-in components that choose rows: `dedupe` and `filter`. */
import { z } from 'zod'
import { expr, ident, join, sql } from '../../sql.js'
import { columnList, columnName, freshName, project, requireColumns } from '../columns.js'
import { defineComponent } from '../define.js'

const dedupeParams = z.strictObject({
  keys: columnList,
  /** Which row of a key to keep: the first or the last by `orderBy`, or by input order. Default first. */
  keep: z.enum(['first', 'last']).optional(),
  orderBy: columnName.optional(),
})

/**
 * One row per key. The rows are numbered in input order first, so that ties (and every row
 * when there is no `orderBy`) are broken by position; missing `orderBy` values lose to known
 * ones. Rows keep their input order; missing key values count as one key.
 *
 * @example
 * ```ts
 * dedupe({ keys: ['customer_id'], keep: 'last', orderBy: 'updated_at' })
 * ```
 */
export const dedupe = defineComponent({
  kind: 'sql',
  name: 'dedupe',
  description: 'Keeps one row per key: the first or last by a column, or by input order.',
  params: dedupeParams,
  build(params, input, context) {
    requireColumns('dedupe', [...params.keys, ...(params.orderBy === undefined ? [] : [params.orderBy])], context)
    const row = ident(freshName(context, '__keel_row'))
    const rank = ident(freshName(context, '__keel_rank'))
    const direction = expr(params.keep === 'last' ? 'DESC' : 'ASC')
    const order = params.orderBy === undefined ? sql`${row} ${direction}` : sql`${ident(params.orderBy)} ${direction} NULLS LAST, ${row} ${direction}`
    const keys = join(params.keys.map(ident))
    return sql`SELECT ${project(context, new Map())} FROM (
  SELECT *, row_number() OVER (PARTITION BY ${keys} ORDER BY ${order}) AS ${rank}
  FROM (SELECT *, row_number() OVER () AS ${row} FROM ${input})
) WHERE ${rank} = 1 ORDER BY ${row}`
  },
})

/**
 * Keeps the rows where an SQL condition written in keel.config.ts is true (false and
 * missing drop the row). The condition is the author's SQL, taken as is.
 *
 * @example
 * ```ts
 * filter({ where: "status <> 'test' AND amount > 0" })
 * ```
 */
export const filter = defineComponent({
  kind: 'sql',
  name: 'filter',
  description: 'Keeps the rows where an SQL condition is true.',
  params: z.strictObject({ where: z.string().refine((s) => s.trim() !== '', 'must be a non-empty SQL condition') }),
  // the line breaks keep a trailing `-- comment` in the condition from swallowing the parenthesis
  build: (params, input) => sql`SELECT * FROM ${input} WHERE (
${expr(params.where)}
)`,
})
