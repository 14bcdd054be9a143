/**
 * @module `keel quickstart`: the whole lifecycle on real data in one run. A project is created
 * around Seattle's weather of early 2012; a model is trained, approved and served; a year later
 * the same season's traffic passes the monitor, the first summer drifts and the monitor's alert
 * retrains on the labels that arrived meanwhile; the new version is approved and canaried on the
 * following days until the canary analysis promotes or rolls it back. Every number printed is
 * measured in that run; the project stays for the user to explore.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { KeelError } from '../core/errors.js'
import { initProject } from '../init.js'
import { monitorReport } from '../monitor/report.js'
import { type MonitorResult, runMonitor } from '../monitor/run.js'
import { type TrainResult, train } from '../pipeline/train/train.js'
import { openProject } from '../project.js'
import { canary, routingState } from '../serve/routing.js'
import { type KeelServer, serve } from '../serve/server.js'
import type { Actor } from '../stores/metadata-store.js'
import { quickstartConfig } from './config-text.js'
import { between, csvText, type Day, instance, sampleDays, weatherData } from './weather.js'

export interface QuickstartStep {
  /** 1-based. */
  readonly step: number
  /** A short name: `project`, `snapshot`, `train`, … */
  readonly name: string
  /** One line saying what happened, with its numbers. */
  readonly summary: string
  /** Further lines (per candidate, per column, per pass). */
  readonly details: readonly string[]
  /** The numbers behind the lines, for `--json`. */
  readonly data: Readonly<Record<string, unknown>>
  readonly ms: number
}

export interface QuickstartOptions {
  /** Port for the server (default 0: any free port on 127.0.0.1). */
  readonly port?: number
  /** Told about each step as soon as it finishes. */
  readonly onStep?: (step: QuickstartStep) => void
  /** Told what a step is about to do (steps that take seconds). */
  readonly onStart?: (name: string, doing: string) => void
}

export interface QuickstartResult {
  readonly root: string
  readonly steps: readonly QuickstartStep[]
  /** The champion at the end, and how the canary ended. */
  readonly champion: number
  readonly canary: 'promoted' | 'rolled back' | 'undecided'
  readonly report: string
  readonly ms: number
}

/** Days of traffic per monitor window (the monitor's `window: { last: 90 }`). */
const WINDOW = 90
/** Days played per canary monitor pass, as a scheduled monitor would see them. */
const CANARY_BATCH = 100
const SEED = 2013

/**
 * Runs the quickstart into `dir`, which must not hold a Keel project yet.
 *
 * @example
 * ```ts
 * const result = await runQuickstart('/tmp/q', { onStep: (s) => console.log(s.summary) })
 * result.canary // 'promoted'
 * ```
 */
