/**
 * @module One Keel measurement per process (so peak RSS is its own), printed as one JSON line.
 *
 * tsx bench/learn/keel-worker.ts learn <gbdt|gbdt-2|forest|logistic> <binary|regression> <label> <train.csv> <test.csv>
 * tsx bench/learn/keel-worker.ts read <file.csv>
 * tsx bench/learn/keel-worker.ts scale <file.csv> <label>
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Frame } from '../../src/core/frame.js'
import { readFrame } from '../../src/data/readers/read-frame.js'
import { rmse, rocAuc } from '../../src/learn/metrics/index.js'
import type { Learner } from '../../src/learn/model.js'
import type { BenchTask } from './data.js'

export const PREDICT_ROWS = 100_000
const LATENCY_ROWS = 2_000
// As in peers.py: timings under 5 s are the best of three, so a busy moment on a shared machine counts less.
const REPEAT_BELOW_SECONDS = 5
const REPEATS = 3

async function bestTime<T>(work: () => T | Promise<T>): Promise<{ seconds: number; result: T }> {
  let best = Number.POSITIVE_INFINITY
  let result: T | undefined
  for (let i = 0; i < REPEATS && (i === 0 || best < REPEAT_BELOW_SECONDS); i++) {
    const start = performance.now()
    result = await work()
    best = Math.min(best, (performance.now() - start) / 1000)
  }
  return { seconds: best, result: result as T }
}

/** Where each Keel learner lives and the parameters the peers get too (bench/learn/peers.py). */
export const KEEL_LEARNERS = {
  gbdt: { file: 'gbdt.ts', factory: 'gbdt', params: { nTrees: 100, maxDepth: 6, learningRate: 0.1, maxBins: 256, seed: 0, nThreads: 1 } },
  'gbdt-2': { file: 'gbdt.ts', factory: 'gbdt', params: { nTrees: 100, maxDepth: 6, learningRate: 0.1, maxBins: 256, seed: 0, nThreads: 2 } },
  forest: { file: 'forest.ts', factory: 'randomForest', params: { nTrees: 100, maxDepth: 12, seed: 0 } },
  logistic: { file: 'logistic.ts', factory: 'logistic', params: { C: 1.0 } },
} as const

export type KeelLearnerName = keyof typeof KEEL_LEARNERS

type LoadResult = { learner: Learner } | { reason: string }

/**
 * Imports a learner by path at run time, so that the bench still runs when one is missing.
 *
 * @example
 * ```ts
 * const loaded = await loadLearner('forest')
 * if ('reason' in loaded) console.log(`not available: ${loaded.reason}`)
 * ```
 */
export async function loadLearner(name: KeelLearnerName): Promise<LoadResult> {
  const spec = KEEL_LEARNERS[name]
  const url = pathToFileURL(join(import.meta.dirname, '..', '..', 'src', 'learn', 'learners', spec.file)).href
  let module: Record<string, unknown>
  try {
    module = (await import(url)) as Record<string, unknown>
  } catch (error) {
    return { reason: `src/learn/learners/${spec.file} could not be loaded: ${(error as Error).message.split('\n')[0]}` }
  }
  const factory = module[spec.factory]
  if (typeof factory !== 'function') return { reason: `src/learn/learners/${spec.file} has no export ${spec.factory}()` }
  return { learner: factory(spec.params) as Learner }
}

function memoryMB(): number {
  return process.resourceUsage().maxRSS / 1024
}

function tiled(n: number, size: number): Int32Array {
  const idx = new Int32Array(size)
  for (let i = 0; i < size; i++) idx[i] = i % n
  return idx
}

function labelValues(frame: Frame, label: string): Float64Array {
  const column = frame.column(label)
  if (column.kind !== 'number') throw new Error(`label ${label} should be numeric in the split files`)
  return column.values
}

/** Column of the positive class "1" in row-major probabilities. */
function positiveScores(values: Float64Array, classes: readonly string[], nRows: number): Float64Array {
  const k = classes.length
  const col = Math.max(0, classes.indexOf('1'))
  const out = new Float64Array(nRows)
  for (let i = 0; i < nRows; i++) out[i] = values[i * k + col] ?? Number.NaN
  return out
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? Number.NaN
}

async function learn(name: KeelLearnerName, task: BenchTask, label: string, trainPath: string, testPath: string): Promise<object> {
  if (name === 'logistic' && task === 'regression') return { learner: name, available: false, reason: 'no regression variant' }
  const loaded = await loadLearner(name)
  if ('reason' in loaded) return { learner: name, available: false, reason: loaded.reason }
  const train = await readFrame(trainPath)
  const test = await readFrame(testPath)
  const { seconds: fitSeconds, result: model } = await bestTime(() => loaded.learner.fit(train, { label, task }))
  const predictions = model.predict(test)
  const truth = labelValues(test, label)
  const metric =
    task === 'binary'
      ? { auc: rocAuc(truth, positiveScores(predictions.values, predictions.classes, predictions.nRows)) }
      : { rmse: rmse(truth, predictions.values) }
  const batch = test.take(tiled(test.nRows, PREDICT_ROWS))
  const { seconds: predictSeconds } = await bestTime(() => model.predict(batch))
  const latencies: number[] = []
  for (let i = 0; i < LATENCY_ROWS; i++) {
    const row = test.slice(i, i + 1)
    const t = performance.now()
    model.predict(row)
    latencies.push((performance.now() - t) * 1000)
  }
  return {
    learner: name,
    available: true,
    fitSeconds,
    predictSeconds,
    predictRows: PREDICT_ROWS,
    ...metric,
    singleRowMedianMicros: median(latencies.slice(LATENCY_ROWS / 10)),
    peakRssMB: memoryMB(),
  }
}

async function read(path: string): Promise<object> {
  const start = performance.now()
  const frame = await readFrame(path)
  return { rows: frame.nRows, columns: frame.nColumns, seconds: (performance.now() - start) / 1000, peakRssMB: memoryMB() }
}

async function scale(path: string, label: string): Promise<object> {
  const loaded = await loadLearner('gbdt')
  if ('reason' in loaded) return { available: false, reason: loaded.reason }
  const frame = await readFrame(path)
  const afterReadMB = memoryMB()
  const start = performance.now()
  await loaded.learner.fit(frame, { label, task: 'binary' })
  return {
    available: true,
    rows: frame.nRows,
    features: frame.nColumns - 1,
    fitSeconds: (performance.now() - start) / 1000,
    afterReadMB,
    peakRssMB: memoryMB(),
  }
}

async function main(argv: readonly string[]): Promise<object> {
  const [mode, ...rest] = argv
  if (mode === 'learn' && rest.length === 5) {
    const [name, task, label, train, test] = rest as [KeelLearnerName, BenchTask, string, string, string]
    return learn(name, task, label, train, test)
  }
  if (mode === 'read' && rest[0]) return read(rest[0])
  if (mode === 'scale' && rest[0] && rest[1]) return scale(rest[0], rest[1])
  throw new Error('usage: keel-worker.ts learn <learner> <task> <label> <train> <test> | read <file> | scale <file> <label>')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${JSON.stringify(await main(process.argv.slice(2)))}\n`)
}
