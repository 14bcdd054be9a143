/**
 * @module `keel data list | validate | snapshot | show | diff | lineage`
 */
import type { Command } from 'commander'
import { listComponents } from '../../data/components/registry.js'
import { type CheckResult, type ContractReport, failureSummary } from '../../data/contracts/check.js'
import type { SnapshotDiff, ValidationResult } from '../../data/data.js'
import { renderLineage } from '../../lineage.js'
import type { SnapshotRecord } from '../../stores/metadata-store.js'
import type { CommandContext } from '../context.js'
import { formatNumber, formatTime, type Output, paint, progressFor, table, toJson } from '../output.js'

type Ctx = (cmd: Command) => CommandContext

export function registerData(program: Command, context: Ctx): void {
  const data = program.command('data').description('datasets: validate against contracts, snapshot, compare, trace lineage')
  data
    .command('list')
    .description('list the datasets declared in keel.config.ts with their newest snapshot')
    .option('--json', 'print as JSON')
    .action((_opts: unknown, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const list = await project.data.list()
        if (out.json) return out.out(toJson(list))
        if (list.length === 0) return out.out('no datasets declared (add `datasets` to keel.config.ts)')
        out.out(
          table(
            out,
            ['dataset', 'source', 'contract', 'steps', 'latest snapshot', 'rows', 'created'],
            list.map((d) => [
              d.name,
              d.source,
              d.contract ? 'yes' : 'no',
              String(d.steps),
              d.latest?.id.slice(0, 12) ?? '–',
              d.latest ? formatNumber(d.latest.rows) : '–',
              d.latest ? formatTime(d.latest.createdAt) : '–',
            ]),
          ),
        )
      }),
    )
  data
    .command('components')
    .description('list the built-in cleaning components')
    .option('--json', 'print as JSON')
    .action((_opts: unknown, cmd: Command) => {
      const out = context(cmd).output
      const list = listComponents()
      if (out.json) return out.out(toJson(list))
      out.out(
        table(
          out,
          ['component', 'kind', 'what'],
          list.map((c) => [c.name, c.kind, c.description]),
        ),
      )
    })
  data
    .command('validate')
    .description('check a dataset against its contracts and cleaning steps; writes nothing')
    .argument('<dataset>', 'dataset name')
    .option('--json', 'print the validation report as JSON')
    .action((name: string, _opts: unknown, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const result = await project.data.validate(name, progressFor(out, `validate ${name}`))
        if (out.json) out.out(toJson(result))
        else printValidation(out, result)
        if (!result.passed) process.exitCode = 4
      }),
    )
  data
    .command('snapshot')
    .description('materialize a dataset as an immutable, content-addressed snapshot (Parquet) with statistics and lineage')
    .argument('<dataset>', 'dataset name')
    .option('--json', 'print the snapshot as JSON')
    .action((name: string, _opts: unknown, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        try {
          const { snapshot, created, prepared } = await project.data.snapshot(name, progressFor(out, `snapshot ${name}`))
          if (out.json) return out.out(toJson({ created, snapshot: summary(snapshot), report: prepared.report, afterCleanReport: prepared.afterCleanReport }))
          printReport(out, prepared.report, 'contract')
          if (prepared.afterCleanReport) printReport(out, prepared.afterCleanReport, 'contract after cleaning')
          out.out(
            `${created ? 'snapshot' : 'unchanged: snapshot'} ${paint(out, 'bold', snapshot.id)}  ${formatNumber(snapshot.rows)} rows × ${snapshot.columns} columns` +
              (snapshot.quarantined > 0 ? `, ${formatNumber(snapshot.quarantined)} quarantined` : ''),
          )
        } catch (error) {
          const report = (error as { report?: ContractReport }).report
          if (report && !out.json) printReport(out, report, 'contract')
          throw error
        }
      }),
    )
  data
    .command('show')
    .description('show a snapshot: schema, statistics, contract report, source and steps')
    .argument('<snapshotId>', 'snapshot id or a unique prefix of it')
    .option('--json', 'print as JSON')
    .action((id: string, _opts: unknown, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const snapshot = await project.data.show(id)
        if (out.json) return out.out(toJson(snapshot))
        printSnapshot(out, snapshot)
      }),
    )
  data
    .command('diff')
    .description('compare two snapshots: schema changes, row counts, per-column distribution shift')
    .argument('<snapshotA>', 'first snapshot id (or prefix)')
    .argument('<snapshotB>', 'second snapshot id (or prefix)')
    .option('--json', 'print as JSON')
    .action((a: string, b: string, _opts: unknown, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const diff = await project.data.diff(a, b)
        if (out.json) return out.out(toJson({ ...diff, a: summary(diff.a), b: summary(diff.b) }))
        printDiff(out, diff)
      }),
    )
  data
    .command('lineage')
    .description('show what a snapshot was made from (files by content hash, queries, the dataset)')
    .argument('<snapshotId>', 'snapshot id or a unique prefix of it')
    .option('--json', 'print the graph as JSON')
    .action((id: string, _opts: unknown, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const graph = await project.data.lineage(id)
        if (out.json) return out.out(toJson(graph))
        out.out(renderLineage(graph).join('\n'))
      }),
    )
}

