/**
 * @module `keel runs list | show | compare | artifact`
 */
import type { Command } from 'commander'
import { KeelError } from '../../core/errors.js'
import { RUN_STATUSES, type Run, type RunStatus } from '../../core/types.js'
import type { RunComparison } from '../../tracking/compare.js'
import type { RunDetails } from '../../tracking/tracking.js'
import type { CommandContext } from '../context.js'
import { formatBytes, formatDuration, formatNumber, formatTime, type Output, paint, type Style, table, toJson } from '../output.js'

type Ctx = (cmd: Command) => CommandContext

export function registerRuns(program: Command, context: Ctx): void {
  const runs = program.command('runs').description('list, inspect and compare tracked runs')
  runs
    .command('list')
    .description('list runs, newest first')
    .option('--experiment <name>', 'only runs of this experiment')
    .option('--status <status>', `only runs with this status (${RUN_STATUSES.join(', ')})`)
    .option('--parent <runId>', 'only the nested runs of this run')
    .option('--limit <n>', 'at most this many runs', '100')
    .option('--json', 'print as JSON')
    .action((opts: ListOpts, cmd: Command) => listRuns(context(cmd), opts))
  runs
    .command('show')
    .description('show a run: params, metrics with history, artifacts, tags, inputs, nested runs')
    .argument('<runId>', 'run id or a unique prefix of it')
    .option('--json', 'print as JSON')
    .action((id: string, _opts: unknown, cmd: Command) => showRun(context(cmd), id))
  runs
    .command('compare')
    .description('compare runs side by side: params and final metrics, differences highlighted')
    .argument('<runIds...>', 'two or more run ids (or unique prefixes)')
    .option('--json', 'print as JSON')
    .action((ids: string[], _opts: unknown, cmd: Command) => compare(context(cmd), ids))
  runs
    .command('artifact')
    .description("write a run's artifact to a file (or stdout), verified against its sha256")
    .argument('<runId>', 'run id or a unique prefix of it')
    .argument('<name>', 'artifact name as shown by `keel runs show`')
    .option('--out <file>', 'file to write; without it the bytes go to stdout')
    .option('--json', 'print what was written as JSON (needs --out)')
    .action((id: string, name: string, opts: { out?: string }, cmd: Command) => artifact(context(cmd), id, name, opts.out))
}

interface ListOpts {
  experiment?: string
  status?: string
  parent?: string
  limit: string
}

async function listRuns(ctx: CommandContext, opts: ListOpts): Promise<void> {
  const limit = Number(opts.limit)
  if (!Number.isSafeInteger(limit) || limit < 1) throw new KeelError('CLI_USAGE', `--limit must be a positive integer, got "${opts.limit}"`)
  if (opts.status !== undefined && !RUN_STATUSES.includes(opts.status as RunStatus)) {
    throw new KeelError('CLI_USAGE', `--status must be one of ${RUN_STATUSES.join(', ')}, got "${opts.status}"`)
  }
  const found = await ctx.withProject(async (project) => {
    const parentRunId = opts.parent === undefined ? undefined : (await project.tracking.getRun(opts.parent)).id
    return project.tracking.listRuns({
      limit,
      ...(opts.experiment === undefined ? {} : { experiment: opts.experiment }),
      ...(opts.status === undefined ? {} : { status: opts.status as RunStatus }),
      ...(parentRunId === undefined ? {} : { parentRunId }),
    })
  })
  const { output } = ctx
  if (output.json) return output.out(toJson(found))
  if (found.length === 0) return output.out('No runs yet. Log one with the tracking API (see examples/track.ts).')
  const rows = found.map((r) => [
    r.id,
    r.experimentName,
    r.name,
    r.status,
    formatTime(r.startTime),
    formatDuration(r.startTime, r.endTime),
    r.parentRunId ?? '',
  ])
  output.out(table(output, ['RUN ID', 'EXPERIMENT', 'NAME', 'STATUS', 'STARTED (UTC)', 'DURATION', 'PARENT'], rows, (i) => statusStyle(found[i])))
}

function statusStyle(run: Run | undefined): Style | undefined {
  if (run?.status === 'failed' || run?.status === 'killed') return 'red'
  if (run?.status === 'running') return 'yellow'
  return undefined
}

