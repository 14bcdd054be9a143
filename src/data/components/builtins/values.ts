/** @module Built-in components that change values in place: `fillMissing`, `clip`, `winsorize`, `trimAndCase`. */
import { z } from 'zod'
import { expr, ident, type Sql, sql } from '../../sql.js'
import { columnList, columnMap, paramsError, project, requireColumns, requireKind } from '../columns.js'
import { defineComponent } from '../define.js'

const constant = z.union([z.string(), z.number(), z.boolean()])

/** A fill value: a statistic of the column, a constant, or `{ value }` for a constant that reads like a statistic's name. */
const fill = z.union([constant, z.strictObject({ value: constant })])

// Engine types named in the text of a cast: only these fixed spellings, never a type string
// taken from the engine (an ENUM's type spells out its values).
const TEMPORAL_TYPES: ReadonlySet<string> = new Set(['DATE', 'TIMESTAMP', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS', 'TIMESTAMP WITH TIME ZONE'])

/**
 * Fills missing values per column with a constant or with the mean, median or mode of the
 * column's values in the step's input. Constants keep the column's type; a mean or median
 * makes an integer column DOUBLE and a date column's median a TIMESTAMP; the mode's ties go
 * to the smallest value.
 *
 * @example
 * ```ts
 * fillMissing({ age: 'median', country: 'unknown', churned: false, plan: { value: 'mode' } })
 * ```
 */
export const fillMissing = defineComponent({
  kind: 'sql',
  name: 'fillMissing',
  description: 'Fills missing values with a constant or the column mean, median or mode.',
  params: columnMap(fill),
  build(params, input, context) {
    const columns = requireColumns('fillMissing', Object.keys(params), context)
    const replace = new Map<string, Sql>()
    for (const column of columns) {
      const c = ident(column.name)
      replace.set(column.name, sql`coalesce(${c}, ${fillValue(column, params[column.name] as z.output<typeof fill>, input)})`)
    }
    return sql`SELECT ${project(context, replace)} FROM ${input}`
  },
})

function fillValue(column: { name: string; type: string }, spec: z.output<typeof fill>, input: Sql): Sql {
  const c = ident(column.name)
  switch (spec) {
    case 'mean':
      requireKind('fillMissing', column, ['number'], 'a mean needs a numeric column')
      return sql`avg(${c}) OVER ()`
    case 'median':
      requireKind('fillMissing', column, ['number', 'timestamp'], 'a median needs a numeric, date or timestamp column')
      return sql`median(${c}) OVER ()`
    case 'mode':
      // DuckDB's mode() breaks ties by whichever value its threads meet first; this does not
      return sql`(SELECT ${c} FROM ${input} WHERE ${c} IS NOT NULL GROUP BY ${c} ORDER BY count(*) DESC, ${c} LIMIT 1)`
    default:
      return constantFor(column, typeof spec === 'object' ? spec.value : spec)
  }
}

function constantFor(column: { name: string; type: string }, value: string | number | boolean): Sql {
  const shown = JSON.stringify(value)
  if (typeof value === 'number') requireKind('fillMissing', column, ['number'], `fill it with a value of that type, not the number ${shown}`)
  else if (typeof value === 'boolean') requireKind('fillMissing', column, ['boolean'], `fill it with a value of that type, not ${shown}`)
  else {
    const kind = requireKind('fillMissing', column, ['category', 'timestamp'], `fill it with a value of that type, not the string ${shown}`)
    // a bound string would make coalesce compare as text; the cast keeps the column's type
    if (kind === 'timestamp') {
      if (!TEMPORAL_TYPES.has(column.type))
        throw paramsError('fillMissing', `column ${JSON.stringify(column.name)} has type ${column.type}, which cannot be filled`)
      return sql`CAST(${value} AS ${expr(column.type)})`
    }
    return sql`CAST(${value} AS VARCHAR)`
  }
  return sql`${value}`
}

const bounds = z
  .strictObject({ min: z.number().optional(), max: z.number().optional() })
  .refine((b) => b.min !== undefined || b.max !== undefined, 'must give min, max or both')
  .refine((b) => b.min === undefined || b.max === undefined || b.min <= b.max, 'min must not be above max')

/** `c` limited to [lo, hi]; missing stays missing (DuckDB's greatest/least would skip it and return a bound). */
function clamp(c: Sql, lo: Sql | undefined, hi: Sql | undefined): Sql {
  const below = lo === undefined ? sql`` : sql` WHEN ${c} < ${lo} THEN ${lo}`
  const above = hi === undefined ? sql`` : sql` WHEN ${c} > ${hi} THEN ${hi}`
  return sql`CASE${below}${above} ELSE ${c} END`
}

/**
 * Limits numeric columns to fixed bounds (inclusive); values outside become the bound.
 *
 * @example
 * ```ts
 * clip({ age: { min: 0, max: 120 }, discount: { max: 1 } })
 * ```
 */
export const clip = defineComponent({
  kind: 'sql',
  name: 'clip',
  description: 'Limits numeric columns to fixed bounds.',
  params: columnMap(bounds),
  build(params, input, context) {
    const replace = new Map<string, Sql>()
    for (const column of requireColumns('clip', Object.keys(params), context)) {
      requireKind('clip', column, ['number'], 'clip takes numeric columns')
      const b = params[column.name] as z.output<typeof bounds>
      replace.set(column.name, clamp(ident(column.name), b.min === undefined ? undefined : sql`${b.min}`, b.max === undefined ? undefined : sql`${b.max}`))
    }
    return sql`SELECT ${project(context, replace)} FROM ${input}`
  },
})

const quantile = z.number().min(0, 'must be a quantile from 0 to 1').max(1, 'must be a quantile from 0 to 1')

/**
 * Limits numeric columns to their `lower` and `upper` quantiles (default 0.01 and 0.99,
 * interpolated like numpy's default), computed over the step's input. The columns become DOUBLE.
 *
 * @example
 * ```ts
 * winsorize({ columns: ['income', 'spend'], lower: 0.05, upper: 0.95 })
 * ```
 */
export const winsorize = defineComponent({
  kind: 'sql',
  name: 'winsorize',
  description: 'Limits numeric columns to quantiles of their values (default 1 % and 99 %).',
  params: z
    .strictObject({ columns: columnList, lower: quantile.optional(), upper: quantile.optional() })
    .refine((p) => (p.lower ?? 0.01) < (p.upper ?? 0.99), 'lower must be below upper'),
  build(params, input, context) {
    const replace = new Map<string, Sql>()
    for (const column of requireColumns('winsorize', params.columns, context)) {
      requireKind('winsorize', column, ['number'], 'winsorize takes numeric columns')
      const c = ident(column.name)
      const at = (q: number): Sql => sql`quantile_cont(${c}, ${q}) OVER ()`
      replace.set(column.name, sql`CAST(${clamp(c, at(params.lower ?? 0.01), at(params.upper ?? 0.99))} AS DOUBLE)`)
    }
    return sql`SELECT ${project(context, replace)} FROM ${input}`
  },
})

/**
 * Trims surrounding whitespace from text columns and optionally lower- or upper-cases them.
 *
 * @example
 * ```ts
 * trimAndCase({ columns: ['email', 'country'], case: 'lower' })
 * ```
 */
export const trimAndCase = defineComponent({
  kind: 'sql',
  name: 'trimAndCase',
  description: 'Trims whitespace from text columns and optionally lower- or upper-cases them.',
  params: z.strictObject({ columns: columnList, case: z.enum(['lower', 'upper', 'keep']).optional() }),
  build(params, input, context) {
    const replace = new Map<string, Sql>()
    for (const column of requireColumns('trimAndCase', params.columns, context)) {
      requireKind('trimAndCase', column, ['category'], 'trimAndCase takes text columns')
      const trimmed = sql`trim(CAST(${ident(column.name)} AS VARCHAR))`
      replace.set(column.name, params.case === 'lower' ? sql`lower(${trimmed})` : params.case === 'upper' ? sql`upper(${trimmed})` : trimmed)
    }
    return sql`SELECT ${project(context, replace)} FROM ${input}`
  },
})
