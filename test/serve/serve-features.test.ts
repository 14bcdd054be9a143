import { writeFileSync } from 'node:fs'
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Frame } from '../../src/core/frame.js'
import { count, featureView, latest, sum } from '../../src/features/feature-view.js'
import { materialize } from '../../src/features/materialize.js'
import { getOnlineFeatures } from '../../src/features/online.js'
import { runMonitor } from '../../src/monitor/run.js'
import { model } from '../../src/pipeline/model-spec.js'
import { train } from '../../src/pipeline/train/train.js'
import type { Project } from '../../src/project.js'
import { type KeelServer, type ServeEvent, serve } from '../../src/serve/server.js'
import { churnData, churnOnCustomer, csvText, makeChampion, projectFrom } from '../features/project.js'
import { freshRedisPrefix, TEST_REDIS_URL } from '../helpers/redis.js'
import { tempDir } from '../helpers/temp.js'

const DAY = 86_400_000
const T0 = Date.parse('2024-01-01T00:00:00Z')
/** The events end at 90 days; values are materialized as of then. */
const END = T0 + 90 * DAY
const TTL = 30 * DAY

const raw = {
  datasets: {
    orders: { source: { kind: 'csv', path: 'orders.csv' }, contract: { columns: { event_time: { type: 'timestamp' }, customer_id: { type: 'int' } } } },
    labels: { source: { kind: 'csv', path: 'labels.csv' }, contract: { columns: { event_time: { type: 'timestamp' }, customer_id: { type: 'int' } } } },
  },
  featureViews: {
    customer: featureView({
      entity: 'customer_id',
      timestamp: 'event_time',
      source: 'orders',
      ttl: '30d',
      features: { spend_7d: sum('amount', '7d'), orders_7d: count('7d'), plan: latest('plan') },
    }),
  },
  models: {
    churn: churnOnCustomer,
    // a fallback model: it takes only the request-time input, so it answers without online features
    regional: model({
      data: 'labels',
      label: 'churned',
      features: ['region'],
      candidates: { forest: { learner: 'randomForest', params: { nTrees: 5, maxDepth: 2 } } },
      validation: { kind: 'kfold', folds: 3 },
    }),
  },
}
const DEFAULTS = { spend_7d: 40, orders_7d: 1 }

type Body = Record<string, unknown>
type Logged = Awaited<ReturnType<Project['metadata']['listPredictions']>>[number]
async function post(base: string, name: string, body: unknown): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${base}/v1/models/${name}:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, body: (await res.json()) as Body }
}
const labelOf = (body: Body, i = 0) => (body.predictions as { label: string; probabilities: Record<string, number> }[])[i]

/** Waits for the answers' log records to be appended, then writes them. */
async function flushed(server: KeelServer): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20))
  await server.log.flush()
}

let dir: string
let project: Project
let server: KeelServer
let clock = END
const events: ServeEvent[] = []

beforeAll(async () => {
  dir = tempDir('keel-serve-features-')
  const { orders, labels } = churnData()
  writeFileSync(join(dir, 'orders.csv'), csvText(orders))
  writeFileSync(join(dir, 'labels.csv'), csvText(labels))
  project = await projectFrom(dir, {
    ...raw,
    deployments: {
      churn: { model: 'churn' },
      lenient: { model: 'churn', features: { requestValues: 'override' } },
      defaults: { model: 'churn', features: { onMissing: { defaults: DEFAULTS } } },
      backup: { model: 'churn', fallback: { value: 'yes' }, features: { onMissing: 'fallback' } },
      rescue: { model: 'churn', fallback: { model: 'regional@1' }, features: { onMissing: 'fallback' } },
    },
    monitors: { backup: { deployment: 'backup', window: '1h' } },
  })
  await train(project, 'regional', { user: 'ann' })
  const trained = await train(project, 'churn', { user: 'ann' })
  const v = trained.version?.version as number
  await makeChampion(project, 'churn', v)
  // started before the view is materialized: the version must be refused
  server = await serve(project, { port: 0, pollMs: 600_000, logFlushMs: 10, now: () => clock, onEvent: (e) => events.push(e) })
}, 180_000)

afterAll(async () => {
  await server?.close()
  await project?.close()
})

