/**
 * @module One measurement of the batch benchmark, in its own process so that its peak RSS is its
 * own: `prepare <dir> <rows>` writes the data and registers the model, `batch <dir> <input> <output>
 * [memoryLimit]` times `scoreBatch`, `predict <dir> <parquet>` times `model.predict` on the file read into a frame.
 * Prints one JSON line.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { readFrame } from '../../src/data/readers/read-frame.js'
import { learners } from '../../src/learn/learners/index.js'
import { openProject } from '../../src/project.js'
import { scoreBatch } from '../../src/serve/batch.js'

const MODEL = 'churn'
const GBDT_PARAMS = { nTrees: 100, maxDepth: 6, learningRate: 0.1, nThreads: 1 } as const
const TRAIN_ROWS = 50_000

/**
 * Eight features of four kinds, every value a function of the row number (multiplicative hashes
 * modulo primes), so the file is the same on every machine; the label depends on four of them
 * with 10 % of the labels flipped.
 */
const ROWS_SQL = (rows: number) => `
  SELECT i + 1 AS id,
    round(((i * 7919) % 100003) / 100.0, 2) AS amount,
    (i * 31) % 120 AS tenure,
    round(((i * 104729) % 997) / 7.0, 3) AS visits,
    ((i * 13) % 50) / 100.0 AS discount,
    ['basic', 'plus', 'pro', 'team', 'enterprise'][1 + (i * 17) % 5] AS plan,
    'region-' || ((i * 23) % 12) AS region,
    (i * 7) % 3 = 0 AS active,
    TIMESTAMP '2020-01-01' + to_minutes((i * 7919) % 1000000) AS signup,
    ((((i * 31) % 120 < 12 AND (i * 17) % 5 <> 2) OR ((i * 104729) % 997) / 7.0 > 120) <> ((i * 2654435761) % 10 = 0))::INTEGER AS churned
  FROM range(${rows}) t(i)`

function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024
}

function emit(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...result, peakRssMB: peakRssMB() })}\n`)
}

/** The data (CSV and Parquet, full size and a fifth) and a project with the model registered. */
async function prepare(dir: string, rows: number): Promise<void> {
  const project = join(dir, 'project')
  rmSync(project, { recursive: true, force: true })
  mkdirSync(project, { recursive: true })
  // a config without imports: the bench runs from source, with no build of the package
  writeFileSync(join(project, 'keel.config.ts'), "export default { name: 'bench-batch' }\n")
  const connection = await (await DuckDBInstance.create(':memory:')).connect()
  const sizes = { small: Math.round(rows / 5), rows, large: rows * 3 }
  for (const [name, n] of Object.entries(sizes)) {
    const csv = join(dir, `${name}.csv`)
    const parquet = join(dir, `${name}.parquet`)
    // the large file is for the memory curve only, as Parquet
    if (name !== 'large' && !existsSync(csv)) await connection.run(`COPY (${ROWS_SQL(n)}) TO '${csv}' (HEADER)`)
    if (!existsSync(parquet)) await connection.run(`COPY (${ROWS_SQL(n)}) TO '${parquet}' (FORMAT parquet)`)
  }
  connection.closeSync()
  const train = (await readFrame(join(dir, 'rows.parquet'), { limit: TRAIN_ROWS })).drop(['id'])
  const model = await learners.gbdt(GBDT_PARAMS).fit(train, { label: 'churned', task: 'binary' })
  const opened = await openProject(project, { search: false })
  await opened.registry.register({ name: MODEL, model, createdBy: 'bench' })
  await opened.close()
  emit({ ...sizes, features: model.features.length, model: GBDT_PARAMS })
}

async function batch(dir: string, input: string, output: string, memoryLimit?: string): Promise<void> {
  const project = await openProject(join(dir, 'project'), { search: false })
  const cpu = process.cpuUsage()
  const result = await scoreBatch(project, MODEL, { input, output, ...(memoryLimit === undefined ? {} : { memoryLimit }) })
  const used = process.cpuUsage(cpu)
  await project.close()
  rmSync(output, { force: true })
  emit({
    seconds: result.seconds,
    rows: result.rows.in,
    scored: result.rows.scored,
    rejected: result.rows.rejected,
    cpuSeconds: (used.user + used.system) / 1e6,
  })
}

/** `model.predict` on the whole file as one in-memory frame; the read is not timed. Best of three. */
async function predict(dir: string, parquet: string): Promise<void> {
  const project = await openProject(join(dir, 'project'), { search: false })
  const model = await project.registry.loadModel(MODEL)
  await project.close()
  const frame = await readFrame(parquet, { columns: model.features.map((f) => f.name) })
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < 3; i++) {
    const started = performance.now()
    model.predict(frame)
    best = Math.min(best, (performance.now() - started) / 1000)
  }
  emit({ seconds: best, rows: frame.nRows })
}

const [mode, dir, a, b, c] = process.argv.slice(2)
if (mode === 'prepare' && dir !== undefined) await prepare(dir, Number(a ?? 1_000_000))
else if (mode === 'batch' && dir !== undefined && a !== undefined && b !== undefined) await batch(dir, a, b, c)
else if (mode === 'predict' && dir !== undefined && a !== undefined) await predict(dir, a)
else {
  process.stderr.write('usage: batch-worker.ts prepare <dir> [rows] | batch <dir> <input> <output> [memoryLimit] | predict <dir> <parquet>\n')
  process.exitCode = 64
}
