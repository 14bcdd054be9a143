import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { count, featureView, latest, sum } from '../../src/features/feature-view.js'
import { materialize } from '../../src/features/materialize.js'
import { historicalFeatures } from '../../src/features/offline.js'
import { getOnlineFeatures } from '../../src/features/online.js'
import { referenceProfile } from '../../src/monitor/reference.js'
import { runMonitor } from '../../src/monitor/run.js'
import { sketchColumn } from '../../src/monitor/stats/frame-column.js'
import { train } from '../../src/pipeline/train/train.js'
import type { Project } from '../../src/project.js'
import type { TrainingSetRef } from '../../src/registry/registry.js'
import { type KeelServer, serve } from '../../src/serve/server.js'
import { churnData, churnOnCustomer, csvText, makeChampion, projectFrom } from '../features/project.js'
import { tempDir } from '../helpers/temp.js'

const DAY = 86_400_000
const END = Date.parse('2024-01-01T00:00:00Z') + 90 * DAY
const CUSTOMERS = Array.from({ length: 60 }, (_, i) => i + 1)

const customer = (spendWindow: string) =>
  featureView({
    entity: 'customer_id',
    timestamp: 'event_time',
    source: 'orders',
    ttl: '30d',
    features: { spend_7d: sum('amount', spendWindow), orders_7d: count('7d'), plan: latest('plan') },
  })

const raw = {
  datasets: {
    orders: { source: { kind: 'csv', path: 'orders.csv' }, contract: { columns: { event_time: { type: 'timestamp' }, customer_id: { type: 'int' } } } },
    labels: { source: { kind: 'csv', path: 'labels.csv' }, contract: { columns: { event_time: { type: 'timestamp' }, customer_id: { type: 'int' } } } },
  },
  featureViews: { customer: customer('7d') },
  models: {
    churn: churnOnCustomer,
  },
  deployments: { churn: { model: 'churn' } },
  monitors: {
    churn: { deployment: 'churn', window: { last: 60 }, performance: { metric: 'accuracy', maxDrop: 0.2, minLabels: 30 } },
    recent: { deployment: 'churn', window: { last: 40 }, performance: { metric: 'accuracy', maxDrop: 0.2, minLabels: 30 } },
  },
}

let dir: string
let project: Project
let server: KeelServer

function random(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** Entity-key-only requests for `customers` (a random region each), 20 a request; returns the ids, logged. */
async function predict(customers: readonly number[], seed: number): Promise<string[]> {
  const r = random(seed)
  const ids: string[] = []
  for (let i = 0; i < customers.length; i += 20) {
    const instances = customers.slice(i, i + 20).map((c) => ({ customer_id: c, region: r() < 0.5 ? 'north' : 'south' }))
    const res = await fetch(`${server.url}/v1/models/churn:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances }),
    })
    expect(res.status).toBe(200)
    ids.push(...((await res.json()) as { ids: string[] }).ids)
  }
  await new Promise((resolve) => setTimeout(resolve, 30))
  await server.log.flush()
  return ids
}

/** The truth of the data: a customer churns unless they spent over 300 in the last 7 days. */
async function feedback(ids: readonly string[], customers: readonly number[]): Promise<void> {
  const online = await getOnlineFeatures(
    project,
    'customer',
    customers.map((c) => [c]),
    { now: END },
  )
  // the CSV's yes / no label reads as a boolean: the model's classes are 'false' and 'true'
  const labels = online.map((o) => (o.status === 'present' && (o.values.spend_7d as number) > 300 ? 'false' : 'true'))
  const res = await fetch(`${server.url}/v1/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ feedback: ids.map((id, i) => ({ id, label: labels[i] })) }),
  })
  expect(res.status).toBe(200)
}

/** Registers another version of churn with version 1's model and lineage (a version whose reference is not cached yet). */
async function copyOfVersion1(): Promise<number> {
  const v1 = await project.registry.get({ name: 'churn', version: 1 })
  const views = (v1.signature as { featureViews: { view: string; version: string; entities: string[]; features: { feature: string; input: string }[] }[] })
    .featureViews
  const copy = await project.registry.register({
    name: 'churn',
    model: await project.registry.loadModel({ name: 'churn', version: 1 }),
    createdBy: 'ann',
    metrics: v1.metrics,
    lineage: v1.details.lineage as { snapshots: string[]; trainingSet: TrainingSetRef },
    featureInputs: views.flatMap((v) =>
      v.features.map((f) => ({ input: f.input, view: v.view, feature: f.feature, version: v.version, entities: v.entities })),
    ),
  })
  return copy.version
}

const trainingSetOf = async (version: number) =>
  ((await project.registry.get({ name: 'churn', version })).details.lineage as { trainingSet: TrainingSetRef }).trainingSet

beforeAll(async () => {
  dir = tempDir('keel-monitor-features-')
  const { orders, labels } = churnData()
  writeFileSync(join(dir, 'orders.csv'), csvText(orders))
  writeFileSync(join(dir, 'labels.csv'), csvText(labels))
  project = await projectFrom(dir, raw)
  const trained = await train(project, 'churn', { user: 'ann' })
  const v = trained.version?.version as number
  await makeChampion(project, 'churn', v)
  await materialize(project, 'customer', { end: END })
  server = await serve(project, { port: 0, pollMs: 600_000, logFlushMs: 10, now: () => END })
}, 180_000)

