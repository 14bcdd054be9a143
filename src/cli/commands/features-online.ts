/**
 * @module `keel features materialize | get`: the online half of the feature store.
 */
import type { Command } from 'commander'
import { KeelError } from '../../core/errors.js'
import { materialize } from '../../features/materialize.js'
import { entityKeyCandidates, getOnlineFeatures, type OnlineLookup } from '../../features/online.js'
import type { CommandContext } from '../context.js'
import { formatDuration, formatNumber, formatTime, type Output, paint, progressFor, table, toJson } from '../output.js'

type Ctx = (cmd: Command) => CommandContext

/** Adds `materialize` and `get` to the `features` command group. */
export function registerFeaturesOnline(group: Command, context: Ctx): void {
  group
    .command('materialize')
    .description('write the latest values of every entity to the online store (full the first time, then incremental from the watermark)')
    .argument('[view]', 'a feature view declared in keel.config.ts (default: every view)')
    .option('--start <time>', 'only entities with an event after this time (ISO 8601 or epoch ms); default: the watermark')
    .option('--end <time>', 'values as of this time (ISO 8601 or epoch ms); default: now')
    .option('--full', 'recompute every entity even when a watermark exists')
    .option('--json', 'print the results as JSON')
    .action((view: string | undefined, opts: { start?: string; end?: string; full?: boolean }, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const start = opts.start === undefined ? undefined : parseTime('--start', opts.start)
        const end = opts.end === undefined ? undefined : parseTime('--end', opts.end)
        if (start !== undefined && end !== undefined && start > end)
          throw new KeelError('FEATURE_RANGE_INVALID', `--start ${opts.start} is after --end ${opts.end}`)
        const { onProgress } = progressFor(out, 'materialize')
        const results = await materialize(project, view, {
          ...(start === undefined ? {} : { start }),
          ...(end === undefined ? {} : { end }),
          full: opts.full === true,
          ...(onProgress === undefined
            ? {}
            : { onProgress: (p) => onProgress(p.total === 0 ? (p.phase === 'write' ? 100 : 0) : (100 * p.done) / p.total, `${p.view} ${p.phase}`) }),
        })
        if (out.json) return out.out(toJson(results))
        const rows = results.map((r) => [
          r.view,
          r.version.slice(0, 12),
          r.mode,
          r.since === null ? '-' : formatTime(r.since),
          formatTime(r.asOf),
          String(r.rows),
          String(r.written),
          `${(r.durationMs / 1000).toFixed(1)}s`,
        ])
        out.out(table(out, ['view', 'version', 'mode', 'since', 'as of', 'entities', 'written', 'took'], rows))
      }),
    )
  group
    .command('get')
    .description('look entities up in the online store: status (present, expired, missing), values and age')
    .argument('<view>', 'a feature view declared in keel.config.ts')
    .argument('<entity...>', 'entity keys: 42, or a,b for a composite key (parts that look like numbers are numbers), or JSON such as \'[42,"a,b"]\'')
    .option('--json', 'print the lookups as JSON')
    .action((view: string, entities: string[], _opts: unknown, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const now = Date.now()
        const candidates = entities.map(entityKeyCandidates)
        const found = await getOnlineFeatures(project, view, candidates.flat(), { now })
        // per argument, the first candidate the store has (typed before all-string), else the first
        const offsets = candidates.map((_, i) => candidates.slice(0, i).reduce((n, keys) => n + keys.length, 0))
        const lookups = candidates.map((keys, i) => {
          const mine = found.slice(offsets[i], (offsets[i] ?? 0) + keys.length)
          return mine.find((l) => l.status !== 'missing') ?? (mine[0] as OnlineLookup)
        })
        out.out(out.json ? toJson(lookups) : describe(out, view, lookups, now))
      }),
    )
}

function parseTime(option: string, text: string): number {
  const ms = /^-?\d+$/.test(text) ? Number(text) : Date.parse(text)
  if (Number.isNaN(ms)) throw new KeelError('CLI_USAGE', `${option} must be an ISO 8601 time or epoch milliseconds; got "${text}"`)
  return ms
}

function describe(out: Output, view: string, lookups: readonly OnlineLookup[], now: number): string {
  return lookups
    .map((l) => {
      const head = `${paint(out, 'bold', `${view} ${l.key.map(String).join(',')}`)}: ${status(out, l)}`
      if (l.status === 'missing') return head
      const age = `event ${formatTime(l.eventAt)} (${formatDuration(l.eventAt, now)} ago), materialized ${formatTime(l.materializedAt)}`
      if (l.status === 'expired') return `${head}  ${age}`
      const values = Object.entries(l.values).map(([k, v]) => [k, typeof v === 'number' ? formatNumber(v) : v === null ? 'null' : String(v)])
      return `${head}  ${age}\n${indent(table(out, ['feature', 'value'], values))}`
    })
    .join('\n')
}

function status(out: Output, l: OnlineLookup): string {
  if (l.status === 'present') return paint(out, 'green', 'present')
  if (l.status === 'expired') return paint(out, 'yellow', 'expired (older than the TTL; values withheld)')
  return paint(out, 'red', 'missing')
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')
}
