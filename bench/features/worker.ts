/**
 * One measurement in its own process (so peak RSS is its own): `generate <dir>`, `keel <dir>`
 * (latest values with a TTL), `keel-windows <dir>` (the same plus two windowed aggregations) or
 * `asof <dir>` (DuckDB's ASOF JOIN written by hand). Prints one JSON line.
 */
import { join } from 'node:path'
import { expr, literal, sql } from '../../src/data/sql.js'
import { pointInTimeQuery } from '../../src/features/point-in-time.js'
import { openDuckDbEngine } from '../../src/stores/duckdb/duckdb-engine.js'
import { customerView } from './view.js'

const [mode, dir] = process.argv.slice(2) as [string, string]
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000)
const LABELS = Number(process.env.BENCH_LABELS ?? 1_000_000)
const CUSTOMERS = 200_000
const YEAR_MS = 365 * 86_400_000
const TTL_MS = 30 * 86_400_000
const events = join(dir, 'events.parquet')
const labels = join(dir, 'labels.parquet')
const out = join(dir, `${mode}.parquet`)

const engine = await openDuckDbEngine()
const started = performance.now()
let summary: Record<string, unknown> = {}
if (mode === 'generate') {
  // hash-based, so the same rows on every machine and thread count (seed 42)
  const n = (x: number) => expr(String(x))
  const at = (salt: number) => sql`TIMESTAMP '2024-01-01' + to_milliseconds(CAST(hash(i, ${n(salt)}) % ${n(YEAR_MS)} AS BIGINT))`
  await engine.run(
    sql`COPY (SELECT CAST(hash(i, 42) % ${n(CUSTOMERS)} AS BIGINT) AS customer_id, ${at(43)} AS event_time,
      CAST(hash(i, 44) % 10000 AS DOUBLE) / 100 AS amount, ['basic', 'plus', 'pro'][1 + CAST(hash(i, 45) % 3 AS INTEGER)] AS plan
      FROM range(${n(EVENTS)}) t(i)) TO ${literal(events)} (FORMAT PARQUET)`,
  )
  await engine.run(
    sql`COPY (SELECT CAST(hash(i, 46) % ${n(CUSTOMERS)} AS BIGINT) AS customer_id, ${at(47)} AS event_time, CAST(hash(i, 48) % 2 AS INTEGER) AS label
      FROM range(${n(LABELS)}) t(i)) TO ${literal(labels)} (FORMAT PARQUET)`,
  )
  // the same rows as CSV with epoch-ms times, for pandas (no pyarrow here)
  await engine.run(
    sql`COPY (SELECT customer_id, epoch_ms(event_time) AS t, amount, plan FROM read_parquet(${literal(events)})) TO ${literal(join(dir, 'events.csv'))}`,
  )
  await engine.run(
    sql`COPY (SELECT customer_id, epoch_ms(event_time) AS t, label FROM read_parquet(${literal(labels)})) TO ${literal(join(dir, 'labels.csv'))}`,
  )
} else if (mode === 'keel' || mode === 'keel-windows') {
  const view = customerView(mode === 'keel-windows')
  const query = await pointInTimeQuery(engine, {
    view,
    features: view.features.map((feature) => ({ feature, column: feature.name })),
    events: sql`SELECT * FROM read_parquet(${literal(events)})`,
    entities: sql`SELECT * EXCLUDE (file_row_number), file_row_number AS __keel_row FROM read_parquet(${literal(labels)}, file_row_number = true)`,
    entityTime: 'event_time',
  })
  await engine.run(sql`COPY (SELECT * EXCLUDE (__keel_row, __keel_last_event_ms) FROM (${query})) TO ${literal(out)} (FORMAT PARQUET)`)
} else if (mode === 'asof') {
  await engine.run(
    sql`COPY (SELECT l.*, CASE WHEN epoch_ms(l.event_time) - epoch_ms(e.event_time) <= ${expr(String(TTL_MS))} THEN e.amount END AS amount,
      CASE WHEN epoch_ms(l.event_time) - epoch_ms(e.event_time) <= ${expr(String(TTL_MS))} THEN e.plan END AS plan
      FROM read_parquet(${literal(labels)}) l ASOF LEFT JOIN read_parquet(${literal(events)}) e
      ON l.customer_id = e.customer_id AND l.event_time >= e.event_time) TO ${literal(out)} (FORMAT PARQUET)`,
  )
}
const seconds = (performance.now() - started) / 1000
if (mode !== 'generate') {
  const { rows } = await engine.all(sql`SELECT count(*), count(amount), round(sum(amount), 2) FROM read_parquet(${literal(out)})`)
  const [n, present, total] = rows[0] ?? []
  summary = { rows: Number(n), present: Number(present), amountSum: Number(total) }
}
await engine.close()
console.log(JSON.stringify({ mode, seconds, peakRssMB: process.resourceUsage().maxRSS / 1024, ...summary }))
