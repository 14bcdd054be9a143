/**
 * @module One Keel measurement of the drift benchmark, in its own process so that its peak RSS is
 * its own. `setup <cache>` writes the project, trains the model and logs the window's predictions;
 * `read <cache>` times the store reads of a pass; `stats <cache>` times `driftPass` over the window
 * already in memory. Keel comes from the built
 * package (dist/), as `keel monitor run` runs it. Prints one JSON line.
 */
import { mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { drift, openProject, referenceProfile, train } from '../../dist/index.js'
import type { PredictionRecord } from '../../dist/stores/metadata-store.js'
import { CATEGORICAL, type DriftData, LABEL, MODEL, MONITOR, NUMERIC, Random, readSet } from './data.js'

const ROOT = join(import.meta.dirname, '..', '..')
/** Predictions per `logPredictions` call, as the server's prediction log flushes them in batches. */
const LOG_BATCH = 10_000
/** The window's predictions span this much time, ending a little before the setup finishes. */
const SPAN_MS = 50 * 60 * 1000

const peakRssMB = () => process.resourceUsage().maxRSS / 1024
const seconds = (since: number) => (performance.now() - since) / 1000
const emit = (result: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...result, peakRssMB: peakRssMB() })}\n`)

/** keel.config.ts: the dataset, a linear model (cheap to train on 100k rows), the deployment and its monitor. */
const CONFIG = `import { csv, dataset, defineProject, deployment, model, monitor } from 'keel'
export default defineProject({
  name: 'bench-drift',
  datasets: { customers: dataset({ source: csv('${join('..', 'reference.csv')}') }) },
  models: { ${MODEL}: model({ data: 'customers', label: '${LABEL}', candidates: { linear: { learner: 'linear' } } }) },
  deployments: { ${MODEL}: deployment({ model: '${MODEL}' }) },
  monitors: { ${MONITOR}: monitor({ deployment: '${MODEL}', window: '1d' }) },
})
`

/** The project folder, as a user's: package.json, node_modules/keel → this checkout (built), keel.config.ts. */
function writeProject(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'node_modules'), { recursive: true })
  symlinkSync(ROOT, join(dir, 'node_modules', 'keel'))
  writeFileSync(join(dir, 'package.json'), '{"type":"module","private":true}\n')
  writeFileSync(join(dir, 'keel.config.ts'), CONFIG)
}

/** Row i of the window as the server logs it: inputs as JSON, the output, a latency. */
function record(data: DriftData, i: number, start: number, version: number, r: Random): PredictionRecord {
  const inputs: Record<string, number | string> = {}
  NUMERIC.forEach((c, j) => {
    inputs[c.name] = (data.numeric[j] as Float64Array)[i] as number
  })
  CATEGORICAL.forEach((c, j) => {
    inputs[c.name] = c.levels[(data.codes[j] as Uint8Array)[i] as number] as string
  })
  const json = JSON.stringify(inputs)
  return {
    id: `p${String(i).padStart(7, '0')}`,
    deployment: MODEL,
    model: MODEL,
    version,
    alias: 'champion',
    at: start + Math.floor((i * SPAN_MS) / data.rows),
    inputs: json,
    inputsHash: String(i),
    output: String(Math.round((2 + r.normal()) * 1e4) / 1e4),
    latencyMs: Math.round((0.2 + 0.1 * r.next()) * 1000) / 1000,
    fallback: false,
    shadow: null,
    sampleRate: 1,
  }
}

async function setup(cache: string): Promise<void> {
  const dir = join(cache, 'project')
  writeProject(dir)
  const project = await openProject(dir, { search: false })
  try {
    let started = performance.now()
    const trained = await train(project, MODEL, { user: 'bench' })
    const trainSeconds = seconds(started)
    const version = trained.version?.version
    if (version === undefined) throw new Error(`training registered no version: ${JSON.stringify(trained.gates)}`)
    const window = readSet(cache, 'window')
    const r = new Random(4)
    const start = Date.now() - SPAN_MS - 60_000
    started = performance.now()
    for (let i = 0; i < window.rows; i += LOG_BATCH) {
      const batch = Array.from({ length: Math.min(LOG_BATCH, window.rows - i) }, (_, k) => record(window, i + k, start, version, r))
      await project.metadata.logPredictions(batch)
    }
    const insertSeconds = seconds(started)
    // computed by the first pass and cached per model version; done here so the timed pass is a steady-state one
    started = performance.now()
    await referenceProfile(project, MODEL, version)
    const referenceSeconds = seconds(started)
    await project.close()
    const db = statSync(join(dir, '.keel', 'keel.db'), { throwIfNoEntry: false })
    emit({
      trainSeconds,
      insertSeconds,
      referenceSeconds,
      version,
      selected: trained.selected,
      predictions: window.rows,
      databaseMB: (db?.size ?? 0) / 2 ** 20,
    })
  } catch (error) {
    await project.close()
    throw error
  }
}

/** The window as the monitor hands it to the statistics: Float64Arrays and arrays of labels. */
function currentColumns(data: DriftData): Record<string, Float64Array | string[]> {
  return Object.fromEntries([
    ...NUMERIC.map((c, j) => [c.name, data.numeric[j] as Float64Array]),
    ...CATEGORICAL.map((c, j) => [c.name, Array.from(data.codes[j] as Uint8Array, (k) => c.levels[k] as string)]),
  ])
}

/** The same tests scipy runs for the second comparison: KS for numbers, χ² for categories. */
const PVALUE_TESTS = Object.fromEntries([
  ...NUMERIC.map((c) => [c.name, { test: 'ks' as const }]),
  ...CATEGORICAL.map((c) => [c.name, { test: 'chisquare' as const }]),
])

async function stats(cache: string): Promise<void> {
  let started = performance.now()
  const reference = currentColumns(readSet(cache, 'reference'))
  const current = currentColumns(readSet(cache, 'window'))
  const loadSeconds = seconds(started)
  started = performance.now()
  // what the monitor stores once per model version
  const sketches = Object.fromEntries(
    Object.entries(reference).map(([name, values]) => [name, Array.isArray(values) ? drift.sketchCategorical(values) : drift.sketchNumeric(values)]),
  )
  const sketchSeconds = seconds(started)
  const afterLoad = peakRssMB()
  started = performance.now()
  const defaults = await drift.driftPass(sketches, (name) => current[name] as Float64Array | string[])
  const defaultSeconds = seconds(started)
  started = performance.now()
  const pValues = await drift.driftPass(sketches, (name) => current[name] as Float64Array | string[], { columns: PVALUE_TESTS })
  const pValueSeconds = seconds(started)
  const scores = (pass: typeof defaults) =>
    Object.fromEntries(
      pass.columns.map((c) => [
        c.column,
        { test: c.test, statistic: c.statistic, ...(c.pValue === undefined ? {} : { pValue: c.pValue }), drifted: c.drifted },
      ]),
    )
  emit({
    loadSeconds,
    sketchSeconds,
    defaultSeconds,
    pValueSeconds,
    peakRssAfterLoadMB: afterLoad,
    defaults: scores(defaults),
    pValues: scores(pValues),
  })
}

/**
 * The store reads of a pass on their own: the window's rows (ids, outputs, latencies, labels),
 * then all 20 features in one scan as `runMonitor` reads them, then one numeric and one
 * categorical feature column alone, as the HTML report reads each.
 */
async function read(cache: string): Promise<void> {
  const project = await openProject(join(cache, 'project'), { search: false })
  try {
    const now = Date.now()
    const window = { deployment: MODEL, since: now - 24 * 3600 * 1000, until: now }
    let started = performance.now()
    const rows = (await project.metadata.windowRows(window)).length
    const windowRowsSeconds = seconds(started)
    started = performance.now()
    const fields = [...NUMERIC, ...CATEGORICAL].map((c) => c.name)
    await project.metadata.windowInputs(window, fields, () => undefined)
    const windowInputsSeconds = seconds(started)
    const columns: Record<string, number> = {}
    for (const column of [NUMERIC[0]?.name, CATEGORICAL[1]?.name] as string[]) {
      started = performance.now()
      await project.metadata.windowColumn(window, column)
      columns[column] = seconds(started)
    }
    emit({ rows, windowRowsSeconds, windowInputsSeconds, windowColumnSeconds: columns })
  } finally {
    await project.close()
  }
}

const [mode, cache] = process.argv.slice(2)
if (mode === 'setup' && cache !== undefined) await setup(cache)
else if (mode === 'stats' && cache !== undefined) await stats(cache)
else if (mode === 'read' && cache !== undefined) await read(cache)
else {
  process.stderr.write('usage: keel-worker.ts setup <cache> | stats <cache> | read <cache>\n')
  process.exitCode = 64
}
