import { appendFileSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runMonitor } from '../../src/monitor/run.js'
import { train } from '../../src/pipeline/train/train.js'
import { openProject, type Project } from '../../src/project.js'
import { type KeelServer, serve } from '../../src/serve/server.js'
import { REPO_ROOT, writeProject } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'
import { webhookReceiver } from '../helpers/webhook-receiver.js'

const WEATHER = join(REPO_ROOT, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv')

/** Seattle's days as instances and labels. */
function days(): { instance: Record<string, number>; label: string }[] {
  const [, ...lines] = readFileSync(WEATHER, 'utf8').trim().split('\n')
  return lines.map((line) => {
    const [, precipitation, tempMax, tempMin, wind, weather] = line.split(',')
    return {
      instance: { precipitation: Number(precipitation), temp_max: Number(tempMax), temp_min: Number(tempMin), wind: Number(wind) },
      label: weather as string,
    }
  })
}

function sample<T>(items: readonly T[], n: number, seed: number): T[] {
  let s = seed
  const r = () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
  return Array.from({ length: n }, () => items[Math.floor(r() * items.length)] as T)
}

const receiver = webhookReceiver()
const hooks = receiver.bodies

let dir: string
let project: Project
let server: KeelServer
const all = days()

async function predict(instances: Record<string, number>[], perRequest = 100): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < instances.length; i += perRequest) {
    const res = await fetch(`${server.url}/v1/models/weather:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: instances.slice(i, i + perRequest) }),
    })
    ids.push(...((await res.json()) as { ids: string[] }).ids)
  }
  await new Promise((resolve) => setTimeout(resolve, 50))
  await server.log.flush()
  return ids
}

beforeAll(async () => {
  const hook = await receiver.listen('/drift')
  dir = writeProject(tempDir('keel-monitor-'))
  copyFileSync(WEATHER, join(dir, 'weather.csv'))
  writeFileSync(
    join(dir, 'keel.config.ts'),
    `import { csv, dataset, defineProject, deployment, model, monitor } from 'keel'
export default defineProject({
  name: 'monitoring',
  datasets: { weather: dataset({ source: csv('weather.csv') }) },
  models: {
    weather: model({
      data: 'weather', label: 'weather', exclude: ['date'],
      candidates: { forest: { learner: 'randomForest', params: { nTrees: 30, maxDepth: 6 } } },
      validation: { kind: 'kfold', folds: 3 },
      select: { metric: 'logLoss' },
      gates: { beatBaseline: { metric: 'logLoss', by: 0.1 } },
    }),
  },
  deployments: { weather: deployment({ model: 'weather' }) },
  monitors: {
    weather: monitor({
      deployment: 'weather',
      window: '1h',
      performance: { metric: 'accuracy', maxDrop: 0.2, minLabels: 50 },
      canary: { minSamples: 100, autoRollback: true, autoPromote: true },
      alerts: {
        dataset: { when: 'drift.drifted == true', actions: [{ webhook: '${hook}' }, { log: true }] },
        temperature: { when: 'drift.columns.temp_max.drifted == true' },
        accuracy: { when: 'performance.conceptDrift == true', actions: [{ retrain: true }] },
      },
    }),
    recent: monitor({ deployment: 'weather', window: { last: 300, within: '1d' } }),
  },
})
`,
  )
  project = await openProject(dir, { search: false })
  const trained = await train(project, 'weather')
  const v = trained.version?.version as number
  await project.registry.approve({ name: 'weather', version: v }, { actor: 'ops', at: Date.now() })
  await project.registry.setAlias('weather', 'champion', v, { actor: 'ops', at: Date.now() })
  server = await serve(project, { port: 0, pollMs: 60_000, logFlushMs: 20 })
}, 180_000)

afterAll(async () => {
  await server?.close()
  await project?.close()
  receiver.close()
})

describe('monitoring a deployment with traffic from a real dataset', () => {
  it('raises no alert on unshifted traffic', async () => {
    await predict(sample(all, 1000, 1).map((d) => d.instance))
    const result = await runMonitor(project, 'weather')
    expect(result.window.rows).toBe(1000)
    expect(result.model).toMatchObject({ name: 'weather', version: 1, referenceRows: 1461 })
    expect(result.drift?.columns.map((c) => [c.column, c.test])).toEqual([
      ['precipitation', 'wasserstein'],
      ['temp_max', 'wasserstein'],
      ['temp_min', 'wasserstein'],
      ['wind', 'wasserstein'],
    ])
    expect(result.drift?.driftedColumns).toEqual([])
    expect(result.drift?.prediction?.drifted).toBe(false)
    expect(result.alerts.map((a) => [a.alert, a.state])).toEqual([
      ['dataset', 'ok'],
      ['temperature', 'ok'],
      ['accuracy', 'ok'],
    ])
    expect(result.service?.requests).toBe(1000)
  }, 60_000)

  it('reads a count window: the newest predictions, the same ones for every column, with its actual start', async () => {
    const result = await runMonitor(project, 'recent')
    const newest = await project.metadata.listPredictions({ deployment: 'weather', limit: 300 })
    expect(result.window).toMatchObject({ rows: 300, last: 300, start: newest.at(-1)?.at })
    expect(result.drift?.columns.map((c) => c.currentRows)).toEqual([300, 300, 300, 300])
    expect(result.service?.requests).toBe(300)
    const stored = await project.metadata.listMonitorResults('recent', 1)
    expect(stored[0]?.windowStart).toBe(result.window.start)
    // two days on, nothing was logged within the time bound
    const empty = await runMonitor(project, 'recent', { now: Date.now() + 2 * 86_400_000 })
    expect(empty.window).toMatchObject({ rows: 0, last: 300 })
    expect(empty.warnings[0]).toMatch(/^no predictions in the window \(last 300 within 1d\): none were logged in /)
  }, 60_000)

  it('names the shifted feature, fires the dataset alert once with its webhook, and resolves it', async () => {
    // a heat wave: every temperature 12 °C higher
    await predict(
      sample(all, 600, 2).map((d) => ({ ...d.instance, temp_max: (d.instance.temp_max as number) + 12, temp_min: (d.instance.temp_min as number) + 12 })),
    )
    const result = await runMonitor(project, 'weather')
    expect(result.drift?.driftedColumns).toEqual(['temp_max', 'temp_min'])
    expect(result.drift?.drifted).toBe(true)
    const byName = Object.fromEntries(result.alerts.map((a) => [a.alert, a]))
    expect(byName.dataset).toMatchObject({ state: 'firing', transition: 'fired' })
    expect(byName.dataset?.actions.map((a) => [a.action, a.ok])).toEqual([
      ['webhook', true],
      ['log', true],
    ])
    expect(byName.temperature).toMatchObject({ state: 'firing', transition: 'fired' })
    expect(hooks).toHaveLength(1)
    expect(hooks[0]).toMatchObject({ monitor: 'weather', alert: 'dataset', deployment: 'weather', drift: { drifted: true } })
    // still drifted: no second notification
    const again = await runMonitor(project, 'weather')
    expect(again.alerts.find((a) => a.alert === 'dataset')).toMatchObject({ state: 'firing', transition: null, actions: [] })
    expect(hooks).toHaveLength(1)
    // an hour later the window holds only new, normal traffic: resolved
    const later = Date.now() + 3_700_000
    const resolved = await runMonitor(project, 'weather', { now: later })
    expect(resolved.window.rows).toBe(0)
    expect(resolved.alerts.find((a) => a.alert === 'dataset')).toMatchObject({ state: 'ok', transition: 'resolved' })
    const events = await project.metadata.listAlertEvents('weather')
    expect(events.filter((e) => e.alert === 'dataset').map((e) => e.event)).toEqual(['fired', 'action:webhook', 'action:log', 'resolved'])
  }, 60_000)

  it('measures performance from feedback, and retrains on fresh data when labels flip', async () => {
    const since = Date.now()
    const batch = sample(all, 200, 3)
    const ids = await predict(batch.map((d) => d.instance))
    const feedback = async (labels: string[]) => {
      const res = await fetch(`${server.url}/v1/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ feedback: ids.map((id, i) => ({ id, label: labels[i] })) }),
      })
      expect(res.status).toBe(200)
    }
    await feedback(batch.map((d) => d.label))
    const good = await runMonitor(project, 'weather', { now: Date.now() + 1, dryRun: true })
    expect(good.performance?.labels).toBe(200)
    expect(good.performance?.value).toBeGreaterThan(0.7)
    expect(good.performance?.conceptDrift).toBe(false)
    const [lo, hi] = good.performance?.interval ?? [0, 0]
    expect(lo).toBeLessThanOrEqual(good.performance?.value as number)
    expect(hi).toBeGreaterThanOrEqual(good.performance?.value as number)
    // the world changed: rainy days are now labelled sunny and the other way round, and new data arrived
    await feedback(batch.map((d) => (d.label === 'rain' ? 'sun' : d.label === 'sun' ? 'rain' : d.label)))
    appendFileSync(
      join(dir, 'weather.csv'),
      `${readFileSync(WEATHER, 'utf8')
        .trim()
        .split('\n')
        .slice(1, 101)
        .map((l) => l.replace(/^2012/, '2016'))
        .join('\n')}\n`,
    )
    const bad = await runMonitor(project, 'weather', { now: Date.now() + 1 })
    expect(bad.performance?.conceptDrift).toBe(true)
    expect(bad.performance?.drop).toBeGreaterThan(0.2)
    const accuracy = bad.alerts.find((a) => a.alert === 'accuracy')
    expect(accuracy).toMatchObject({ state: 'firing', transition: 'fired' })
    expect(accuracy?.actions).toEqual([{ action: 'retrain', ok: true, detail: 'weather@2 registered' }])
    expect((await project.registry.list('weather')).map((v) => v.version)).toEqual([2, 1])
    expect(since).toBeGreaterThan(0)
  }, 120_000)
})

