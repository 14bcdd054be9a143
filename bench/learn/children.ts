/**
 * @module Runs each measurement in its own child process and reads back its one JSON line.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import type { Dataset } from './data.js'
import type { KeelLearnerName } from './keel-worker.js'

export type Outcome = Record<string, unknown> & { readonly learner?: string; readonly available: boolean; readonly reason?: string }

// Long enough for a 100-tree forest on the 400k-row set; a learner slower than this is reported, not waited for.
const TIMEOUT_MS = 30 * 60 * 1000
const HERE = import.meta.dirname

export const PEER_LEARNERS = ['xgboost-1', 'xgboost-2', 'sklearn-hgb', 'sklearn-rf', 'sklearn-logistic'] as const
export type PeerLearnerName = (typeof PEER_LEARNERS)[number]

/** The peers' interpreter: the system Python, where xgboost and scikit-learn are installed. */
export const PYTHON = process.env.KEEL_BENCH_PYTHON ?? '/usr/bin/python3'

function run(command: string, args: readonly string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: TIMEOUT_MS, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const last = stdout.trim().split('\n').at(-1) ?? ''
      try {
        if (last.startsWith('{')) return resolve({ available: true, ...(JSON.parse(last) as Record<string, unknown>) })
      } catch {
        // fall through to the failure report below
      }
      const why = error?.killed ? `timed out after ${TIMEOUT_MS / 60_000} min` : stderr.trim().split('\n').slice(-3).join(' ') || String(error)
      resolve({ available: false, reason: why })
    })
  })
}

function keel(args: readonly string[]): Promise<Outcome> {
  return run(process.execPath, ['--import', 'tsx', join(HERE, 'keel-worker.ts'), ...args])
}

/**
 * Fits and scores one Keel learner on a data set in a child process.
 *
 * @example
 * ```ts
 * const outcome = await runKeelLearner('gbdt', set) // { learner: 'gbdt', available: true, fitSeconds: 9.8, auc: 0.715, … }
 * ```
 */
export function runKeelLearner(name: KeelLearnerName, set: Dataset): Promise<Outcome> {
  return keel(['learn', name, set.task, set.label, set.train, set.test]).then((o) => ({ ...o, learner: name }))
}

/**
 * Times `readFrame` on a file in a child process and reports its peak RSS.
 *
 * @example
 * ```ts
 * const { seconds, peakRssMB } = await runKeelRead('bench/.cache/learn/synthetic-1000000x20.csv')
 * ```
 */
export function runKeelRead(path: string): Promise<Outcome> {
  return keel(['read', path])
}

/**
 * Fits Keel's GBDT on a large file in a child process and reports its peak RSS.
 *
 * @example
 * ```ts
 * const { fitSeconds, peakRssMB } = await runKeelScale('bench/.cache/learn/synthetic-1000000x20.csv', 'label')
 * ```
 */
export function runKeelScale(path: string, label: string): Promise<Outcome> {
  return keel(['scale', path, label])
}

/**
 * Runs one XGBoost or scikit-learn learner through peers.py; unavailable if Python or the library is missing.
 *
 * @example
 * ```ts
 * const outcome = await runPeer('xgboost-1', set) // { learner: 'xgboost-1', available: true, fitSeconds: 2.4, … }
 * ```
 */
export function runPeer(name: PeerLearnerName, set: Dataset): Promise<Outcome> {
  const args = [join(HERE, 'peers.py'), '--learner', name, '--task', set.task, '--label', set.label, '--train', set.train, '--test', set.test]
  return run(PYTHON, args).then((o) => ({ ...o, learner: name }))
}

/**
 * Library versions on the Python side, or why the peers cannot run at all.
 *
 * @example
 * ```ts
 * const python = await peerVersions() // { available: true, python: '3.11.2', xgboost: '1.7.4', … }
 * ```
 */
export async function peerVersions(): Promise<Outcome> {
  const outcome = await run(PYTHON, [join(HERE, 'peers.py'), '--versions'])
  if (!outcome.available) return { available: false, reason: `${PYTHON} cannot run peers.py: ${outcome.reason}` }
  return outcome
}
