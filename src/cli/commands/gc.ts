/**
 * @module `keel gc [--dry-run] [--min-age 1h]`
 */
import type { Command } from 'commander'
import { parseDuration } from '../../core/duration.js'
import { KeelError } from '../../core/errors.js'
import { collectGarbage } from '../../gc.js'
import type { CommandContext } from '../context.js'
import { formatBytes, toJson } from '../output.js'

export function registerGc(program: Command, context: (cmd: Command) => CommandContext): void {
  program
    .command('gc')
    .description('remove artifacts that no run, snapshot or model version refers to, and report the bytes freed')
    .option('--dry-run', 'report what would be removed, remove nothing')
    .option('--min-age <age>', 'keep objects written more recently than this (e.g. 30m, 1h, 2d)', '1h')
    .option('--json', 'print the result as JSON')
    .action((opts: { dryRun?: boolean; minAge: string }, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const minAgeMs = parseDuration(opts.minAge)
        if (minAgeMs === undefined) throw new KeelError('CLI_USAGE', `--min-age must look like 30m, 1h or 2d; got "${opts.minAge}"`)
        const result = await collectGarbage(project.metadata, project.artifacts, { dryRun: opts.dryRun === true, minAgeMs })
        if (out.json) return out.out(toJson({ ...result, removed: result.removed.map((a) => ({ sha256: a.sha256, size: a.size })) }))
        const verb = result.dryRun ? 'would remove' : 'removed'
        out.out(
          `${verb} ${result.removed.length} of ${result.scanned} objects (${formatBytes(result.bytesFreed)}); kept ${result.referenced} referenced and ${result.young} newer than ${opts.minAge}`,
        )
      }),
    )
}
