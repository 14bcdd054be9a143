/**
 * @module `npm run bench:drift`: a drift pass over 1M logged predictions × 20 features — seconds
 * and peak memory — end to end through `keel monitor run` on the SQLite store, and Keel's
 * statistics alone in memory, against scipy on the same data; and whether the scores agree.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem, type } from 'node:os'
import { join, relative } from 'node:path'
import Database from 'better-sqlite3'
import { keelMonitorRun, keelWorker, type Outcome, PYTHON, runScipy, scipyVersions } from './children.js'
import { CATEGORICAL, describeData, MONITOR, NUMERIC, prepareData } from './data.js'
import { agreement, type DriftReport, markdown, passScores } from './report.js'

const ROOT = join(import.meta.dirname, '..', '..')
const RESULTS = join(ROOT, 'bench', 'results')
const CACHE = join(ROOT, 'bench', '.cache', 'drift')

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`)
}

/** Source files changed since the build: `keel monitor run` runs dist/, so these are not measured. */
function staleBuild(): string[] {
  const builtAt = (path: string) => statSync(join(ROOT, 'dist', path.slice('src/'.length).replace(/\.ts$/, '.js')), { throwIfNoEntry: false })?.mtimeMs ?? 0
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) return walk(path)
      return path.endsWith('.ts') && !path.endsWith('.d.ts') && statSync(join(ROOT, path)).mtimeMs > builtAt(path) ? [path] : []
    })
  return walk('src')
}

/** Fails with the child's reason: every later step needs what this one made. */
function required(label: string, outcome: Outcome): Outcome {
  if (!outcome.available) throw new Error(`${label} failed: ${outcome.reason}`)
  return outcome
}

function versions(python: Outcome): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  const db = new Database(':memory:')
  const sqlite = db.prepare('SELECT sqlite_version()').pluck().get()
  db.close()
  const { available: _, ...peer } = python
  return { node: process.version, keel: pkg.version, sqlite, ...(python.available ? peer : { python: python.reason }) }
}

/** The pass's measurements without its full result (the scores are in `agreement`). */
const withoutResult = ({ result: _, ...rest }: Outcome) => rest