describe('serving a model trained on feature views (SQLite online store)', () => {
  it('refuses a version whose view version was never materialized, and loads it once it is', async () => {
    const refused = events.find((e) => e.kind === 'refused' && e.deployment === 'churn')
    expect(refused).toMatchObject({ kind: 'refused', deployment: 'churn', alias: 'champion', version: 1 })
    const reason = (refused as { reason: string }).reason
    expect(reason).toContain('feature view "customer" version')
    expect(reason).toContain('never been materialized')
    expect(reason).toContain('`keel features materialize customer`')
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503)
    expect((await post(server.url, 'churn', { customer_id: 1, region: 'north' })).body).toMatchObject({ error: { code: 'SERVE_NOT_READY' } })
    // refreshing again does not repeat the same refusal
    await server.refresh()
    expect(events.filter((e) => e.kind === 'refused' && e.deployment === 'churn')).toHaveLength(1)

    await materialize(project, 'customer', { end: END })
    await server.refresh()
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
    expect(events).toContainEqual({ kind: 'swapped', deployment: 'churn', alias: 'champion', from: null, to: 1 })
  })

  it('answers entity-key-only requests with the online values, as if they had been sent, and logs them', async () => {
    const online = await getOnlineFeatures(project, 'customer', [[1], [2]], { now: END })
    const values = online.map((o) => (o.status === 'present' ? o.values : {}))
    const keyed = await post(server.url, 'churn', {
      instances: [
        { customer_id: 1, region: 'north' },
        { customer_id: 2, region: 'south' },
      ],
    })
    expect(keyed.status).toBe(200)
    expect(keyed.body.features).toBeUndefined()
    const explicit = await post(server.url, 'lenient', {
      instances: values.map((v, i) => ({ region: i === 0 ? 'north' : 'south', spend_7d: v.spend_7d, orders_7d: v.orders_7d })),
    })
    expect(explicit.status).toBe(200)
    expect(keyed.body.predictions).toEqual(explicit.body.predictions)
    // and the same as the model on those values, outside the server
    const trained = await project.registry.loadModel({ name: 'churn', version: 1 })
    const direct = trained.predict(
      Frame.fromRecords(
        values.map((v, i) => ({ spend_7d: v.spend_7d as number, orders_7d: v.orders_7d as number, region: i === 0 ? 'north' : 'south' })),
        { spend_7d: 'number', orders_7d: 'number', region: 'category' },
      ),
    )
    expect(labelOf(keyed.body, 0)?.probabilities).toEqual(Object.fromEntries(direct.classes.map((c, k) => [c, direct.values[k]])))

    await flushed(server)
    const logged = await project.metadata.listPredictions({ deployment: 'churn', limit: 2 })
    // the two share a millisecond, so the log's order between them is the ids' random part
    expect(logged.map((p) => JSON.parse(p.inputs as string)).sort((a, b) => a.region.localeCompare(b.region))).toEqual([
      { region: 'north', spend_7d: values[0]?.spend_7d, orders_7d: values[0]?.orders_7d },
      { region: 'south', spend_7d: values[1]?.spend_7d, orders_7d: values[1]?.orders_7d },
    ])
    expect(logged.map((p) => JSON.parse(p.features as string))).toEqual([{ customer: { status: 'present' } }, { customer: { status: 'present' } }])
  })

  it('refuses request values for view features unless the deployment allows them, and asks for the key', async () => {
    const sent = await post(server.url, 'churn', { customer_id: 1, region: 'north', spend_7d: 9999 })
    expect(sent.status).toBe(400)
    expect(sent.body.error).toMatchObject({ code: 'INVALID_INPUT', fields: [{ instance: 0, field: 'spend_7d' }] })
    const keyless = await post(server.url, 'churn', { region: 'north' })
    expect(keyless.status).toBe(400)
    expect(keyless.body.error).toMatchObject({ fields: [{ instance: 0, field: 'customer_id', message: 'missing: the entity key of feature view "customer"' }] })
    // allowed: the request's value wins over the online one
    const overridden = await post(server.url, 'lenient', { customer_id: 1, region: 'north', spend_7d: 9999 })
    expect(overridden.status).toBe(200)
  })

  it('rejects missing entities per instance, naming the entity and the view', async () => {
    const res = await post(server.url, 'churn', {
      instances: [
        { customer_id: 1, region: 'north' },
        { customer_id: 999, region: 'north' },
      ],
    })
    expect(res.status).toBe(422)
    expect(res.body.error).toMatchObject({ code: 'FEATURES_MISSING', instances: [{ instance: 1, view: 'customer', key: [999], status: 'missing' }] })
    expect((res.body.error as { message: string }).message).toContain('key [999]')
  })

  it('treats a value older than the TTL as expired: present at exactly the TTL, rejected 1 ms after', async () => {
    const online = await getOnlineFeatures(
      project,
      'customer',
      Array.from({ length: 60 }, (_, i) => [i + 1]),
      { now: END },
    )
    const oldest = online.filter((o) => o.status === 'present').sort((a, b) => (a as { eventAt: number }).eventAt - (b as { eventAt: number }).eventAt)[0]
    const eventAt = (oldest as { eventAt: number }).eventAt
    const key = oldest?.key[0] as number
    try {
      clock = eventAt + TTL
      expect((await post(server.url, 'churn', { customer_id: key, region: 'north' })).status).toBe(200)
      clock = eventAt + TTL + 1
      const expired = await post(server.url, 'churn', { customer_id: key, region: 'north' })
      expect(expired.status).toBe(422)
      expect(expired.body.error).toMatchObject({ instances: [{ instance: 0, view: 'customer', key: [key], status: 'expired' }] })
      const defaulted = await post(server.url, 'defaults', { customer_id: key, region: 'north' })
      expect(defaulted.body.features).toEqual({
        instances: [{ instance: 0, view: 'customer', key: [key], status: 'expired', action: 'defaults', defaulted: ['spend_7d', 'orders_7d'] }],
      })
    } finally {
      clock = END
    }
  })

  it('defaults: answers with the declared values, and says which features were defaulted', async () => {
    const res = await post(server.url, 'defaults', {
      instances: [
        { customer_id: 999, region: 'south' },
        { customer_id: 1, region: 'south' },
      ],
    })
    expect(res.status).toBe(200)
    expect(res.body.fallback).toBeUndefined()
    expect(res.body.features).toEqual({
      instances: [{ instance: 0, view: 'customer', key: [999], status: 'missing', action: 'defaults', defaulted: ['spend_7d', 'orders_7d'] }],
    })
    const explicit = await post(server.url, 'lenient', { region: 'south', ...DEFAULTS })
    expect(labelOf(res.body, 0)).toEqual(labelOf(explicit.body, 0))
    await flushed(server)
    const logged = await project.metadata.listPredictions({ deployment: 'defaults', limit: 2 })
    const first = logged.find((p) => JSON.parse(p.features as string).customer.status === 'missing')
    expect(JSON.parse(first?.inputs as string)).toEqual({ region: 'south', ...DEFAULTS })
    expect(JSON.parse(first?.features as string)).toEqual({ customer: { status: 'missing', defaulted: ['spend_7d', 'orders_7d'] } })
  })

  it('fallback: the deployment fallback answers a request with a missing entity, and the response says so', async () => {
    const res = await post(server.url, 'backup', { customer_id: 999, region: 'south' })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ predictions: ['yes'], fallback: true })
    expect(res.body.features).toEqual({ instances: [{ instance: 0, view: 'customer', key: [999], status: 'missing', action: 'fallback' }] })
    const present = await post(server.url, 'backup', { customer_id: 1, region: 'south' })
    expect(present.body.fallback).toBeUndefined()
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toContain('keel_fallbacks_total{deployment="backup",reason="features"} 1')
    expect(metrics).toMatch(/keel_feature_lookups_total\{deployment="churn",view="customer",status="present"\} \d+/)
  })

  /** The logged predictions of `ids`, in their order. */
  async function loggedOf(deployment: string, ids: readonly string[]): Promise<Logged[]> {
    await flushed(server)
    const logged = await project.metadata.listPredictions({ deployment, limit: 1000 })
    return ids.map((id) => logged.find((p) => p.id === id) as Logged)
  }

  it('fallback: answers per instance — the model those with features, the constant the others, in request order', async () => {
    const customers = [1, 999, 2, 998]
    const regions = ['north', 'south', 'south', 'north']
    const res = await post(server.url, 'backup', { instances: customers.map((customer_id, i) => ({ customer_id, region: regions[i] })) })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ fallback: true, fallbacks: [1, 3], model: { name: 'churn', version: 1, alias: 'champion' } })
    const alone = await post(server.url, 'churn', {
      instances: [
        { customer_id: 1, region: 'north' },
        { customer_id: 2, region: 'south' },
      ],
    })
    expect(res.body.predictions).toEqual([labelOf(alone.body, 0), 'yes', labelOf(alone.body, 1), 'yes'])
    expect(res.body.features).toEqual({
      instances: [
        { instance: 1, view: 'customer', key: [999], status: 'missing', action: 'fallback' },
        { instance: 3, view: 'customer', key: [998], status: 'missing', action: 'fallback' },
      ],
    })
    const logged = await loggedOf('backup', res.body.ids as string[])
    expect(logged.map((p) => p.fallback)).toEqual([false, true, false, true])
    expect(logged.map((p) => JSON.parse(p.output))).toEqual(res.body.predictions)
    expect(logged.map((p) => JSON.parse(p.features as string).customer.status)).toEqual(['present', 'missing', 'present', 'missing'])
    // every instance present, or none: the answer is shaped as before
    const none = await post(server.url, 'backup', {
      instances: [
        { customer_id: 999, region: 'north' },
        { customer_id: 998, region: 'south' },
      ],
    })
    expect(none.body).toMatchObject({ predictions: ['yes', 'yes'], fallback: true })
    expect(none.body.fallbacks).toBeUndefined()
    const all = await post(server.url, 'backup', { instances: [{ customer_id: 1, region: 'north' }] })
    expect(all.body.fallback).toBeUndefined()
    expect(all.body.fallbacks).toBeUndefined()

    // the monitor counts the fallback's answers per instance, as logged
    await flushed(server)
    const rows = await project.metadata.listPredictions({ deployment: 'backup', limit: 1000 })
    const pass = await runMonitor(project, 'backup')
    expect(pass.service).toMatchObject({ requests: rows.length, fallback_rate: rows.filter((p) => p.fallback).length / rows.length })
    // 999 in the test before; 999 and 998 here, twice
    expect(rows.filter((p) => p.fallback)).toHaveLength(5)
  })

  it('fallback: a fallback model answers only the instances without features, and the log says which answered', async () => {
    const res = await post(server.url, 'rescue', {
      instances: [
        { customer_id: 999, region: 'north' },
        { customer_id: 1, region: 'south' },
      ],
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ fallback: true, fallbacks: [0], model: { name: 'churn', version: 1, alias: 'champion' } })
    const byModel = await post(server.url, 'churn', { customer_id: 1, region: 'south' })
    const regional = await project.registry.loadModel({ name: 'regional', version: 1 })
    const direct = regional.predict(Frame.fromRecords([{ region: 'north' }], { region: 'category' }))
    expect(labelOf(res.body, 0)?.probabilities).toEqual(Object.fromEntries(direct.classes.map((c, k) => [c, direct.values[k]])))
    expect(labelOf(res.body, 1)).toEqual(labelOf(byModel.body, 0))
    const logged = await loggedOf('rescue', res.body.ids as string[])
    expect(logged.map((p) => [p.model, p.version, p.alias, p.fallback])).toEqual([
      ['regional', 1, 'fallback', true],
      ['churn', 1, 'champion', false],
    ])
    expect(JSON.parse(logged[0]?.inputs as string)).toEqual({ region: 'north' })
  })

  it('fallback per instance on the v2 protocol: outputs in request order, the fallback rows in parameters.fallbacks', async () => {
    const infer = async (customers: number[]) => {
      const res = await fetch(`${server.url}/v2/models/backup/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [
            { name: 'customer_id', shape: [customers.length], datatype: 'INT64', data: customers },
            { name: 'region', shape: [customers.length], datatype: 'BYTES', data: customers.map(() => 'north') },
          ],
        }),
      })
      return { status: res.status, body: (await res.json()) as { parameters: Body; outputs: { name: string; shape: number[]; data: unknown[] }[] } }
    }
    const res = await infer([1, 999, 2])
    expect(res.status).toBe(200)
    expect(res.body.parameters).toMatchObject({ fallback: true, fallbacks: [1] })
    const alone = await infer([1, 2])
    expect(alone.body.parameters.fallback).toBeUndefined()
    const [label, probabilities] = res.body.outputs
    const [aloneLabel, aloneProbabilities] = alone.body.outputs
    expect(label).toMatchObject({ name: 'label', shape: [3], data: [aloneLabel?.data[0], 'yes', aloneLabel?.data[1]] })
    // the constant has no probabilities: its row is null
    const [a, b] = [aloneProbabilities?.data.slice(0, 2), aloneProbabilities?.data.slice(2, 4)]
    expect(probabilities).toMatchObject({ name: 'probabilities', shape: [3, 2], data: [...(a ?? []), null, null, ...(b ?? [])] })
    const logged = await loggedOf('backup', res.body.parameters.ids as string[])
    expect(logged.map((p) => p.fallback)).toEqual([false, true, false])
    // all from the fallback: the shape of before
    const none = await infer([999])
    expect(none.body.parameters).toMatchObject({ fallback: true })
    expect(none.body.parameters.fallbacks).toBeUndefined()
    expect(none.body.outputs).toEqual([{ name: 'predictions', datatype: 'BYTES', shape: [1], data: ['yes'] }])
  })

  it('refuses a new version trained on another view version that was never materialized; the previous one keeps serving', async () => {
    const v1 = await project.registry.get({ name: 'churn', version: 1 })
    const other = 'f'.repeat(64)
    await project.metadata.registerFeatureViewVersion({
      name: 'customer',
      version: other,
      definition: { entities: ['customer_id'], ttlMs: TTL },
      createdAt: Date.now(),
      createdBy: 'ann',
    })
    const v2 = await project.registry.register({
      name: 'churn',
      model: await project.registry.loadModel({ name: 'churn', version: 1 }),
      createdBy: 'ann',
      lineage: { featureViews: { customer: other } },
      featureInputs:
        (v1.signature.featureViews as { features: { feature: string; input: string }[] }[])[0]?.features.map((f) => ({
          ...f,
          view: 'customer',
          version: other,
          entities: ['customer_id'],
        })) ?? [],
    })
    await makeChampion(project, 'churn', v2.version)
    await server.refresh()
    const refused = events.find((e) => e.kind === 'refused' && e.version === v2.version && e.deployment === 'churn') as { reason: string }
    expect(refused.reason).toContain(`feature view "customer" version ${other.slice(0, 12)}`)
    expect(refused.reason).toContain('keel features materialize customer')
    const res = await post(server.url, 'churn', { customer_id: 1, region: 'north' })
    expect(res.status).toBe(200)
    expect(res.body.model).toMatchObject({ version: 1 })
    await project.registry.setAlias('churn', 'champion', 1, { actor: 'ops', at: Date.now() })
  })
})

/** A TCP relay to the machine's Redis that the test can cut, as an outage would. */
async function relay(): Promise<{ port: number; cut: () => Promise<void> }> {
  const target = new URL(TEST_REDIS_URL)
  const sockets = new Set<Socket>()
  const proxy: Server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port || 6379), target.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => undefined)
      s.on('close', () => sockets.delete(s))
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const port = (proxy.address() as { port: number }).port
  return {
    port,
    cut: async () => {
      const closed = new Promise((resolve) => proxy.close(resolve))
      for (const s of sockets) s.destroy()
      await closed
    },
  }
}

describe('serving with features from Redis (the machine service; fails if unreachable)', () => {
  let redisProject: Project
  let redisServer: KeelServer
  let redis: Awaited<ReturnType<typeof relay>>
  const prefix = freshRedisPrefix()

  beforeAll(async () => {
    redis = await relay()
    const url = `redis://127.0.0.1:${redis.port}/0?prefix=${encodeURIComponent(prefix.prefix)}`
    redisProject = await projectFrom(dir, {
      ...raw,
      environments: { development: { online: url } },
      deployments: {
        cached: { model: 'churn', features: { onMissing: { defaults: DEFAULTS } } },
        strict: { model: 'churn' },
        rescued: { model: 'churn', fallback: { model: 'regional@1' }, features: { onMissing: 'fallback' } },
      },
      monitors: { features: { deployment: 'cached', window: '1h', alerts: { store: { when: 'service.feature_store_errors > 0' } } } },
    })
    await materialize(redisProject, 'customer', { end: END })
    redisServer = await serve(redisProject, { port: 0, pollMs: 600_000, logFlushMs: 10, now: () => END })
  }, 60_000)

  afterAll(async () => {
    await redisServer?.close()
    await redisProject?.close()
    await prefix.drop()
  })

  it('answers from Redis while it is up', async () => {
    const res = await post(redisServer.url, 'cached', { customer_id: 1, region: 'north' })
    expect(res.status).toBe(200)
    expect(res.body.features).toBeUndefined()
    const sqlite = await post(server.url, 'churn', { customer_id: 1, region: 'north' })
    expect(res.body.predictions).toEqual(sqlite.body.predictions)
  })

  it('when Redis goes down: the declared degradation, a counter, a marked log and an alert', async () => {
    await redis.cut()
    const degraded = await post(redisServer.url, 'cached', { customer_id: 1, region: 'north' })
    expect(degraded.status).toBe(200)
    const report = degraded.body.features as { degraded: string; instances: unknown[] }
    expect(report.degraded).toContain('view "customer": online store')
    expect(report.instances).toEqual([{ instance: 0, view: 'customer', key: [1], status: 'error', action: 'defaults', defaulted: ['spend_7d', 'orders_7d'] }])
    const strict = await post(redisServer.url, 'strict', { customer_id: 1, region: 'north' })
    expect(strict.status).toBe(503)
    expect(strict.body.error).toMatchObject({ code: 'FEATURE_STORE_UNAVAILABLE', views: ['customer'] })

    const metrics = await (await fetch(`${redisServer.url}/metrics`)).text()
    expect(metrics).toContain('keel_feature_store_errors_total{deployment="cached",view="customer"} 1')
    expect(metrics).toContain('keel_feature_store_errors_total{deployment="strict",view="customer"} 1')

    await flushed(redisServer)
    const [logged] = await redisProject.metadata.listPredictions({ deployment: 'cached', limit: 1 })
    expect(JSON.parse(logged?.features as string)).toEqual({ customer: { status: 'error', defaulted: ['spend_7d', 'orders_7d'] } })

    const pass = await runMonitor(redisProject, 'features')
    expect(pass.service).toMatchObject({ requests: 2, feature_store_errors: 1, feature_store_error_rate: 0.5 })
    expect(pass.alerts).toEqual([expect.objectContaining({ alert: 'store', condition: true, state: 'firing', transition: 'fired' })])
  })

  it('when Redis goes down under onMissing fallback: the fallback answers every instance, marked', async () => {
    const res = await post(redisServer.url, 'rescued', {
      instances: [
        { customer_id: 1, region: 'north' },
        { customer_id: 2, region: 'south' },
      ],
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ fallback: true, model: { name: 'regional', version: 1, alias: 'fallback' } })
    expect(res.body.fallbacks).toBeUndefined()
    const report = res.body.features as { degraded: string; instances: unknown[] }
    expect(report.degraded).toContain('view "customer": online store')
    expect(report.instances).toEqual([
      { instance: 0, view: 'customer', key: [1], status: 'error', action: 'fallback' },
      { instance: 1, view: 'customer', key: [2], status: 'error', action: 'fallback' },
    ])
    const regional = await redisProject.registry.loadModel({ name: 'regional', version: 1 })
    const direct = regional.predict(Frame.fromRecords([{ region: 'north' }, { region: 'south' }], { region: 'category' }))
    expect((res.body.predictions as { label: string }[]).map((p) => p.label)).toEqual(
      [0, 1].map((i) => (direct.classes as string[])[(direct.values[2 * i + 1] as number) > (direct.values[2 * i] as number) ? 1 : 0]),
    )
    await flushed(redisServer)
    const logged = await redisProject.metadata.listPredictions({ deployment: 'rescued', limit: 10 })
    expect(logged.map((p) => [p.model, p.alias, p.fallback, JSON.parse(p.features as string)])).toEqual([
      ['regional', 'fallback', true, { customer: { status: 'error' } }],
      ['regional', 'fallback', true, { customer: { status: 'error' } }],
    ])
  })

  it('a server whose online store is unreachable at start is not ready with the version', async () => {
    const seen: ServeEvent[] = []
    const closed = await projectFrom(dir, {
      ...raw,
      environments: { development: { online: 'redis://127.0.0.1:1/0' } },
      deployments: { churn: { model: 'churn' } },
    })
    const down = await serve(closed, { port: 0, pollMs: 600_000, onEvent: (e) => seen.push(e) })
    try {
      expect((await fetch(`${down.url}/readyz`)).status).toBe(503)
      expect(seen).toContainEqual(expect.objectContaining({ kind: 'refused', deployment: 'churn', reason: expect.stringContaining('127.0.0.1:1') }))
    } finally {
      await down.close()
      // the test project's close awaits the online store it never could open
      await closed.close().catch(() => undefined)
    }
  })
})
