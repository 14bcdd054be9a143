/**
 * @module The git commit a run was started from, when there is one.
 */
import { execFileSync } from 'node:child_process'

/** Commit and dirty state of the work tree containing `dir`, or undefined outside git. */
export interface GitState {
  readonly commit: string
  readonly dirty: boolean
}

export function gitState(dir: string): GitState | undefined {
  const run = (args: string[]) =>
    execFileSync('git', args, { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 })
      .toString()
      .trim()
  try {
    const commit = run(['rev-parse', 'HEAD'])
    if (!/^[0-9a-f]{40,64}$/.test(commit)) return undefined
    const dirty = run(['status', '--porcelain', '--untracked-files=no']).length > 0
    return { commit, dirty }
  } catch {
    // not a repository, no commits yet, or git missing: the run simply records no commit
    return undefined
  }
}
