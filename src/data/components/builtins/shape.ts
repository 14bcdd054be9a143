/** @module Built-in components that change which columns there are: `rename`, `drop`, `derive`. */
import { z } from 'zod'
import { expr, ident, join, type Sql, sql } from '../../sql.js'
import { caseTwin, columnList, columnMap, columnName, paramsError, project, requireColumns } from '../columns.js'
import { defineComponent } from '../define.js'

/**
 * Renames columns (`{ old: 'new' }`), keeping their order. Two columns may not end up with
 * one name, in any case: DuckDB does not tell `Total` from `total`.
 *
 * @example
 * ```ts
 * rename({ cust_id: 'customer_id', amt: 'amount' })
 * ```
 */
export const rename = defineComponent({
  kind: 'sql',
  name: 'rename',
  description: 'Renames columns.',
  params: columnMap(columnName),
  build(params, input, context) {
    requireColumns('rename', Object.keys(params), context)
    const renamed = context.columns.map((c) => ({ from: c.name, to: params[c.name] ?? c.name }))
    const seen = new Map<string, string>()
    for (const { from, to } of renamed) {
      const other = seen.get(to.toLowerCase())
      if (other !== undefined)
        throw paramsError('rename', `columns ${JSON.stringify(other)} and ${JSON.stringify(from)} would both be named ${JSON.stringify(to)}`)
      seen.set(to.toLowerCase(), from)
    }
    return sql`SELECT ${join(renamed.map(({ from, to }) => (from === to ? ident(from) : sql`${ident(from)} AS ${ident(to)}`)))} FROM ${input}`
  },
})

/**
 * Removes columns.
 *
 * @example
 * ```ts
 * drop({ columns: ['debug_payload', 'internal_note'] })
 * ```
 */
export const drop = defineComponent({
  kind: 'sql',
  name: 'drop',
  description: 'Removes columns.',
  params: z.strictObject({ columns: columnList }),
  build(params, input, context) {
    requireColumns('drop', params.columns, context)
    const gone = new Set(params.columns)
    const kept = context.columns.filter((c) => !gone.has(c.name))
    if (kept.length === 0) throw paramsError('drop', 'would remove every column')
    return sql`SELECT ${join(kept.map((c) => ident(c.name)))} FROM ${input}`
  },
})

/**
 * Adds columns computed by SQL expressions written in keel.config.ts (taken as is); a
 * column of the same name is replaced in place, others are appended in the order given.
 * Expressions see the step's input, not each other.
 *
 * @example
 * ```ts
 * derive({ margin: 'price - cost', is_weekend: 'dayofweek(ordered_at) IN (0, 6)' })
 * ```
 */
export const derive = defineComponent({
  kind: 'sql',
  name: 'derive',
  description: 'Adds or replaces columns computed by SQL expressions.',
  params: columnMap(z.string().refine((s) => s.trim() !== '', 'must be a non-empty SQL expression')),
  build(params, input, context) {
    const existing = new Set(context.columns.map((c) => c.name))
    const replace = new Map<string, Sql>()
    const append = new Map<string, Sql>()
    for (const [name, text] of Object.entries(params)) {
      const twin = caseTwin(context, name)
      if (twin !== undefined && !existing.has(name))
        throw paramsError(
          'derive',
          `${JSON.stringify(name)} differs from the input column ${JSON.stringify(twin)} only in case; use the same spelling to replace it`,
        )
      // line breaks keep a trailing `-- comment` from swallowing the parenthesis
      const e = sql`(
${expr(text)}
)`
      if (existing.has(name)) replace.set(name, e)
      else append.set(name, e)
    }
    return sql`SELECT ${project(context, replace, append)} FROM ${input}`
  },
})
