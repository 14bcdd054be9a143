/**
 * @module `npm run bench:learn`: Keel's learners against XGBoost and scikit-learn on the same real data and splits.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem, type } from 'node:os'
import { join, relative } from 'node:path'
import { type Outcome, PEER_LEARNERS, PYTHON, peerVersions, runKeelLearner, runKeelRead, runKeelScale, runPeer } from './children.js'
import { type Dataset, prepareDatasets, prepareScaleFile } from './data.js'
import { KEEL_LEARNERS, type KeelLearnerName } from './keel-worker.js'
import { type BenchReport, compare, type DatasetResult, markdown } from './report.js'

const ROOT = join(import.meta.dirname, '..', '..')
const RESULTS = join(ROOT, 'bench', 'results')

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`)
}

function summary(o: Outcome): string {
  if (!o.available) return `not available (${o.reason})`
  const metric = typeof o.auc === 'number' ? `AUC ${o.auc.toFixed(4)}` : typeof o.rmse === 'number' ? `RMSE ${o.rmse.toFixed(3)}` : ''
  return `fit ${Number(o.fitSeconds).toFixed(2)} s, ${metric}`
}

async function runDataset(set: Dataset, peersAvailable: boolean): Promise<DatasetResult> {
  const outcomes: Outcome[] = []
  for (const name of PEER_LEARNERS) {
    const outcome = peersAvailable ? await runPeer(name, set) : { learner: name, available: false, reason: 'Python peers not installed' }
    log(`${set.name} ${name}: ${summary(outcome)}`)
    outcomes.push(outcome)
  }
  for (const name of Object.keys(KEEL_LEARNERS) as KeelLearnerName[]) {
    const outcome = await runKeelLearner(name, set)
    log(`${set.name} keel ${name}: ${summary(outcome)}`)
    outcomes.push(outcome)
  }
  const dataset = { ...set, train: relative(ROOT, set.train), test: relative(ROOT, set.test) }
  return { dataset, outcomes, comparisons: compare(outcomes, set.task === 'binary' ? 'auc' : 'rmse') }
}

function keelVersions(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> }
  return { node: process.version, keel: pkg.version, '@duckdb/node-api': pkg.dependencies['@duckdb/node-api'] ?? '?' }
}

async function main(): Promise<void> {
  // The load average shows whether other work shared the machine during the run.
  const loadBefore = loadavg()[0] ?? 0
  log('preparing data (cached under bench/.cache/learn)')
  const sets = await prepareDatasets()
  const scaleFile = await prepareScaleFile()
  const python = await peerVersions()
  if (!python.available) log(`skipping the Python peers: ${python.reason}`)
  const datasets: DatasetResult[] = []
  for (const set of sets) datasets.push(await runDataset(set, python.available))
  log('readFrame on 1M × 20')
  const reader = await runKeelRead(scaleFile)
  log('GBDT on 1M × 20')
  const scale = await runKeelScale(scaleFile, 'label')
  const cpu = cpus()
  const { available: _, ...pythonVersions } = python
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: {
      cpu: cpu[0]?.model ?? 'unknown',
      cores: cpu.length,
      memoryGB: Math.round(totalmem() / 2 ** 30),
      os: type(),
      loadAverage: `${loadBefore.toFixed(2)} before, ${(loadavg()[0] ?? 0).toFixed(2)} after`,
    },
    versions: { ...keelVersions(), ...(python.available ? pythonVersions : { python: python.reason }) },
    commands: [
      'npm ci',
      'npm run bench:learn',
      `# peers: ${PYTHON} bench/learn/peers.py --learner <name> --task <task> --label <col> --train <csv> --test <csv>`,
    ],
    datasets,
    reader,
    scale,
    notes: [
      'Keel GBDT at nThreads 1 (gbdt) and 2 (gbdt-2, compared with XGBoost at 2); Keel forest, logistic regression and all prediction single-threaded; XGBoost at nthread 1 and 2; scikit-learn single-threaded (RF n_jobs=1; OMP_NUM_THREADS=1 for HistGradientBoosting and BLAS).',
      'scikit-learn HistGradientBoosting caps bins at 255 and here has no leaf cap; its logistic regression is standardised first (lbfgs).',
      'Predict time is one batch of 100,000 rows (the test rows, repeated as needed); 1-row latency is the median over 2,000 single-row frames.',
    ],
  }
  mkdirSync(RESULTS, { recursive: true })
  writeFileSync(join(RESULTS, 'learn.json'), `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(join(RESULTS, 'learn.md'), markdown(report))
  log('wrote bench/results/learn.json and bench/results/learn.md')
}

await main()
