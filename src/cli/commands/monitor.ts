/**
 * @module `keel monitor run | report | history`: one monitor pass (drift, performance, service, alerts)
 * stored in the metadata store, and the stored passes.
 */
import { writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { KeelError } from '../../core/errors.js'
import { monitorReport } from '../../monitor/report.js'
import { type MonitorResult, runMonitor } from '../../monitor/run.js'
import type { CommandContext } from '../context.js'
import { formatNumber, formatTime, type Output, paint, table, toJson } from '../output.js'

type Ctx = (cmd: Command) => CommandContext

export function registerMonitor(program: Command, context: Ctx): void {
  const group = program
    .command('monitor')
    .description('watch deployments: data and prediction drift, performance from feedback, service; alerts and their actions')
  group
    .command('run')
    .description('run one pass of a monitor over its window, store it, and judge its alerts')
    .argument('<monitor>', 'a monitor declared under `monitors` in keel.config.ts')
    .option('--now <time>', 'end the window at this time (ISO 8601) instead of now')
    .option('--dry-run', 'judge alerts without running their actions')
    .option('--json', 'print the result as JSON')
    .action((name: string, opts: { now?: string; dryRun?: boolean }, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const now = opts.now === undefined ? undefined : Date.parse(opts.now)
        if (now !== undefined && Number.isNaN(now)) throw new KeelError('CLI_USAGE', `--now must be an ISO 8601 time; got ${opts.now}`)
        const result = await runMonitor(project, name, { ...(now === undefined ? {} : { now }), dryRun: opts.dryRun === true })
        out.out(out.json ? toJson(result) : describe(out, result))
      }),
    )
  group
    .command('report')
    .description('write a self-contained HTML report: per-feature histograms, drift and performance over time')
    .argument('<monitor>', 'monitor name')
    .requiredOption('--out <file>', 'where to write the .html file')
    .option('--json', 'print { out, bytes } as JSON')
    .action((name: string, opts: { out: string }, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const html = await monitorReport(project, name)
        await writeFile(opts.out, html)
        out.out(out.json ? toJson({ out: opts.out, bytes: Buffer.byteLength(html) }) : `wrote ${opts.out} (${Buffer.byteLength(html)} bytes)`)
      }),
    )
  group
    .command('history')
    .description("a monitor's stored passes, newest first")
    .argument('<monitor>', 'monitor name')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print as JSON')
    .action((name: string, opts: { limit: string }, cmd: Command) =>
      context(cmd).withProject(async (project) => {
        const out = context(cmd).output
        const results = (await project.metadata.listMonitorResults(name, Number(opts.limit))).map((r) => JSON.parse(r.result) as MonitorResult)
        if (out.json) return out.out(toJson(results))
        out.out(
          table(
            out,
            ['at', 'rows', 'drift share', 'drifted', 'performance', 'p99 ms', 'firing'],
            results.map((r) => [
              formatTime(r.at),
              r.window.last === undefined ? String(r.window.rows) : `${r.window.rows} (last ${r.window.last})`,
              r.drift ? formatNumber(r.drift.share) : '—',
              r.drift?.driftedColumns.join(', ') ?? '',
              r.performance?.value == null ? '—' : `${r.performance.metric} ${formatNumber(r.performance.value)}`,
              r.service ? formatNumber(r.service.p99_ms) : '—',
              r.alerts
                .filter((a) => a.state === 'firing')
                .map((a) => a.alert)
                .join(', '),
            ]),
          ),
        )
      }),
    )
}

function describe(out: Output, r: MonitorResult): string {
  const lines = [
    `${paint(out, 'bold', `monitor ${r.monitor}`)} (${r.deployment}): ${describeWindow(r.window)}${r.model ? ` · ${r.model.name}@${r.model.version}` : ''}`,
  ]
  for (const w of r.warnings) lines.push(paint(out, 'yellow', `warning: ${w}`))
  if (r.drift) {
    lines.push(
      `data drift: ${r.drift.driftedColumns.length} of ${r.drift.columns.length} columns (share ${formatNumber(r.drift.share)})${r.drift.drifted ? paint(out, 'red', ' — dataset drifted') : ''}`,
    )
    for (const c of r.drift.columns) {
      const p = c.pValue === undefined ? '' : ` p=${formatNumber(c.pValue)}`
      lines.push(
        `  ${c.drifted ? paint(out, 'red', '✗') : paint(out, 'green', '✓')} ${c.column.padEnd(16)} ${c.test} ${formatNumber(c.statistic)}${p} (threshold ${formatNumber(c.threshold)}; ${c.currentRows} rows)${c.warning ? paint(out, 'yellow', ` ${c.warning}`) : ''}`,
      )
    }
    if (r.drift.prediction)
      lines.push(
        `prediction drift: ${r.drift.prediction.test} ${formatNumber(r.drift.prediction.statistic)}${r.drift.prediction.drifted ? paint(out, 'red', ' — drifted') : ''}`,
      )
  }
  const p = r.performance
  if (p) {
    lines.push(
      p.value === null
        ? `performance: ${p.warning ?? 'not measured'}`
        : `performance: ${p.metric} ${formatNumber(p.value)}${p.interval ? ` [${formatNumber(p.interval[0])}, ${formatNumber(p.interval[1])}]` : ''} on ${p.labels} labels; at registration ${p.reference === null ? '—' : formatNumber(p.reference)}${p.conceptDrift ? paint(out, 'red', ' — concept drift') : ''}`,
    )
  }
  if (r.service)
    lines.push(
      `service: p50 ${formatNumber(r.service.p50_ms)} ms, p99 ${formatNumber(r.service.p99_ms)} ms, fallbacks ${formatNumber(r.service.fallback_rate * 100)} %`,
    )
  for (const a of r.alerts) {
    const mark = a.state === 'firing' ? paint(out, 'red', 'FIRING') : a.state === 'pending' ? paint(out, 'yellow', 'pending') : 'ok'
    lines.push(
      `alert ${a.alert}: ${mark}${a.transition ? ` (${a.transition})` : ''}${a.actions.map((x) => `\n  ${x.ok ? '✓' : '✗'} ${x.action}: ${x.detail}`).join('')}`,
    )
  }
  return lines.join('\n')
}

/** `1200 predictions <start> – <end>`, or for a count window `the newest 400 predictions (window: last 400), <start> – <end>`. */
function describeWindow(w: MonitorResult['window']): string {
  const span = `${formatTime(w.start)} – ${formatTime(w.end)}`
  if (w.last === undefined) return `${w.rows} predictions ${span}`
  return `the newest ${w.rows} predictions (window: last ${w.last})${w.rows === 0 ? '' : `, ${span}`}`
}
