import { type SpawnSyncReturns, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from './project.js'

/** The built CLI (`npm run build` first), as `npx keel` runs it. */
export const KEEL_BIN = join(REPO_ROOT, 'bin', 'keel.js')

/** The environment CLI tests run keel in: the project's own stores (no KEEL_* overrides), no colour, plus `extra`. */
export function cliEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return { ...process.env, KEEL_METADATA_URL: '', KEEL_ARTIFACTS_URL: '', KEEL_ONLINE_URL: '', KEEL_ENV: '', NO_COLOR: '1', ...extra }
}

/** Runs the built keel in `cwd` to its end. */
export function runKeel(args: readonly string[], cwd: string, extra: Readonly<Record<string, string>> = {}, timeout = 120_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [KEEL_BIN, ...args], { cwd, env: cliEnv(extra), encoding: 'utf8', timeout })
}