function summary(s: SnapshotRecord): object {
  return {
    id: s.id,
    dataset: s.dataset,
    createdAt: new Date(s.createdAt).toISOString(),
    rows: s.rows,
    columns: s.columns,
    quarantined: s.quarantined,
    contentHash: s.contentHash,
  }
}

function printValidation(out: Output, result: ValidationResult): void {
  printReport(out, result.report, 'contract')
  if (result.afterCleanReport) printReport(out, result.afterCleanReport, 'contract after cleaning')
  out.out(result.passed ? paint(out, 'green', `${result.dataset}: passed`) : paint(out, 'red', `${result.dataset}: failed`))
}

/** The report as a table: one line per check, failing ones with up to five example rows. */
export function printReport(out: Output, report: ContractReport, title: string): void {
  const { input, clean, quarantined } = report.rows
  out.out(`${title} (policy ${report.policy}): ${formatNumber(input)} rows in, ${formatNumber(clean)} clean, ${formatNumber(quarantined)} quarantined`)
  const rows = report.checks.map((c) => [c.passed ? 'pass' : 'FAIL', c.name, c.passed ? '' : failureSummary(c, formatNumber), examplesOf(c)])
  out.out(table(out, ['', 'check', 'failing', 'examples (file:row = value)'], rows, (i) => (report.checks[i]?.passed ? undefined : 'red')))
  if (report.pii.length > 0) out.out(`personal data: ${report.pii.join(', ')}`)
}

function examplesOf(c: CheckResult): string {
  return c.examples
    .map((e) => `${e.file ?? ''}${e.file ? ':' : 'row '}${e.row} = ${e.value === null ? 'null' : JSON.stringify(e.value).slice(0, 40)}`)
    .join('; ')
}

function printSnapshot(out: Output, s: SnapshotRecord): void {
  out.out(`snapshot ${paint(out, 'bold', s.id)} of ${s.dataset}, ${formatTime(s.createdAt)}`)
  out.out(`rows ${formatNumber(s.rows)}, columns ${s.columns}, quarantined ${formatNumber(s.quarantined)}`)
  out.out(`content ${s.contentHash}`)
  out.out(`data    ${s.artifactSha256}${s.quarantineSha256 ? `\nquarantine ${s.quarantineSha256}` : ''}`)
  const stats = (s.details.stats ?? []) as {
    name: string
    type?: string
    kind?: string
    missing?: number
    count?: number
    min?: unknown
    max?: unknown
    mean?: number
  }[]
  out.out(
    table(
      out,
      ['column', 'type', 'missing', 'min', 'max', 'mean'],
      stats.map((p) => [p.name, p.type ?? '', `${p.missing ?? 0}`, fmt(p.min), fmt(p.max), fmt(p.mean)]),
    ),
  )
  const report = s.details.report as ContractReport | undefined
  if (report) printReport(out, report, 'contract')
}

function fmt(v: unknown): string {
  if (v === undefined || v === null) return ''
  return typeof v === 'number' ? formatNumber(v) : String(v)
}

function printDiff(out: Output, d: SnapshotDiff): void {
  out.out(`${d.a.id.slice(0, 12)} → ${d.b.id.slice(0, 12)}: rows ${formatNumber(d.rows[0])} → ${formatNumber(d.rows[1])}`)
  out.out(
    table(
      out,
      ['column', 'change', 'type', 'mean shift (sd)', 'missing'],
      d.columns.map((c) => [
        c.column,
        c.change,
        c.change === 'type' ? `${c.before} → ${c.after}` : (c.after ?? c.before ?? ''),
        c.meanShift === undefined ? '' : c.meanShift.toFixed(3),
        c.missing ? `${(100 * c.missing[0]).toFixed(1)}% → ${(100 * c.missing[1]).toFixed(1)}%` : '',
      ]),
      (i) => (d.columns[i]?.change === 'same' ? undefined : 'yellow'),
    ),
  )
}