afterAll(async () => {
  await server?.close()
  await project?.close()
})

describe('monitoring a model trained on feature views', () => {
  it('takes the reference from the training set the features step cached, under the input names', async () => {
    const ref = await trainingSetOf(1)
    expect(ref).toMatchObject({ rows: 600, entityTime: 'event_time', features: ['customer:spend_7d', 'customer:orders_7d'] })
    expect(await project.metadata.getStepCache(ref.cacheKey)).toMatchObject({ pipeline: 'train:churn', step: 'features' })
    const reference = await referenceProfile(project, 'churn', 1)
    expect(reference.trainingSet).toEqual({ id: ref.id, from: 'cache' })
    expect(reference.rows).toBe(600)
    expect(Object.keys(reference.features).sort()).toEqual(['orders_7d', 'region', 'spend_7d'])
    // exactly the values training saw: the same point-in-time join, done again
    const { frame } = await historicalFeatures(project, { entities: 'labels', entityTime: 'event_time', features: ['customer:spend_7d', 'customer:orders_7d'] })
    expect(reference.features.spend_7d).toEqual(sketchColumn(frame.column('spend_7d')))
    expect(reference.features.orders_7d).toEqual(sketchColumn(frame.column('orders_7d')))
  })

  it('finds no drift on unshifted online values, and measures performance from feedback', async () => {
    const ids = await predict(CUSTOMERS, 1)
    await feedback(ids, CUSTOMERS)
    const pass = await runMonitor(project, 'churn', { dryRun: true })
    expect(pass.warnings.filter((w) => w.includes('not measured'))).toEqual([])
    expect(pass.model).toMatchObject({ name: 'churn', version: 1, referenceRows: 600 })
    expect(pass.drift?.columns.map((c) => c.column).sort()).toEqual(['orders_7d', 'region', 'spend_7d'])
    expect(pass.drift?.driftedColumns).toEqual([])
    expect(pass.drift?.drifted).toBe(false)
    expect(pass.drift?.prediction?.drifted).toBe(false)
    expect(pass.performance).toMatchObject({ metric: 'accuracy', labels: 60, conceptDrift: false })
    expect(pass.performance?.value).toBeGreaterThan(0.8)
  }, 60_000)

  it('names the view feature whose online values shifted', async () => {
    const lineage = (await project.registry.get({ name: 'churn', version: 1 })).details.lineage as { featureViews: Record<string, string> }
    const online = await getOnlineFeatures(
      project,
      'customer',
      CUSTOMERS.map((c) => [c]),
      { now: END },
    )
    const shifted = online.flatMap((o) =>
      o.status === 'present' ? [{ key: o.key, eventAt: o.eventAt, values: { ...o.values, spend_7d: (o.values.spend_7d as number) * 3 + 200 } }] : [],
    )
    await (await project.online()).write({ name: 'customer', version: lineage.featureViews.customer as string, ttlMs: 30 * DAY }, shifted, END)
    await predict(CUSTOMERS, 2)
    const pass = await runMonitor(project, 'churn', { dryRun: true })
    expect(pass.drift?.driftedColumns).toContain('spend_7d')
    expect(pass.drift?.driftedColumns).not.toContain('orders_7d')
    expect(pass.drift?.columns.find((c) => c.column === 'spend_7d')).toMatchObject({ drifted: true })
  }, 60_000)

  it('rebuilds the training set from the lineage when its cached output is gone, to the same reference', async () => {
    const ref = await trainingSetOf(1)
    const entry = await project.metadata.getStepCache(ref.cacheKey)
    expect(await project.artifacts.delete(entry?.artifactSha256 as string)).toBe(true)
    const v2 = await copyOfVersion1()
    const rebuilt = await referenceProfile(project, 'churn', v2)
    expect(rebuilt.trainingSet).toEqual({ id: ref.id, from: 'recomputed' })
    const cached = await referenceProfile(project, 'churn', 1)
    expect(rebuilt.features).toEqual(cached.features)
    expect(rebuilt.prediction).toEqual(cached.prediction)
  }, 60_000)

  it('without the cached training set or the view version it needs, skips drift with the reason and still measures performance', async () => {
    const v3 = await copyOfVersion1()
    await makeChampion(project, 'churn', v3)
    await server.refresh()
    const served = CUSTOMERS.slice(0, 40)
    const ids = await predict(served, 3)
    await feedback(ids, served)
    // keel.config.ts now defines another version of the view: the one v3 was trained with cannot be rebuilt
    const changed = await projectFrom(dir, { ...raw, featureViews: { customer: customer('14d') } })
    try {
      const pass = await runMonitor(changed, 'recent', { dryRun: true })
      expect(pass.drift).toBeNull()
      const warning = pass.warnings.find((w) => w.startsWith('drift not measured: '))
      expect(warning).toContain(`the training set of churn@${v3} is no longer in the step cache and cannot be rebuilt`)
      expect(warning).toContain('feature view "customer" is now version')
      expect(pass.performance).toMatchObject({ metric: 'accuracy', labels: 40 })
      expect(pass.service?.requests).toBe(40)
    } finally {
      await changed.close()
    }
  }, 60_000)
})