async function showRun(ctx: CommandContext, id: string): Promise<void> {
  const details = await ctx.withProject((project) => project.tracking.getRunDetails(id))
  if (ctx.output.json) return ctx.output.out(toJson(details))
  ctx.output.out(renderDetails(ctx.output, details))
}

function renderDetails(output: Output, d: RunDetails): string {
  const { run } = d
  const header = [
    `${paint(output, 'bold', 'run')}         ${run.id}  ${paint(output, statusStyle(run) ?? 'green', run.status)}`,
    `name        ${run.name}`,
    `experiment  ${run.experimentName}`,
    `started     ${formatTime(run.startTime)} UTC   duration ${formatDuration(run.startTime, run.endTime)}`,
    `git         ${run.gitCommit === null ? '-' : `${run.gitCommit}${run.gitDirty ? ' (uncommitted changes)' : ''}`}`,
    `config      ${run.configHash ?? '-'}`,
    ...(run.parentRunId === null ? [] : [`parent      ${run.parentRunId}`]),
  ]
  const sections = [header.join('\n')]
  const section = (title: string, headers: string[], rows: string[][]) => {
    if (rows.length > 0) sections.push(`${paint(output, 'cyan', title)}\n${table(output, headers, rows)}`)
  }
  section('Params', ['KEY', 'VALUE'], Object.entries(d.params))
  section(
    'Metrics',
    ['KEY', 'LATEST', 'STEP', 'POINTS', 'MIN', 'MAX'],
    d.metrics.map((m) => {
      const values = m.history.map((p) => p.value).filter((v) => !Number.isNaN(v))
      return [
        m.key,
        formatNumber(m.latest.value),
        String(m.latest.step),
        String(m.history.length),
        formatNumber(Math.min(...values)),
        formatNumber(Math.max(...values)),
      ]
    }),
  )
  section(
    'Artifacts',
    ['NAME', 'SIZE', 'SHA256'],
    d.artifacts.map((a) => [a.name, formatBytes(a.size), a.sha256]),
  )
  section('Tags', ['KEY', 'VALUE'], Object.entries(run.tags))
  section(
    'Inputs',
    ['KIND', 'NAME', 'REF'],
    d.inputs.map((i) => [i.kind, i.name, i.ref]),
  )
  section(
    'Nested runs',
    ['RUN ID'],
    d.children.map((c) => [c]),
  )
  return sections.join('\n\n')
}

async function compare(ctx: CommandContext, ids: string[]): Promise<void> {
  if (ids.length < 2) throw new KeelError('CLI_USAGE', 'give at least two run ids to compare')
  const comparison = await ctx.withProject((project) => project.tracking.compareRuns(ids))
  if (ctx.output.json) return ctx.output.out(toJson(comparison))
  ctx.output.out(renderComparison(ctx.output, comparison))
}

function renderComparison(output: Output, c: RunComparison): string {
  const headers = ['', 'KEY', ...c.runs.map((r) => `${r.name} (${r.id.slice(-6)})`)]
  const rows: string[][] = []
  const differs: boolean[] = []
  const add = (kind: string, values: RunComparison['params']) => {
    for (const v of values) {
      rows.push([v.differs ? '*' : '', `${kind}.${v.key}`, ...v.values.map((x) => (x === null ? '-' : typeof x === 'number' ? formatNumber(x) : x))])
      differs.push(v.differs)
    }
  }
  add('param', c.params)
  add('metric', c.metrics)
  const changed = differs.filter(Boolean).length
  return `${table(output, headers, rows, (i) => (differs[i] ? 'yellow' : undefined))}\n\n${changed} of ${rows.length} values differ (marked *)`
}

async function artifact(ctx: CommandContext, id: string, name: string, out: string | undefined): Promise<void> {
  if (ctx.output.json && out === undefined) throw new KeelError('CLI_USAGE', '--json needs --out <file>: the artifact bytes cannot share stdout with JSON')
  await ctx.withProject(async (project) => {
    if (out === undefined) {
      const bytes = await project.tracking.getArtifact(id, name)
      await new Promise<void>((resolve, reject) => process.stdout.write(bytes, (e) => (e ? reject(e) : resolve())))
      return
    }
    const written = await project.tracking.downloadArtifact(id, name, out)
    if (ctx.output.json) ctx.output.out(toJson({ ...written, path: out }))
    else ctx.output.out(`wrote ${out} (${formatBytes(written.size)}, sha256 ${written.sha256} verified)`)
  })
}
