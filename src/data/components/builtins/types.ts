/** @module Built-in components that change column types: `cast` and `parseDates`. */
import { z } from 'zod'
import { expr, ident, type Sql, sql } from '../../sql.js'
import { columnMap, project, requireColumns, requireKind } from '../columns.js'
import { defineComponent } from '../define.js'

/** The engine type each `cast` target becomes. */
export const CAST_TYPES = {
  int: 'BIGINT',
  float: 'DOUBLE',
  string: 'VARCHAR',
  bool: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
} as const

const castTarget = z.enum(Object.keys(CAST_TYPES) as [keyof typeof CAST_TYPES, ...(keyof typeof CAST_TYPES)[]])

/**
 * Converts columns to another type; a value that does not convert becomes missing
 * (TRY_CAST). Text such as '1.5' cast to int rounds, as DuckDB does.
 *
 * @example
 * ```ts
 * cast({ zip: 'string', amount: 'float', signed_up: 'date' })
 * ```
 */
export const cast = defineComponent({
  kind: 'sql',
  name: 'cast',
  description: 'Converts columns to int, float, string, bool, timestamp or date; values that do not convert become missing.',
  params: columnMap(castTarget),
  build(params, input, context) {
    const replace = new Map<string, Sql>()
    for (const column of requireColumns('cast', Object.keys(params), context)) {
      const type = CAST_TYPES[params[column.name] as keyof typeof CAST_TYPES]
      replace.set(column.name, sql`TRY_CAST(${ident(column.name)} AS ${expr(type)})`)
    }
    return sql`SELECT ${project(context, replace)} FROM ${input}`
  },
})

/**
 * Parses text columns into timestamps with a strptime format (`%Y-%m-%d`, `%d/%m/%Y %H:%M`, …);
 * text that does not match becomes missing.
 *
 * @example
 * ```ts
 * parseDates({ signed_up: '%d/%m/%Y', last_seen: '%Y-%m-%dT%H:%M:%S' })
 * ```
 */
export const parseDates = defineComponent({
  kind: 'sql',
  name: 'parseDates',
  description: 'Parses text columns into timestamps with a strptime format; text that does not match becomes missing.',
  params: columnMap(z.string().refine((f) => f.includes('%'), 'must be a strptime format such as "%Y-%m-%d"')),
  build(params, input, context) {
    const replace = new Map<string, Sql>()
    for (const column of requireColumns('parseDates', Object.keys(params), context)) {
      requireKind('parseDates', column, ['category'], 'parseDates takes text columns (use cast for others)')
      replace.set(column.name, sql`TRY_STRPTIME(CAST(${ident(column.name)} AS VARCHAR), ${params[column.name] as string})`)
    }
    return sql`SELECT ${project(context, replace)} FROM ${input}`
  },
})
