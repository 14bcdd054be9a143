/**
 * @module Prepares the learning benchmark's data sets once, as CSV split files under a git-ignored cache.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'

export type BenchTask = 'binary' | 'regression'

export interface Dataset {
  readonly name: string
  readonly task: BenchTask
  readonly label: string
  readonly source: string
  readonly description: string
  readonly train: string
  readonly test: string
  readonly trainRows: number
  readonly testRows: number
}

export const CACHE = join(import.meta.dirname, '..', '.cache', 'learn')

const FEATURES = `
  hour(date) AS hour,
  minute(date) AS minute,
  dayofweek(date) AS weekday,
  month(date) AS month,
  day(date) AS monthday,
  distance,
  origin_code,
  destination_code`

// Airport codes become alphabetical integer codes so that every learner, peers
// included, sees the same purely numeric features.
const ENCODED = `
  WITH airports AS (SELECT DISTINCT origin AS code FROM src UNION SELECT DISTINCT destination FROM src),
  codes AS (SELECT code, row_number() OVER (ORDER BY code) - 1 AS id FROM airports)
  SELECT src.*, o.id AS origin_code, d.id AS destination_code
  FROM src JOIN codes o ON o.code = src.origin JOIN codes d ON d.code = src.destination`

interface Spec {
  readonly name: string
  readonly task: BenchTask
  readonly label: string
  readonly labelSql: string
  /** Which sixth of the 3M flights (by row number) the set takes, so that the sets are disjoint. */
  readonly stratum: number
  readonly trainRows: number
  readonly testRows: number
  readonly description: string
}

const SPECS: readonly Spec[] = [
  {
    name: 'flights-delayed',
    task: 'binary',
    label: 'delayed',
    labelSql: 'CAST(delay > 15 AS INTEGER)',
    stratum: 0,
    trainRows: 400_000,
    testRows: 100_000,
    description: 'US domestic flights, Jan–Jun 2001: arrival delayed by more than 15 minutes, from departure time, calendar, distance and airports',
  },
  {
    name: 'flights-delay-minutes',
    task: 'regression',
    label: 'delay',
    labelSql: 'CAST(delay AS DOUBLE)',
    stratum: 3,
    trainRows: 160_000,
    testRows: 40_000,
    description: 'US domestic flights, Jan–Jun 2001, a sample disjoint from the binary set: arrival delay in minutes, from the same features',
  },
]

/**
 * The flights file shipped by the `vega-datasets` npm package (a devDependency).
 *
 * @example
 * ```ts
 * flightsSource() // '/…/node_modules/vega-datasets/data/flights-3m.parquet'
 * ```
 */
export function flightsSource(): string {
  const require = createRequire(import.meta.url)
  // The package exports only its JS entry (build/index.js); the data folder sits beside build/.
  return join(require.resolve('vega-datasets'), '..', '..', 'data', 'flights-3m.parquet')
}

/**
 * Writes the split files unless they are already cached; returns their descriptions.
 *
 * @example
 * ```ts
 * const [binary, regression] = await prepareDatasets() // binary.train: '…/bench/.cache/learn/flights-delayed.train.csv'
 * ```
 */
export async function prepareDatasets(): Promise<Dataset[]> {
  mkdirSync(CACHE, { recursive: true })
  const source = flightsSource()
  const sets = SPECS.map((spec) => ({
    name: spec.name,
    task: spec.task,
    label: spec.label,
    source: 'npm vega-datasets 3.2.1, data/flights-3m.parquet',
    description: spec.description,
    train: join(CACHE, `${spec.name}.train.csv`),
    test: join(CACHE, `${spec.name}.test.csv`),
    trainRows: spec.trainRows,
    testRows: spec.testRows,
  }))
  const missing = SPECS.filter((_, i) => !existsSync(sets[i]?.test ?? ''))
  if (missing.length > 0) await writeSplits(source, missing)
  return sets
}

async function writeSplits(source: string, specs: readonly Spec[]): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    await connection.run(`CREATE TEMP TABLE src AS SELECT *, row_number() OVER () - 1 AS rn FROM read_parquet('${source}')`)
    await connection.run(`CREATE TEMP TABLE encoded AS ${ENCODED}`)
    for (const spec of specs) {
      // Ordering by a hash of the row number is a seeded shuffle: the same split on every machine.
      await connection.run(`CREATE OR REPLACE TEMP TABLE picked AS
        SELECT ${FEATURES}, ${spec.labelSql} AS ${spec.label}, row_number() OVER (ORDER BY hash(rn), rn) - 1 AS k
        FROM encoded WHERE rn % 6 = ${spec.stratum} AND delay IS NOT NULL`)
      const cols = `hour, minute, weekday, month, monthday, distance, origin_code, destination_code, ${spec.label}`
      await connection.run(`COPY (SELECT ${cols} FROM picked WHERE k < ${spec.trainRows} ORDER BY k) TO '${join(CACHE, `${spec.name}.train.csv`)}' (HEADER)`)
      await connection.run(
        `COPY (SELECT ${cols} FROM picked WHERE k >= ${spec.trainRows} AND k < ${spec.trainRows + spec.testRows} ORDER BY k) TO '${join(CACHE, `${spec.name}.test.csv`)}' (HEADER)`,
      )
    }
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

/**
 * A 1M × 20 numeric CSV with a binary label `label`, for the memory and reader measurements.
 *
 * @example
 * ```ts
 * const path = await prepareScaleFile() // '…/bench/.cache/learn/synthetic-1000000x20.csv'
 * ```
 */
export async function prepareScaleFile(rows = 1_000_000, features = 20): Promise<string> {
  const path = join(CACHE, `synthetic-${rows}x${features}.csv`)
  if (existsSync(path)) return path
  mkdirSync(CACHE, { recursive: true })
  const cols = Array.from({ length: features }, (_, j) => `round(random() * 100, 4) AS f${j}`).join(', ')
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    await connection.run('SELECT setseed(0.42)')
    await connection.run(`CREATE TEMP TABLE x AS SELECT ${cols} FROM range(${rows})`)
    await connection.run(`COPY (SELECT *, CAST(f0 + f1 - f2 + 10 * sin(f3) > 50 AS INTEGER) AS label FROM x) TO '${path}' (HEADER)`)
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
  return path
}
