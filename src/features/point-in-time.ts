/**
 * @module The point-in-time SQL: one pass over the entity's events and the rows that ask for
 * values, ordered by time per entity, with a window function per feature. Values come only
 * from events at or before a row's time (`asOf`): windowed aggregations over
 * `asOf - window < event_time <= asOf`, `latest` and row-level SQL from the latest such event,
 * and nothing at all when that event is older than the TTL (`asOf - latest > ttl`).
 * The DuckDB query is here; the PostgreSQL one (`postgres/point-in-time.ts`) shares the window
 * expressions and the answer columns through a `PointInTimeDialect`.
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
 * Checks the entity rows against the view: the key columns and the time are there, and no input
 * column carries a name the answer adds (`__keel_last_event_ms` or a feature's output column).
 */
export function checkEntityColumns(
  view: ResolvedFeatureView,
  entityCols: readonly EngineColumn[],
  entityTime: string,
  outputs: readonly { readonly column: string }[],
): string {
  const askType = columnType(entityCols, entityTime, 'the entity rows')
  columnType(entityCols, ROW, 'the entity rows')
  for (const column of [LAST_EVENT, ...outputs.map((f) => f.column)]) {
    if (entityCols.some((c) => c.name === column)) throw new KeelError('FEATURE_VIEW_INVALID', `the entity rows already have a column "${column}"`)
  }
  view.entities.forEach((k) => {
    columnType(entityCols, k, `the entity rows (for feature view "${view.name}")`)
  })
  return askType
}

/**
 * What differs between the engines that run the point-in-time SQL: the frame offset literal and
 * how a distinct count over a window is taken (PostgreSQL has no `count(DISTINCT …) OVER`).
 */
export interface PointInTimeDialect {
  /** `micros` as a frame offset of the type of `__keel_t` (BIGINT). */
  offset(micros: number): Sql
  /** The window aggregate of a `distinct` feature over `value`. */
  distinctAggregate(value: Sql): Sql
  /** The number of distinct values from what `distinctAggregate` returned. */
  distinctCount(aggregated: Sql): Sql
}

const duckdb: PointInTimeDialect = {
  offset: (micros) => expr(String(micros)),
  distinctAggregate: (value) => sql`count(DISTINCT ${value})`,
  distinctCount: (aggregated) => aggregated,
}

type Wanted = PointInTimeInput['features'][number]

/**
 * One window expression per windowed feature, `, <aggregate> OVER (<partition> RANGE …) AS __keel_w<i>`,
 * over the value column `__keel_v<i>`: the frame is (asOf - window, asOf] in whole microseconds,
 * `window - 1` back, and peers (events at asOf) included.
 */
export function windowColumns(windowed: readonly Wanted[], partition: Sql, dialect: PointInTimeDialect): Sql[] {
  return windowed.map(({ feature: f }, i) => {
    const frame = sql`(${partition} RANGE BETWEEN ${dialect.offset((f.windowMs as number) * 1000 - 1)} PRECEDING AND CURRENT ROW)`
    return sql`, ${windowAggregate(f, valueColumn(i), dialect)} OVER ${frame} AS ${ident(`__keel_w${i}`)}`
  })
}

/** The value column of the `i`th windowed feature: the feature's column on events, null on asking rows. */
export function valueColumn(i: number): Sql {
  return ident(`__keel_v${i}`)
}

/** What an event carries in `__keel_v<i>` for windowed feature `f`. */
export function eventValue(f: ResolvedFeature): Sql {
  const d = f.definition
  return 'column' in d && d.column !== null ? ident(d.column) : expr('NULL')
}

/**
 * Every feature's output column, null unless the entity is alive at the row's time (an event at
 * or before it, `__keel_last`, no older than the TTL): windowed ones from `__keel_w<i>`, the others
 * from `point(j)`, the `j`th point feature's value on the latest event.
 */
export function answerColumns(view: ResolvedFeatureView, features: readonly Wanted[], point: (j: number) => Sql, dialect: PointInTimeDialect): Sql[] {
  const windowed = features.filter((f) => f.feature.windowMs !== null)
  const pointFeatures = features.filter((f) => f.feature.windowMs === null)
  const alive =
    view.ttlMs === null
      ? sql`__keel_last IS NOT NULL`
      : sql`__keel_last IS NOT NULL AND __keel_t - __keel_last <= ${expr(String(Math.round(view.ttlMs * 1000)))}`
  return features.map((f) => {
    const w = windowed.indexOf(f)
    const value = w >= 0 ? windowOutput(f.feature, ident(`__keel_w${w}`), dialect) : point(pointFeatures.indexOf(f))
    return sql`CASE WHEN ${alive} THEN ${value} END AS ${ident(f.column)}`
  })
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
  const askTime = epochMicros(
    ident(input.entityTime),
    checkEntityColumns(view, entityCols, input.entityTime, input.features),
    `the entity rows' "${input.entityTime}"`,
  )
  const keyTypes = view.entities.map((k) => columnType(eventCols, k, source))

  const keys = view.entities.map((k) => ident(k))
  const windowed = input.features.filter((f) => f.feature.windowMs !== null)
  const pointFeatures = input.features.filter((f) => f.feature.windowMs === null)
  const eventValues = windowed.map((f, i) => sql`${eventValue(f.feature)} AS ${valueColumn(i)}`)
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
  const outputs = answerColumns(view, input.features, (j) => sql`__keel_latest_value.${ident(`f${j}`)}`, duckdb)
  return sql`WITH numbered AS (${input.entities}),
  stream AS (${events} UNION ALL BY NAME ${asks}),
  windows AS (
    SELECT ${ident(ROW)}, __keel_t,
      max(CASE WHEN __keel_ev = 1 THEN __keel_t END) OVER ${upTo} AS __keel_last,
      last_value(__keel_latest IGNORE NULLS) OVER ${upTo} AS __keel_latest_value${join(windowColumns(windowed, partition, duckdb), expr(''))}
    FROM stream
    QUALIFY __keel_ev = 0
  ),
  answers AS (SELECT ${ident(ROW)}, CAST(__keel_last // 1000 AS BIGINT) AS ${ident(LAST_EVENT)}, ${join(outputs)} FROM windows)
  SELECT numbered.*, answers.* EXCLUDE (${ident(ROW)}) FROM numbered LEFT JOIN answers USING (${ident(ROW)}) ORDER BY numbered.${ident(ROW)}`
}

/** The value of point feature `f` (`latest`, row-level SQL) on an event. */
export function pointExpression(f: ResolvedFeature): Sql {
  const d = f.definition
  if (d.kind === 'latest') return ident(d.column)
  if (d.kind === 'sql') return sql`(${d.expression})`
  throw new KeelError('INTERNAL', `feature ${f.name} is windowed`)
}

function windowAggregate(f: ResolvedFeature, value: Sql, dialect: PointInTimeDialect): Sql {
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
      return dialect.distinctAggregate(value)
    default:
      throw new KeelError('INTERNAL', `feature ${f.name} is not windowed`)
  }
}

/** Sums and counts over no events are 0 for an entity that is alive; mean, min and max are null. */
function windowOutput(f: ResolvedFeature, value: Sql, dialect: PointInTimeDialect): Sql {
  const kind = f.definition.kind
  if (kind === 'count') return sql`coalesce(CAST(${value} AS BIGINT), 0)`
  if (kind === 'distinct') return sql`coalesce(${dialect.distinctCount(value)}, 0)`
  return kind === 'sum' ? sql`coalesce(${value}, 0)` : value
}
