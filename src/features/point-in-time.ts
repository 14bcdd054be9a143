/**
 * @module The point-in-time SQL: one pass over the entity's events and the rows that ask for
 * values, ordered by time per entity, with a window function per feature. Values come only
 * from events at or before a row's time (`asOf`): windowed aggregations over
 * `asOf - window < event_time <= asOf`, `latest` and row-level SQL from the latest such event,
 * and nothing at all when that event is older than the TTL (`asOf - latest > ttl`).
 */
import { KeelError } from '../core/errors.js'
import { expr, ident, join, type Sql, sql } from '../data/sql.js'
import type { DataEngine, EngineColumn } from '../stores/data-engine.js'
import type { ResolvedFeature, ResolvedFeatureView } from './feature-view.js'

/** What one point-in-time computation reads and writes. */
export interface PointInTimeInput {
  readonly view: ResolvedFeatureView
  /** The features to compute (a subset of the view's), and the output column of each. */
  readonly features: readonly { readonly feature: ResolvedFeature; readonly column: string }[]
  /** The view's events (its source's rows). */
  readonly events: Sql
  /**
   * The rows asking for values: the view's key columns, a time column, a unique row number
   * `__keel_row` (the output's order), and anything else (passed through).
   */
  readonly entities: Sql
  /** The entities' time column: a timestamp, a date, or epoch milliseconds. */
  readonly entityTime: string
}

/** Internal columns the query adds; an input column may not carry these names. */
export const ROW = '__keel_row'
export const LAST_EVENT = '__keel_last_event_ms'

/** Epoch microseconds of a column, by its engine type: timestamps and dates as they are, numbers as epoch milliseconds. */
export function epochMicros(column: Sql, type: string, where: string): Sql {
  const t = type.toUpperCase()
  if (t.startsWith('TIMESTAMP') || t === 'DATE') return sql`epoch_us(CAST(${column} AS TIMESTAMP))`
  if (/^(BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|DOUBLE|FLOAT|DECIMAL.*)$/.test(t)) return sql`CAST(round(${column} * 1000) AS BIGINT)`
  throw new KeelError('FEATURE_VIEW_INVALID', `${where} has type ${type}; a time must be a timestamp, a date or epoch milliseconds`)
}

function columnType(columns: readonly EngineColumn[], name: string, where: string): string {
  const found = columns.find((c) => c.name === name)
  if (found === undefined) throw new KeelError('FEATURE_VIEW_INVALID', `${where} has no column "${name}" (it has ${columns.map((c) => c.name).join(', ')})`)
  return found.type
}

/**
 * The query answering `input`: every entity row (in `__keel_row` order) with its own columns, the
 * features, and `__keel_last_event_ms` (the entity's latest event at or before the row's time,
 * epoch ms; null when there is none). Rows without a key or a time get nulls.
 */
