/**
 * @module The point-in-time SQL for PostgreSQL (11 or newer: `RANGE <offset> PRECEDING` frames),
 * with the semantics of the DuckDB query: the events of the source query and the asking rows
 * merged and ordered by time per entity key, one window expression per feature (shared with
 * DuckDB), the latest event's point features through a running event count instead of
 * `last_value(… IGNORE NULLS)`, and separate columns instead of a struct.
 */
import { KeelError } from '../../core/errors.js'
import { expr, ident, join, type Sql, sql } from '../../data/sql.js'
import type { ResolvedFeatureView } from '../feature-view.js'
import {
  answerColumns,
  eventValue,
  LAST_EVENT,
  type PointInTimeDialect,
  type PointInTimeInput,
  pointExpression,
  ROW,
  valueColumn,
  windowColumns,
} from '../point-in-time.js'

const postgres: PointInTimeDialect = {
  offset: (micros) => expr(`CAST(${micros} AS BIGINT)`),
  // no DISTINCT in window aggregates: the window's values, counted afterwards
  distinctAggregate: (value) => sql`array_agg(${value})`,
  distinctCount: (values) => sql`(SELECT count(DISTINCT __keel_x) FROM unnest(${values}) AS __keel_x)`,
}

/** The CTE holding the events (keys, `__keel_t` in epoch µs, values): `asks` may read it. */
export const EVENTS = '__keel_events'

export interface PostgresPointInTime {
  readonly view: ResolvedFeatureView
  readonly features: PointInTimeInput['features']
  /** The source's query, run as a subquery. */
  readonly query: string
  /** The PostgreSQL type of the view's timestamp column (`format_type`). */
  readonly timeType: string
  /**
   * The asking rows: the view's key columns (of the source's types), `__keel_t` (epoch µs) and
   * `__keel_row`; may select from the `__keel_events` CTE.
   */
  readonly asks: Sql
}

/** Epoch microseconds of a PostgreSQL column, by its type: timestamps and dates as they are, numbers as epoch milliseconds. */
export function postgresEpochMicros(column: Sql, type: string, where: string): Sql {
  const t = type.toLowerCase()
  if (t.startsWith('timestamp')) return sql`CAST(round(extract(epoch FROM ${column}) * 1000000) AS BIGINT)`
  if (t === 'date') return sql`CAST(extract(epoch FROM CAST(${column} AS timestamp)) * 1000000 AS BIGINT)`
  if (/^(smallint|integer|bigint|real|double precision|numeric.*)$/.test(t)) return sql`CAST(round(CAST(${column} AS numeric) * 1000) AS BIGINT)`
  throw new KeelError('FEATURE_VIEW_INVALID', `${where} has type ${type}; a time must be a timestamp, a date or epoch milliseconds`)
}

/**
 * The query answering `input` on PostgreSQL: one row per asking row with a key and a time,
 * `__keel_row`, the keys, `__keel_last_event_ms` and the features (rows without a key or a time
 * are left out: the caller's left join gives them nulls).
 */
export function postgresPointInTimeQuery(input: PostgresPointInTime): Sql {
  const { view } = input
  const keys = view.entities.map((k) => ident(k))
  const windowed = input.features.filter((f) => f.feature.windowMs !== null)
  const pointFeatures = input.features.filter((f) => f.feature.windowMs === null)
  const time = postgresEpochMicros(ident(view.timestamp), input.timeType, `the source of feature view "${view.name}"'s "${view.timestamp}"`)
  const carried = [...windowed.map((_, i) => valueColumn(i)), ...pointFeatures.map((_, j) => pointColumn(j))]
  const eventColumns = [
    ...windowed.map((f, i) => sql`${eventValue(f.feature)} AS ${valueColumn(i)}`),
    ...pointFeatures.map((f, j) => sql`${pointExpression(f.feature)} AS ${pointColumn(j)}`),
  ]
  const notNull = (columns: readonly Sql[]) =>
    join(
      columns.map((k) => sql`${k} IS NOT NULL`),
      expr(' AND '),
    )
  const tail = (items: readonly Sql[]) =>
    join(
      items.map((c) => sql`, ${c}`),
      expr(''),
    )
  const partition = sql`PARTITION BY ${join(keys)} ORDER BY __keel_t`
  const upTo = sql`(${partition} RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`
  // __keel_g numbers the events in time order, events before asking rows at the same time, so an
  // asking row shares its number with its latest event at or before its time (0: none)
  const latest = pointFeatures.map(
    (_, j) => sql`first_value(${pointColumn(j)}) OVER (PARTITION BY ${join(keys)}, __keel_g ORDER BY __keel_ev DESC) AS ${ident(`__keel_latest${j}`)}`,
  )
  const outputs = answerColumns(view, input.features, (j) => ident(`__keel_latest${j}`), postgres)
  return sql`WITH ${ident(EVENTS)} AS (
    SELECT ${join(keys)}, ${time} AS __keel_t, 1 AS __keel_ev, CAST(NULL AS BIGINT) AS ${ident(ROW)}${tail(eventColumns)}
    FROM (${expr(input.query)}) AS __keel_source WHERE ${notNull([...keys, ident(view.timestamp)])}
  ),
  __keel_asks AS (${input.asks}),
  __keel_stream AS (
    SELECT ${join(keys)}, __keel_t, __keel_ev, ${ident(ROW)}${tail(carried)} FROM ${ident(EVENTS)}
    UNION ALL
    SELECT ${join(keys)}, __keel_t, 0, ${ident(ROW)}${tail(carried.map(() => expr('NULL')))} FROM __keel_asks WHERE ${notNull([...keys, expr('__keel_t')])}
  ),
  __keel_grouped AS (
    SELECT *, count(*) FILTER (WHERE __keel_ev = 1) OVER (PARTITION BY ${join(keys)} ORDER BY __keel_t, __keel_ev DESC ROWS UNBOUNDED PRECEDING) AS __keel_g
    FROM __keel_stream
  ),
  __keel_windows AS (
    SELECT ${ident(ROW)}, ${join(keys)}, __keel_t, __keel_ev,
      max(CASE WHEN __keel_ev = 1 THEN __keel_t END) OVER ${upTo} AS __keel_last${tail(latest)}${join(windowColumns(windowed, partition, postgres), expr(''))}
    FROM __keel_grouped
  )
  SELECT ${ident(ROW)}, ${join(keys)}, CAST(__keel_last / 1000 AS BIGINT) AS ${ident(LAST_EVENT)}, ${join(outputs)}
  FROM __keel_windows WHERE __keel_ev = 0`
}

function pointColumn(j: number): Sql {
  return ident(`__keel_p${j}`)
}