describe('canary analysis on live feedback', () => {
  it('rolls back a worse challenger automatically and records why', async () => {
    const { readFrame } = await import('../../src/data/readers/read-frame.js')
    const { learners } = await import('../../src/learn/learners/index.js')
    const { canary, routingState } = await import('../../src/serve/routing.js')
    const frame = (await readFrame(WEATHER)).drop(['date'])
    // a challenger that always answers the most common kind of day
    const weak = await learners.baseline({ strategy: 'majority' }).fit(frame, { label: 'weather' })
    const v = await project.registry.register({
      name: 'weather',
      model: weak,
      createdBy: 'trainer',
      lineage: { snapshots: [(await project.data.snapshots('weather'))[0]?.id as string] },
    })
    await canary(project.registry, 'weather', 50, { actor: 'ops', at: Date.now(), reason: 'try' }, v.version)
    await server.refresh()
    const batch = sample(all, 600, 4)
    // each request goes to one arm: many small requests split the traffic close to 50/50
    const ids = await predict(
      batch.map((d) => d.instance),
      10,
    )
    await fetch(`${server.url}/v1/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ feedback: ids.map((id, i) => ({ id, label: batch[i]?.label })) }),
    })
    const result = await runMonitor(project, 'weather', { now: Date.now() + 1 })
    expect(result.canary?.verdict).toBe('worse')
    expect(result.canary?.action).toBe('rolled back')
    expect(result.canary?.challenger.n).toBeGreaterThanOrEqual(100)
    // only the answers since the canary began count: the window's 200 earlier (relabelled) answers do not
    expect((result.canary?.champion.n ?? 0) + (result.canary?.challenger.n ?? 0)).toBe(600)
    expect(result.canary?.champion.score).toBeGreaterThan(result.canary?.challenger.score as number)
    expect(await routingState(project.registry, 'weather')).toMatchObject({ traffic: null, challenger: null })
    const routing = (await project.registry.audit('weather')).filter((e) => e.action === 'routing').at(-1)
    expect(routing?.reason).toMatch(/^canary analysis: challenger significantly worse at 0.05: accuracy/)
  }, 60_000)
})

describe('false alarms on unshifted traffic (Evidently defaults, Seattle weather)', () => {
  it('stays under 5 % for windows of 1,000 rows over 100 seeds', async () => {
    const { driftPass, sketchNumeric } = await import('../../src/monitor/stats/index.js')
    const columns = ['precipitation', 'temp_max', 'temp_min', 'wind'] as const
    const values = columns.map((c) => Float64Array.from(all, (d) => d.instance[c] as number))
    const reference = Object.fromEntries(columns.map((c, i) => [c, sketchNumeric(values[i] as Float64Array)]))
    const rate = async (n: number) => {
      let alarms = 0
      for (let seed = 1; seed <= 100; seed++) {
        const rows = sample(
          all.map((_, i) => i),
          n,
          seed * 7919,
        )
        const pass = await driftPass(reference, (c) =>
          Float64Array.from(rows, (i) => (values[columns.indexOf(c as (typeof columns)[number])] as Float64Array)[i] as number),
        )
        if (pass.dataset.drifted) alarms++
      }
      return alarms / 100
    }
    // measured: 80 % at 100 rows, 10 % at 300, 0 % at 1,000 (docs/monitoring.md)
    expect(await rate(1000)).toBeLessThanOrEqual(0.05)
    expect(await rate(100)).toBeGreaterThan(0.5)
  }, 60_000)
})