export async function runQuickstart(dir: string, options: QuickstartOptions = {}): Promise<QuickstartResult> {
  const started = Date.now()
  const root = resolve(dir)
  const data = weatherData()
  const steps: QuickstartStep[] = []
  let clock = Date.now()
  const record = (name: string, summary: string, details: readonly string[], stepData: Record<string, unknown>): void => {
    const now = Date.now()
    const step: QuickstartStep = { step: steps.length + 1, name, summary, details, data: stepData, ms: now - clock }
    clock = now
    steps.push(step)
    options.onStep?.(step)
  }
  const you = (reason: string): Actor => ({ actor: 'you (quickstart)', at: Date.now(), reason })

  // 1. the project, with the data collected so far: January to June 2012
  const history = between(data.days, '2012-01-01', '2012-07-01')
  await initProject(root, { name: safeName(basename(root)) })
  await mkdir(join(root, 'data'), { recursive: true })
  await writeFile(join(root, 'data', 'weather.csv'), csvText(data, history))
  await writeFile(join(root, 'keel.config.ts'), quickstartConfig(safeName(basename(root))))
  record(
    'project',
    `created ${root}: keel.config.ts (a dataset with its contract, a model spec, a deployment, a monitor) and data/weather.csv`,
    [
      `data/weather.csv: Seattle's daily weather, ${history.length} days from ${history[0]?.date} to ${history.at(-1)?.date} (NOAA, public domain)`,
      'the model predicts the kind of day (drizzle, fog, rain, snow, sun) from precipitation, temperatures and wind',
    ],
    { root, rows: history.length, from: history[0]?.date, to: history.at(-1)?.date },
  )

  const project = await openProject(root, { search: false })
  let server: KeelServer | undefined
  try {
    // 2. a snapshot, checked against the contract
    const snap = await project.data.snapshot('weather')
    record(
      'snapshot',
      `snapshot ${snap.snapshot.id.slice(0, 12)} of dataset weather: ${snap.snapshot.rows} rows, contract checks passed`,
      [`content hash ${snap.snapshot.contentHash.slice(0, 16)}…; the same data always gives the same snapshot`],
      { snapshot: snap.snapshot.id, rows: snap.snapshot.rows },
    )

    // 3. train: baseline and candidates, selected by cross-validation, gated, registered
    options.onStart?.('train', 'fitting the baseline and 3 candidates (4-fold cross-validation)')
    const first = await train(project, 'weather', { user: 'quickstart' })
    const v1 = registered(first)
    record('train', trainSummary(first, v1), trainDetails(first), trainData(first))

    // 4. approve and make it champion
    await project.registry.approve({ name: 'weather', version: v1 }, you('passed its gates; first model'))
    await project.registry.setAlias('weather', 'champion', v1, you('first model'))
    record('approve', `weather@${v1} approved and made champion (the approval and the alias are in the audit log)`, [], { version: v1 })

    // 5. serve
    server = await serve(project, { port: options.port ?? 0, pollMs: 500, logFlushMs: 50 })
    const live = server
    record(
      'serve',
      `serving at ${live.url}: POST /v1/models/weather:predict, /v2 (Open Inference Protocol), /metrics, /openapi.json`,
      [
        `curl -s ${live.url}/v1/models/weather:predict -H 'content-type: application/json' -d '{"instances":[{"precipitation":0,"temp_max":24,"temp_min":13,"wind":2.5}]}'`,
      ],
      { url: live.url },
    )
    const traffic = new Traffic(live)

    // 6. a year later, the same season: traffic that looks like the training data
    const spring = sampleDays(between(data.days, '2013-01-01', '2013-07-01'), WINDOW, SEED)
    const calm = await traffic.play(spring)
    record('traffic', trafficSummary('January–June 2013, the season the model knows', calm), [], { ...calm })
    const firstPass = await runMonitor(project, 'weather')
    const alone = firstPass.drift !== null && !firstPass.drift.drifted && firstPass.drift.driftedColumns.length > 0
    record(
      'monitor',
      monitorSummary(firstPass),
      [
        ...monitorDetails(firstPass),
        ...(alone
          ? [
              `each test errs at its 5 % level by chance; the dataset drifts only when at least half of its inputs do (${Math.round((firstPass.drift?.share ?? 0) * 100)} % here)`,
            ]
          : []),
      ],
      monitorData(firstPass),
    )

    // 7. the first summer: hotter, drier days than any the model has seen
    const summer = between(data.days, '2013-07-01', '2013-10-01').slice(-WINDOW)
    const hot = await traffic.play(summer)
    record('drift', trafficSummary('July–September 2013, the first summer the model sees', hot), [], { ...hot })
    // meanwhile every day's label has arrived in the data export: fresh data for a retrain
    const arrived = between(data.days, '2012-07-01', '2013-10-01')
    await appendFile(join(root, 'data', 'weather.csv'), `${arrived.map((d) => d.line).join('\n')}\n`)
    options.onStart?.('alert', 'monitoring; the drift alert retrains on the data that arrived')
    const secondPass = await runMonitor(project, 'weather')
    record('alert', monitorSummary(secondPass), [...monitorDetails(secondPass), ...alertDetails(secondPass)], {
      ...monitorData(secondPass),
      appendedRows: arrived.length,
    })
    const retrain = secondPass.alerts.flatMap((a) => a.actions).find((a) => a.action === 'retrain')
    const versions = await project.registry.list('weather')
    const v2 = versions[0]?.version ?? v1
    if (retrain === undefined || !retrain.ok || v2 === v1) {
      throw new KeelError('QUICKSTART_FAILED', `the drift alert did not register a new version (${retrain?.detail ?? 'no retrain action ran'})`, {
        hint: `Look at the project: keel monitor history weather -C ${root}`,
      })
    }
    const second = await project.registry.get({ name: 'weather', version: v2 })
    record(
      'retrain',
      `weather@${v2} registered from ${arrived.length + history.length} days (2012-01 to 2013-09): test accuracy ${fmt(second.metrics.accuracy)} (weather@${v1}: ${fmt((await project.registry.get({ name: 'weather', version: v1 })).metrics.accuracy)} on its own test rows)`,
      [],
      { version: v2, metrics: second.metrics },
    )

    // 8. approve the new version and send it half of the traffic
    await project.registry.approve({ name: 'weather', version: v2 }, you('retrained after the drift alert'))
    await canary(project.registry, 'weather', 50, you('canary for the retrained version'), v2)
    await live.refresh()
    record('canary', `weather@${v2} approved and deployed as a canary: 50 % of days (by date) go to it, 50 % to weather@${v1}`, [], {
      challenger: v2,
      percent: 50,
    })

    // 9. the days that follow, with their labels, until the canary analysis decides
    const following = between(data.days, '2013-10-01', '2016-01-01')
    const passes: string[] = []
    let decision: MonitorResult['canary'] = null
    let played = 0
    for (let at = 0; at < following.length && decision?.action == null; at += CANARY_BATCH) {
      const batch = following.slice(at, at + CANARY_BATCH)
      await traffic.play(batch)
      played += batch.length
      const pass = await runMonitor(project, 'weather')
      decision = pass.canary
      const c = pass.canary
      passes.push(
        c === null
          ? `${batch[0]?.date} – ${batch.at(-1)?.date}: no canary running`
          : `${batch[0]?.date} – ${batch.at(-1)?.date}: ${c.verdict}; accuracy ${fmt(c.challenger.score)} (weather@${v2}, n=${c.challenger.n}) vs ${fmt(c.champion.score)} (weather@${v1}, n=${c.champion.n})${c.pValue === null ? '' : `, p=${c.pValue.toPrecision(2)}`}`,
      )
    }
    const state = await routingState(project.registry, 'weather')
    const outcome = decision?.action ?? 'undecided'
    record(
      'decide',
      decision === null
        ? `the canary analysis had no verdict after ${played} days`
        : `${decision.action === 'promoted' ? `weather@${v2} promoted` : decision.action === 'rolled back' ? `canary rolled back; weather@${v1} stays champion` : 'no decision yet'}: ${decision.reason}`,
      passes,
      { played, canary: decision, champion: state.champion },
    )

    // 10. the report, and where to look next
    const html = await monitorReport(project, 'weather')
    const report = join(root, 'monitor-report.html')
    await writeFile(report, html)
    const champion = state.champion ?? v1
    record(
      'explore',
      `champion is weather@${champion}; the monitor report is at ${report}`,
      [
        `cd ${root}`,
        ...[
          ['npx keel models list weather', 'versions, status, aliases'],
          [`npx keel models show weather@${v2}`, 'metrics, lineage, gates'],
          ['npx keel models audit weather', 'who approved, promoted, rolled back — and why'],
          ['npx keel monitor history weather', 'every monitor pass and its alerts'],
          ['npx keel serve', 'serve the champion again (port 8080)'],
        ].map(([command, what]) => `${(command as string).padEnd(36)} # ${what}`),
      ],
      { champion, report },
    )
    return { root, steps, champion, canary: outcome, report, ms: Date.now() - started }
  } finally {
    await server?.close()
    await project.close()
  }
}