export async function pointInTimeQuery(engine: DataEngine, input: PointInTimeInput): Promise<Sql> {
  const { view } = input
  const eventCols = await engine.describe(input.events)
  const entityCols = await engine.describe(input.entities)
  const source = `the source of feature view "${view.name}"`
  const eventTime = epochMicros(ident(view.timestamp), columnType(eventCols, view.timestamp, source), `${source}'s "${view.timestamp}"`)
  const askTime = epochMicros(ident(input.entityTime), columnType(entityCols, input.entityTime, 'the entity rows'), `the entity rows' "${input.entityTime}"`)
  columnType(entityCols, ROW, 'the entity rows')
  for (const column of [LAST_EVENT, ...input.features.map((f) => f.column)]) {
    if (entityCols.some((c) => c.name === column)) throw new KeelError('FEATURE_VIEW_INVALID', `the entity rows already have a column "${column}"`)
  }
  const keyTypes = view.entities.map((k) => columnType(eventCols, k, source))
  view.entities.forEach((k) => {
    columnType(entityCols, k, `the entity rows (for feature view "${view.name}")`)
  })

  const keys = view.entities.map((k) => ident(k))
  const windowed = input.features.filter((f) => f.feature.windowMs !== null)
  const pointFeatures = input.features.filter((f) => f.feature.windowMs === null)
  const valueColumn = (i: number) => ident(`__keel_v${i}`)
  const eventValues = windowed.map((f, i) => {
    const d = f.feature.definition
    return sql`${'column' in d && d.column !== null ? ident(d.column) : expr('NULL')} AS ${valueColumn(i)}`
  })
  const latest =
    pointFeatures.length === 0 ? expr('NULL') : sql`struct_pack(${join(pointFeatures.map((f, i) => sql`${ident(`f${i}`)} := ${pointExpression(f.feature)}`))})`
  const events = sql`SELECT ${join(keys)}, ${eventTime} AS __keel_t, 1 AS __keel_ev, NULL::BIGINT AS ${ident(ROW)}${join(
    eventValues.map((v) => sql`, ${v}`),
    expr(''),
  )}, ${latest} AS __keel_latest FROM (${input.events}) WHERE ${join(
    [...keys, ident(view.timestamp)].map((k) => sql`${k} IS NOT NULL`),
    expr(' AND '),
  )}`
  const askKeys = view.entities.map((k, i) => sql`TRY_CAST(${ident(k)} AS ${expr(keyTypes[i] as string)}) AS ${ident(k)}`)
  const asks = sql`SELECT * FROM (SELECT ${join(askKeys)}, ${askTime} AS __keel_t, 0 AS __keel_ev, ${ident(ROW)} FROM numbered) WHERE ${join(
    [...keys, expr('__keel_t')].map((k) => sql`${k} IS NOT NULL`),
    expr(' AND '),
  )}`

  const partition = sql`PARTITION BY ${join(keys)} ORDER BY __keel_t`
  const upTo = sql`(${partition} RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`
  // the frame is (asOf - window, asOf] in whole microseconds: `window - 1` back, and peers (events at asOf) included
  const within = (f: ResolvedFeature) => sql`(${partition} RANGE BETWEEN ${expr(String((f.windowMs as number) * 1000 - 1))} PRECEDING AND CURRENT ROW)`
  const windowSelect = windowed.map((f, i) => sql`, ${windowAggregate(f.feature, valueColumn(i))} OVER ${within(f.feature)} AS ${ident(`__keel_w${i}`)}`)
  const alive =
    view.ttlMs === null
      ? sql`__keel_last IS NOT NULL`
      : sql`__keel_last IS NOT NULL AND __keel_t - __keel_last <= ${expr(String(Math.round(view.ttlMs * 1000)))}`
  const outputs = input.features.map((f) => {
    const w = windowed.indexOf(f)
    const value = w >= 0 ? windowOutput(f.feature, ident(`__keel_w${w}`)) : sql`__keel_latest_value.${ident(`f${pointFeatures.indexOf(f)}`)}`
    return sql`CASE WHEN ${alive} THEN ${value} END AS ${ident(f.column)}`
  })
  return sql`WITH numbered AS (${input.entities}),
  stream AS (${events} UNION ALL BY NAME ${asks}),
  windows AS (
    SELECT ${ident(ROW)}, __keel_t,
      max(CASE WHEN __keel_ev = 1 THEN __keel_t END) OVER ${upTo} AS __keel_last,
      last_value(__keel_latest IGNORE NULLS) OVER ${upTo} AS __keel_latest_value${join(windowSelect, expr(''))}
    FROM stream
    QUALIFY __keel_ev = 0
  ),
  answers AS (SELECT ${ident(ROW)}, CAST(__keel_last // 1000 AS BIGINT) AS ${ident(LAST_EVENT)}, ${join(outputs)} FROM windows)
  SELECT numbered.*, answers.* EXCLUDE (${ident(ROW)}) FROM numbered LEFT JOIN answers USING (${ident(ROW)}) ORDER BY numbered.${ident(ROW)}`
}

function pointExpression(f: ResolvedFeature): Sql {
  const d = f.definition
  if (d.kind === 'latest') return ident(d.column)
  if (d.kind === 'sql') return sql`(${d.expression})`
  throw new KeelError('INTERNAL', `feature ${f.name} is windowed`)
}

function windowAggregate(f: ResolvedFeature, value: Sql): Sql {
  switch (f.definition.kind) {
    case 'sum':
      return sql`sum(${value})`
    case 'mean':
      return sql`avg(${value})`
    case 'min':
      return sql`min(${value})`
    case 'max':
      return sql`max(${value})`
    case 'count':
      return sql`sum(__keel_ev)`
    case 'distinct':
      return sql`count(DISTINCT ${value})`
    default:
      throw new KeelError('INTERNAL', `feature ${f.name} is not windowed`)
  }
}

/** Sums and counts over no events are 0 for an entity that is alive; mean, min and max are null. */
function windowOutput(f: ResolvedFeature, value: Sql): Sql {
  const kind = f.definition.kind
  if (kind === 'count') return sql`coalesce(CAST(${value} AS BIGINT), 0)`
  return kind === 'sum' || kind === 'distinct' ? sql`coalesce(${value}, 0)` : value
}
