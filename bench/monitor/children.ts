/**
 * @module Runs each measurement of the drift benchmark in its own child process and reads back
 * its one JSON line: Keel's workers, `keel monitor run` itself, and the scipy peer.
 */
import { execFile } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

export type Outcome = Record<string, unknown> & { readonly available: boolean; readonly reason?: string }

const HERE = import.meta.dirname
const ROOT = join(HERE, '..', '..')
/** Far above a normal run (about 70 s for the slowest child); a hung child is reported, not waited for. */
const TIMEOUT_MS = 10 * 60 * 1000

/** The peer's interpreter: the system Python, where scipy and numpy are installed. */
export const PYTHON = process.env.KEEL_BENCH_PYTHON ?? '/usr/bin/python3'

interface Finished {
  readonly stdout: string
  readonly seconds: number
  readonly failure?: string
}

function spawn(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Finished> {
  const started = performance.now()
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: TIMEOUT_MS, maxBuffer: 64 << 20, cwd: options.cwd ?? ROOT, env: options.env ?? process.env },
      (error, stdout, stderr) => {
        const seconds = (performance.now() - started) / 1000
        if (!error) return resolve({ stdout, seconds })
        const lines = stderr.trim().split('\n')
        // a Node stack ends with its version; the error itself is the first line that names one
        const thrown = lines.find((line) => /^\w*Error\b|^error /.test(line.trim()))
        const why = error.killed ? `timed out after ${TIMEOUT_MS / 60_000} min` : (thrown ?? lines.slice(-3).join(' ')) || String(error)
        resolve({ stdout, seconds, failure: why })
      },
    )
  })
}

function lastJson(run: Finished): Outcome {
  if (run.failure !== undefined) return { available: false, reason: run.failure }
  const last = run.stdout.trim().split('\n').at(-1) ?? ''
  try {
    return { available: true, ...(JSON.parse(last) as Record<string, unknown>) }
  } catch {
    return { available: false, reason: `no JSON line in the output: ${last.slice(0, 200)}` }
  }
}

/**
 * Runs `bench/monitor/keel-worker.ts <mode> <cache>` under tsx.
 *
 * @example
 * ```ts
 * const stats = await keelWorker('stats', 'bench/.cache/drift') // { available: true, defaultSeconds: 3.1, peakRssMB: 480, … }
 * ```
 */
export async function keelWorker(mode: 'setup' | 'stats' | 'read', cache: string): Promise<Outcome> {
  return lastJson(await spawn(process.execPath, ['--import', 'tsx', join(HERE, 'keel-worker.ts'), mode, cache]))
}

/**
 * Runs `keel monitor run <monitor> --json` in the project, as a user does (the built CLI under
 * plain node), with a preload that records the process's own peak RSS and CPU time at exit.
 * Seconds are wall-clock from spawn to exit, Node's start and the config's loading included.
 *
 * @example
 * ```ts
 * const pass = await keelMonitorRun('bench/.cache/drift/project', 'drift') // { seconds: 70, peakRssMB: 1680, result: {…} }
 * ```
 */
export async function keelMonitorRun(project: string, monitor: string): Promise<Outcome> {
  const usage = join(project, 'rusage.json')
  rmSync(usage, { force: true })
  const env = { ...process.env, KEEL_BENCH_RUSAGE: usage, KEEL_METADATA_URL: '', KEEL_ARTIFACTS_URL: '', KEEL_ENV: '', NO_COLOR: '1' }
  const args = ['--import', pathToFileURL(join(HERE, 'rusage.mjs')).href, join(ROOT, 'bin', 'keel.js'), 'monitor', 'run', monitor, '--json']
  const run = await spawn(process.execPath, args, { cwd: project, env })
  if (run.failure !== undefined) return { available: false, reason: run.failure }
  const used = JSON.parse(readFileSync(usage, 'utf8')) as NodeJS.ResourceUsage
  return {
    available: true,
    seconds: run.seconds,
    cpuSeconds: (used.userCPUTime + used.systemCPUTime) / 1e6,
    peakRssMB: used.maxRSS / 1024,
    result: JSON.parse(run.stdout) as unknown,
  }
}

/**
 * Runs the scipy peer on the data in `dir`; unavailable if Python or scipy is missing.
 *
 * @example
 * ```ts
 * const scipy = await runScipy('bench/.cache/drift') // { available: true, defaultSeconds: 5.6, … }
 * ```
 */
export async function runScipy(dir: string): Promise<Outcome> {
  return lastJson(await spawn(PYTHON, [join(HERE, 'peers.py'), '--data', dir]))
}

/** Python, numpy and scipy versions, or why the peer cannot run. */
export async function scipyVersions(): Promise<Outcome> {
  return lastJson(await spawn(PYTHON, [join(HERE, 'peers.py'), '--versions']))
}