function safeName(dirName: string): string {
  return dirName.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'keel-quickstart'
}

function registered(result: TrainResult): number {
  if (result.version === null) {
    throw new KeelError('QUICKSTART_FAILED', `training registered no version: ${result.gates.results.map((g) => g.detail).join('; ')}`)
  }
  return result.version.version
}

const fmt = (x: number | null | undefined, digits = 3) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : 'n/a')

function trainSummary(result: TrainResult, version: number): string {
  return `${result.selected} selected by ${result.metric}; test ${result.metric} ${fmt(result.test[result.metric])} vs baseline ${fmt(result.baseline[result.metric])}; gates ${result.gates.passed ? 'passed' : 'failed'} → weather@${version} registered (${result.rows.train} training rows, ${result.rows.test} test rows)`
}

function trainDetails(result: TrainResult): string[] {
  return [
    ...result.ranking.map(
      (r) => `${r.name.padEnd(9)} cross-validated ${result.metric} ${fmt(r.meanScore)} ± ${fmt(r.stdScore)} (${r.trials} trial${r.trials === 1 ? '' : 's'})`,
    ),
    ...result.gates.results.map((g) => `gate ${g.gate}: ${g.passed ? 'passed' : 'failed'} (${g.detail})`),
  ]
}

function trainData(result: TrainResult): Record<string, unknown> {
  return {
    version: result.version?.version,
    selected: result.selected,
    metric: result.metric,
    ranking: result.ranking,
    test: result.test,
    baseline: result.baseline,
  }
}

