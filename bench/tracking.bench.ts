/**
 * Metric logging throughput: 10,000 sequential `run.logMetric` calls, each an
 * awaited, durable write, on SQLite and on PostgreSQL. The peer a user would
 * otherwise pick, MLflow, cannot be installed on this machine (it is neither a
 * Debian package nor reachable from the npm registry), so each backend is
 * measured against the floor under it: the same number of single-row INSERTs
 * through the bare driver, into a table of the same shape, in the same run.
 *
 * Run: npm run bench   (writes bench/results/tracking.{json,md})
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { openProject } from '../src/project.js'

const POINTS = 10_000
const REPEATS = 3
const PG_URL = process.env.KEEL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test'

interface Result {
  readonly backend: string
  readonly keelMs: number
  readonly driverMs: number
}

async function keelLogging(dir: string, metadataUrl: string): Promise<number> {
  const project = await openProject(dir, { metadataUrl })
  try {
    const run = await project.tracking.startRun({ experiment: 'bench' })
    const start = performance.now()
    for (let i = 0; i < POINTS; i++) await run.logMetric('loss', 1 / (i + 1), { step: i })
    const ms = performance.now() - start
    await run.end()
    return ms
  } finally {
    await project.close()
  }
}

function sqliteFloor(path: string): number {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec('CREATE TABLE m (seq INTEGER PRIMARY KEY, run_id TEXT, key TEXT, step INTEGER, timestamp INTEGER, value REAL, is_nan INTEGER)')
  db.exec('CREATE INDEX m_key ON m (run_id, key, step)')
  const insert = db.prepare('INSERT INTO m (run_id, key, step, timestamp, value, is_nan) VALUES (?, ?, ?, ?, ?, 0)')
  const start = performance.now()
  for (let i = 0; i < POINTS; i++) insert.run('r', 'loss', i, Date.now(), 1 / (i + 1))
  const ms = performance.now() - start
  db.close()
  return ms
}

async function postgresFloor(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    await client.query(`CREATE SCHEMA "${schema}"`)
    await client.query(
      `CREATE TABLE "${schema}".m (seq BIGSERIAL PRIMARY KEY, run_id TEXT, key TEXT, step BIGINT, timestamp BIGINT, value DOUBLE PRECISION, is_nan INTEGER)`,
    )
    await client.query(`CREATE INDEX ON "${schema}".m (run_id, key, step)`)
    const start = performance.now()
    for (let i = 0; i < POINTS; i++) {
      await client.query(`INSERT INTO "${schema}".m (run_id, key, step, timestamp, value, is_nan) VALUES ($1, $2, $3, $4, $5, 0)`, [
        'r',
        'loss',
        i,
        Date.now(),
        1 / (i + 1),
      ])
    }
    return performance.now() - start
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await client.end()
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-'))
  writeFileSync(join(dir, 'keel.config.ts'), "export default { name: 'bench' }\n")
  const results: Result[] = []
  try {
    const sqlite = { keel: [] as number[], driver: [] as number[] }
    const postgres = { keel: [] as number[], driver: [] as number[] }
    for (let r = 0; r < REPEATS; r++) {
      sqlite.keel.push(await keelLogging(dir, `sqlite:keel-${r}.db`))
      sqlite.driver.push(sqliteFloor(join(dir, `floor-${r}.db`)))
      const schema = `keel_bench_${process.pid}_${r}`
      postgres.keel.push(await keelLogging(dir, `${PG_URL}?schema=${schema}`))
      await dropSchema(schema)
      postgres.driver.push(await postgresFloor(`${schema}_floor`))
      process.stderr.write(`round ${r + 1}/${REPEATS} done\n`)
    }
    results.push({ backend: 'sqlite', keelMs: median(sqlite.keel), driverMs: median(sqlite.driver) })
    results.push({ backend: 'postgres', keelMs: median(postgres.keel), driverMs: median(postgres.driver) })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  report(results)
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await client.end()
}

function report(results: Result[]): void {
  const rows = results.map((r) => ({
    backend: r.backend,
    points: POINTS,
    keelMs: Math.round(r.keelMs),
    keelPointsPerSecond: Math.round((POINTS / r.keelMs) * 1000),
    driverMs: Math.round(r.driverMs),
    ratioToDriver: Number((r.keelMs / r.driverMs).toFixed(2)),
  }))
  const machine = { node: process.version, cpus: 2, date: new Date().toISOString().slice(0, 10), repeats: REPEATS, statistic: 'median' }
  const out = new URL('./results/', import.meta.url)
  writeFileSync(
    new URL('tracking.json', out),
    `${JSON.stringify({ benchmark: 'metric logging, sequential awaited writes', machine, results: rows }, null, 2)}\n`,
  )
  const md = [
    '# Metric logging: 10,000 sequential `run.logMetric` calls',
    '',
    `Median of ${REPEATS} runs, Node ${process.version}, 2 cores. "Driver floor" is the same number of single-row INSERTs through the bare driver into a table of the same shape; MLflow, the usual peer, cannot be installed on this machine.`,
    '',
    '| backend | Keel (ms) | points/s | driver floor (ms) | Keel / floor |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.backend} | ${r.keelMs} | ${r.keelPointsPerSecond} | ${r.driverMs} | ${r.ratioToDriver}× |`),
    '',
  ].join('\n')
  writeFileSync(new URL('tracking.md', out), md)
  process.stdout.write(md)
}

await main()
