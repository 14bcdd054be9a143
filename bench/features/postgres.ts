/**
 * `npm run bench:features:postgres`: the point-in-time join pushed down to PostgreSQL against the
 * same join in DuckDB, on the same generated rows (seeded hashes, as `run.ts`). Scaled down from
 * 1M × 10M (PostgreSQL on this machine would take far too long): by default 100k label rows
 * against 1M events (`BENCH_PG_EVENTS`, `BENCH_PG_LABELS`). PostgreSQL at `KEEL_TEST_PG` (default
 * postgres://postgres@127.0.0.1:5432/test), in a schema of its own dropped afterwards.
 * Results in bench/results/features-postgres.{json,md}.
 */
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { expr, sql } from '../../src/data/sql.js'
import { pointInTimeQuery } from '../../src/features/point-in-time.js'
import { answerOnPostgres } from '../../src/features/postgres/pushdown.js'
import { openDuckDbEngine } from '../../src/stores/duckdb/duckdb-engine.js'
import { customerView } from './view.js'

const URL_ = process.env.KEEL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test'
const EVENTS = Number(process.env.BENCH_PG_EVENTS ?? 1_000_000)
const LABELS = Number(process.env.BENCH_PG_LABELS ?? 100_000)
const CUSTOMERS = 20_000
const YEAR_MS = 365 * 86_400_000
const schema = `keel_bench_${randomBytes(4).toString('hex')}`

const view = customerView(true)
const features = view.features.map((feature) => ({ feature, column: feature.name }))

const engine = await openDuckDbEngine()
const client = new pg.Client({ connectionString: URL_ })
await client.connect()
const n = (x: number) => expr(String(x))
const at = (salt: number) => sql`TIMESTAMP '2024-01-01' + to_milliseconds(CAST(hash(i, ${n(salt)}) % ${n(YEAR_MS)} AS BIGINT))`
await engine.run(sql`CREATE TABLE events AS SELECT CAST(hash(i, 42) % ${n(CUSTOMERS)} AS BIGINT) AS customer_id, ${at(43)} AS event_time,
  CAST(hash(i, 44) % 10000 AS DOUBLE) / 100 AS amount, ['basic', 'plus', 'pro'][1 + CAST(hash(i, 45) % 3 AS INTEGER)] AS plan FROM range(${n(EVENTS)}) t(i)`)
await engine.run(sql`CREATE TABLE labels AS SELECT CAST(hash(i, 46) % ${n(CUSTOMERS)} AS BIGINT) AS customer_id, ${at(47)} AS event_time,
  CAST(hash(i, 48) % 2 AS INTEGER) AS label, i AS __keel_row FROM range(${n(LABELS)}) t(i)`)

try {
  let started = performance.now()
  await client.query(`CREATE SCHEMA ${schema}`)
  await client.query(`CREATE TABLE ${schema}.events (customer_id bigint, event_time timestamp, amount double precision, plan text)`)
  for (let offset = 0; offset < EVENTS; offset += 50_000) {
    const { rows } = await engine.all(sql`SELECT * FROM events LIMIT 50000 OFFSET ${n(offset)}`)
    const column = (c: number) => rows.map((r) => String(r[c]))
    await client.query(`INSERT INTO ${schema}.events SELECT * FROM unnest($1::bigint[], $2::timestamp[], $3::float8[], $4::text[])`, [0, 1, 2, 3].map(column))
  }
  await client.query(`ANALYZE ${schema}.events`)
  const loadSeconds = (performance.now() - started) / 1000

  started = performance.now()
  const query = await pointInTimeQuery(engine, {
    view,
    features,
    events: sql`SELECT * FROM events`,
    entities: sql`SELECT * FROM labels`,
    entityTime: 'event_time',
  })
  await engine.run(sql`CREATE TABLE duck AS ${query}`)
  const duckdbSeconds = (performance.now() - started) / 1000

  started = performance.now()
  const read = await answerOnPostgres(
    engine,
    { dataset: 'events', query: `SELECT * FROM ${schema}.events`, url: URL_ },
    { view, features, asks: { rows: sql`SELECT * FROM labels`, entityTime: 'event_time' }, into: 'pushed' },
  )
  const postgresSeconds = (performance.now() - started) / 1000

  const summary = async (table: string) => {
    const { rows } = await engine.all(sql`SELECT count(amount), round(sum(amount), 2), sum(orders_30d), round(sum(spend_7d), 2) FROM ${expr(table)}`)
    return (rows[0] ?? []).map(Number)
  }
  const [duck, pushed] = [await summary('duck'), await summary('pushed')]
  const agree = JSON.stringify(duck) === JSON.stringify(pushed)
  const report = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      postgres: (await client.query('SHOW server_version')).rows[0],
    },
    data: { events: EVENTS, labels: LABELS, customers: CUSTOMERS, span: '365 days', ttl: '30d' },
    seconds: { loadIntoPostgres: loadSeconds, duckdb: duckdbSeconds, postgres: postgresSeconds },
    rowsRead: read.rows,
    summary: { duckdb: duck, postgres: pushed },
    agree,
  }
  const dir = join(import.meta.dirname, '..', 'results')
  writeFileSync(join(dir, 'features-postgres.json'), `${JSON.stringify(report, null, 2)}\n`)
  const f = (x: number) => x.toFixed(2)
  const md = `# Point-in-time join pushed down to PostgreSQL

${report.date.slice(0, 10)}, ${report.machine.cpus} cores (${report.machine.model}), Node ${report.machine.node}, PostgreSQL ${(report.machine.postgres as { server_version: string }).server_version} on the same machine (default settings).
Scaled down from the 1M × 10M benchmark, which PostgreSQL here would not finish in reasonable time: ${LABELS.toLocaleString('en')} label rows against
${EVENTS.toLocaleString('en')} events of ${CUSTOMERS.toLocaleString('en')} customers over a year, generated with the same seeded hashes; TTL 30 days;
features \`latest\` × 2, \`sum(7d)\`, \`count(30d)\`. Times only (both run in one process: no separate peak RSS; PostgreSQL's memory is its own).

| what | seconds |
| --- | ---: |
| Keel in DuckDB (rows already in DuckDB) | ${f(duckdbSeconds)} |
| Keel pushed down to PostgreSQL (labels sent, answers streamed back; events stay in PostgreSQL) | ${f(postgresSeconds)} |
| (setup, not a Keel cost: loading the events into PostgreSQL) | ${f(loadSeconds)} |

The DuckDB row is the computation alone: Keel's DuckDB path for a PostgreSQL source would first stream every event out of
PostgreSQL into a snapshot (contract check, Parquet, artifact store), which push-down never does.

Same values (rows with a value, sums of \`amount\`, \`orders_30d\`, \`spend_7d\`): ${agree ? 'yes' : `NO (${JSON.stringify(duck)} vs ${JSON.stringify(pushed)})`}.
`
  writeFileSync(join(dir, 'features-postgres.md'), md)
  console.log(md)
} finally {
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  await client.end()
  await engine.close()
}