async function main(): Promise<void> {
  if (!statSync(join(ROOT, 'dist', 'index.js'), { throwIfNoEntry: false })) throw new Error('dist/ is missing: run `npm run build` first')
  const stale = staleBuild()
  if (stale.length > 0) log(`warning: ${stale.length} source file(s) newer than dist/ (${stale.slice(0, 3).join(', ')}…); the bench measures dist/`)
  const loadBefore = loadavg()[0] ?? 0
  log('data (cached under bench/.cache/drift)')
  const prepareSeconds = await prepareData(CACHE)
  log('setup: project, training, logging 1M predictions')
  const setup = required('setup', await keelWorker('setup', CACHE))
  log(`setup: train ${Number(setup.trainSeconds).toFixed(1)} s, insert ${Number(setup.insertSeconds).toFixed(1)} s`)
  const project = join(CACHE, 'project')
  log('keel monitor run')
  const pass = required('keel monitor run', await keelMonitorRun(project, MONITOR))
  log(`keel monitor run: ${Number(pass.seconds).toFixed(1)} s, ${Number(pass.peakRssMB).toFixed(0)} MB`)
  log('store reads alone')
  const reads = await keelWorker('read', CACHE)
  log('driftPass in memory')
  const stats = await keelWorker('stats', CACHE)
  log('scipy')
  const python = await scipyVersions()
  const scipy = python.available ? await runScipy(CACHE) : { available: false, reason: `scipy peer not available: ${python.reason}` }
  const loadAfter = loadavg()[0] ?? 0
  const scores = (o: Outcome, key: 'defaults' | 'pValues') => (o[key] ?? {}) as Parameters<typeof agreement>[0][number][1]
  const agree = agreement([
    ['keel monitor run', passScores(pass), scores(scipy, 'defaults')],
    ['driftPass defaults', scores(stats, 'defaults'), scores(scipy, 'defaults')],
    ['driftPass KS + χ²', scores(stats, 'pValues'), scores(scipy, 'pValues')],
  ])
  log(agree.agree ? `scores agree with scipy within ${agree.tolerance}` : `scores differ: ${agree.disagreements.join('; ')}`)
  if (process.env.KEEL_BENCH_KEEP !== '1') rmSync(project, { recursive: true, force: true })
  const cpu = cpus()
  const report: DriftReport & Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGB: Math.round(totalmem() / 2 ** 30), os: type(), loadBefore, loadAfter },
    versions: versions(python),
    commands: ['npm run build', 'npm run bench:drift', `# peer: ${PYTHON} bench/monitor/peers.py --data bench/.cache/drift`],
    build: { distBuiltAt: new Date(statSync(join(ROOT, 'dist', 'index.js')).mtimeMs).toISOString(), sourceNewerThanBuild: stale },
    data: {
      ...(describeData() as { referenceRows: number; windowRows: number }),
      numeric: NUMERIC.length,
      categorical: CATEGORICAL.length,
      columns: { numeric: NUMERIC.map((c) => c.name), categorical: CATEGORICAL.map((c) => c.name) },
      drift: Object.fromEntries([...NUMERIC, ...CATEGORICAL].flatMap((c) => (c.drift ? [[c.name, c.drift]] : []))),
      path: relative(ROOT, CACHE),
      prepareSeconds,
    },
    setup,
    pass: { ...withoutResult(pass), driftedColumns: (pass.result as { drift?: { driftedColumns?: string[] } }).drift?.driftedColumns ?? [] },
    reads,
    stats,
    scipy,
    ratios: ratios(pass, stats, scipy),
    agreement: agree,
    notes: [
      'Every measurement runs in its own process; peak RSS (ru_maxrss) is that process, data loading included.',
      '`keel monitor run` runs the built CLI under plain node, with its reference profile already cached (as after the first pass of a model version); its seconds are wall-clock from spawn to exit.',
      'The in-memory passes get the reference as sketches (sorted values and counts, computed once per model version, sketchSeconds) and the window as Float64Arrays and arrays of strings; scipy gets numpy arrays (float64, and strings from the same codes) and sorts or counts the reference again in every call.',
      `scores agree when |Keel − scipy| ≤ ${agree.tolerance} × max(1, |scipy|), for every statistic and p-value.`,
    ],
  }
  writeFileSync(join(RESULTS, 'drift.json'), `${JSON.stringify(report, null, 2)}\n`)
  const md = markdown(report)
  writeFileSync(join(RESULTS, 'drift.md'), md)
  process.stdout.write(md)
}

/** Keel over scipy: below 1 means Keel is faster or smaller. */
function ratios(pass: Outcome, stats: Outcome, scipy: Outcome): Record<string, number | null> {
  const n = (o: Outcome, key: string) => (typeof o[key] === 'number' ? (o[key] as number) : null)
  const over = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b)
  const scipyLoad = n(scipy, 'loadSeconds')
  const scipyDefaults = n(scipy, 'defaultSeconds')
  return {
    passSecondsOverScipyLoadAndDefaults: over(n(pass, 'seconds'), scipyLoad === null || scipyDefaults === null ? null : scipyLoad + scipyDefaults),
    passSecondsOverScipyDefaults: over(n(pass, 'seconds'), scipyDefaults),
    passPeakRssOverScipy: over(n(pass, 'peakRssMB'), n(scipy, 'peakRssMB')),
    driftPassDefaultsSeconds: over(n(stats, 'defaultSeconds'), scipyDefaults),
    driftPassKsChiSquareSeconds: over(n(stats, 'pValueSeconds'), n(scipy, 'pValueSeconds')),
    driftPassPeakRssOverScipy: over(n(stats, 'peakRssMB'), n(scipy, 'peakRssMB')),
  }
}

await main()