interface Played {
  readonly requests: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly accuracy: number
  readonly labels: number
}

function trafficSummary(what: string, p: Played): string {
  return `${p.requests} days of ${what}: answered (p50 ${fmt(p.p50Ms, 2)} ms, p99 ${fmt(p.p99Ms, 2)} ms), then their labels sent to /v1/feedback`
}

function monitorSummary(r: MonitorResult): string {
  const drifted = r.drift?.driftedColumns ?? []
  const columns = r.drift?.columns.length ?? 0
  const perf = r.performance
  const fired = r.alerts.filter((a) => a.transition === 'fired').map((a) => a.alert)
  return [
    `monitor pass over the last ${r.window.rows} predictions: ${drifted.length} of ${columns} inputs drifted${drifted.length > 0 ? ` (${drifted.join(', ')})` : ''}`,
    perf?.value == null ? 'no accuracy yet' : `accuracy ${fmt(perf.value)} [${fmt(perf.interval?.[0])}, ${fmt(perf.interval?.[1])}] on ${perf.labels} labels`,
    fired.length > 0 ? `alert ${fired.map((f) => `"${f}"`).join(', ')} fired` : 'no alert',
  ].join('; ')
}

function monitorDetails(r: MonitorResult): string[] {
  return (r.drift?.columns ?? []).map(
    (c) =>
      `${c.column.padEnd(13)} ${c.test} ${c.pValue === undefined ? `${fmt(c.statistic)} (threshold ${c.threshold})` : `p=${c.pValue.toPrecision(2)} (drift below ${c.threshold})`}${c.drifted ? '  DRIFT' : ''}`,
  )
}

function alertDetails(r: MonitorResult): string[] {
  return r.alerts.flatMap((a) => a.actions.map((x) => `alert "${a.alert}" → ${x.action}: ${x.ok ? '' : 'FAILED '}${x.detail}`))
}

function monitorData(r: MonitorResult): Record<string, unknown> {
  return {
    rows: r.window.rows,
    drifted: r.drift?.driftedColumns ?? [],
    share: r.drift?.share ?? null,
    accuracy: r.performance?.value ?? null,
    interval: r.performance?.interval ?? null,
    alerts: r.alerts.map((a) => ({ alert: a.alert, state: a.state, transition: a.transition, actions: a.actions })),
  }
}

/** Plays days against the server one request each, then sends their labels as feedback. */
class Traffic {
  constructor(private readonly server: KeelServer) {}

  async play(days: readonly Day[]): Promise<Played> {
    const ids: string[] = []
    const latencies: number[] = []
    let correct = 0
    for (const day of days) {
      const t0 = performance.now()
      const res = await fetch(`${this.server.url}/v1/models/weather:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: [instance(day)] }),
      })
      const body = (await res.json()) as { ids?: string[]; predictions?: { label: string }[]; message?: string }
      latencies.push(performance.now() - t0)
      if (!res.ok || body.ids?.[0] === undefined)
        throw new KeelError('QUICKSTART_FAILED', `the server refused ${day.date}: ${res.status} ${body.message ?? ''}`)
      ids.push(body.ids[0])
      if (body.predictions?.[0]?.label === day.weather) correct++
    }
    const res = await fetch(`${this.server.url}/v1/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ feedback: ids.map((id, i) => ({ id, label: days[i]?.weather })) }),
    })
    const recorded = (await res.json()) as { recorded?: number; unknown?: unknown[] }
    if (!res.ok) throw new KeelError('QUICKSTART_FAILED', `feedback was refused: ${res.status}`)
    latencies.sort((a, b) => a - b)
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0
    return { requests: days.length, p50Ms: at(0.5), p99Ms: at(0.99), accuracy: correct / Math.max(1, days.length), labels: recorded.recorded ?? ids.length }
  }
}
