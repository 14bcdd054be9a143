import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Frame } from '../../src/core/frame.js'
import { learners } from '../../src/learn/learners/index.js'
import { openProject, type Project } from '../../src/project.js'
import { createToken } from '../../src/serve/auth.js'
import type { PredictorFactory } from '../../src/serve/predictor.js'
import { canary, promote, rollbackDeployment } from '../../src/serve/routing.js'
import { type KeelServer, serve } from '../../src/serve/server.js'
import { writeProject } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'
import { webhookReceiver } from '../helpers/webhook-receiver.js'

const CONFIG = `{
  name: 'serving',
  registry: { approval: 'manual' },
  deployments: {
    churn: deployment({ model: 'churn', sticky: 'customer_id', shadow: { aliases: ['challenger'] }, fallback: { value: 'no' }, timeoutMs: 200, limits: { maxInstances: 50 } }),
    split: deployment({ model: 'churn', traffic: { champion: 80, challenger: 20 } }),
    limited: deployment({ model: 'churn', limits: { requestsPerMinute: 5 } }),
    hashed: deployment({ model: 'churn', fallback: { model: 'churn@1' }, log: { inputs: 'hash' } }),
    alerts: deployment({ model: 'churn', actions: [{ when: "p > 0.5 and input.plan != 'pro'", webhook: 'HOOK' }] }),
  },
}`

/** Customers: tenure and plan decide churn, with some noise. */
function customers(n: number, seed: number): Frame {
  let s = seed
  const r = () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
  const tenure = Float64Array.from({ length: n }, () => Math.floor(r() * 60))
  const plans = ['basic', 'plus', 'pro']
  const plan = Array.from({ length: n }, () => plans[Math.floor(r() * 3)] as string)
  const churned = Array.from(tenure, (t, i) => ((t < 12 && plan[i] !== 'pro') !== r() < 0.1 ? 'yes' : 'no'))
  return Frame.fromRecords(
    Array.from({ length: n }, (_, i) => ({ tenure: tenure[i], plan: plan[i], churned: churned[i] })),
    { tenure: 'number', plan: 'category', churned: 'category' },
  )
}

/** Faults switched on by the tests, per version; the smoke prediction always passes. */
const faults = new Map<number, 'error' | 'slow'>()
const faulty: PredictorFactory = (model, version) => ({
  async predict(frame) {
    const fault = faults.get(version.version)
    if (fault === 'error') throw new Error('injected model failure')
    if (fault === 'slow') await new Promise((resolve) => setTimeout(resolve, 400))
    return model.predict(frame)
  },
})

let project: Project
let server: KeelServer
let base: string
const dir = writeProject(tempDir('keel-serve-'))
/** Webhook payloads the `alerts` deployment sent. */
const receiver = webhookReceiver()
const hooks = receiver.bodies
const by = (reason: string) => ({ actor: 'ops', at: Date.now(), reason })

async function register(nTrees: number): Promise<number> {
  const model = await learners.gbdt({ nTrees, maxDepth: 3, nThreads: 1 }).fit(customers(600, nTrees), { label: 'churned' })
  const v = await project.registry.register({ name: 'churn', model, createdBy: 'trainer' })
  return v.version
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const instance = (customer: string, tenure = 5, plan = 'basic') => ({ customer_id: customer, tenure, plan })
/** An instance for deployments without a sticky field: the features only. */
const plain = (tenure = 5, plan = 'basic') => ({ tenure, plan })

beforeAll(async () => {
  const hook = await receiver.listen('/hook')
  writeFileSync(
    join(dir, 'keel.config.ts'),
    `import { defineProject, deployment } from 'keel'\nexport default defineProject(${CONFIG.replace('HOOK', hook)})\n`,
  )
  project = await openProject(dir, { search: false })
  for (const trees of [5, 20]) await register(trees)
  await project.registry.approve('churn@1', by('first'))
  await project.registry.approve('churn@2', by('second'))
  await project.registry.setAlias('churn', 'champion', 1, by('first'))
  await project.registry.setAlias('churn', 'challenger', 2, by('try'))
  server = await serve(project, { port: 0, pollMs: 200, predictor: faulty, logFlushMs: 20 })
  base = server.url
}, 60_000)

afterAll(async () => {
  await server?.close()
  await project?.close()
  receiver.close()
})

describe('keel serve over real HTTP', () => {
  it('predicts in the v1 shape, one instance or many, with ids and the answering version', async () => {
    const many = await post('/v1/models/churn:predict', { instances: [instance('a'), instance('b', 40, 'pro')] })
    expect(many.status).toBe(200)
    expect(many.body.model).toEqual({ name: 'churn', version: 1, alias: 'champion' })
    const predictions = many.body.predictions as { label: string; probabilities: Record<string, number> }[]
    expect(predictions).toHaveLength(2)
    expect(Object.keys(predictions[0]?.probabilities ?? {}).sort()).toEqual(['no', 'yes'])
    expect(predictions[0]?.label).toBe('yes')
    expect(predictions[1]?.label).toBe('no')
    expect((many.body.ids as string[]).length).toBe(2)
    const one = await post('/v1/models/churn:predict', instance('c'))
    expect(one.status).toBe(200)
    expect((one.body.predictions as unknown[]).length).toBe(1)
  })

  it('answers the Open Inference Protocol (v2): health, metadata, readiness and infer', async () => {
    expect((await fetch(`${base}/v2/health/live`)).status).toBe(200)
    expect((await fetch(`${base}/v2/health/ready`)).status).toBe(200)
    expect((await fetch(`${base}/v2/models/churn/ready`)).status).toBe(200)
    const meta = (await (await fetch(`${base}/v2/models/churn`)).json()) as { inputs: { name: string; datatype: string }[] }
    expect(meta.inputs).toEqual([
      { name: 'tenure', datatype: 'FP64', shape: [-1] },
      { name: 'plan', datatype: 'BYTES', shape: [-1] },
    ])
    const infer = await post('/v2/models/churn/infer', {
      id: 'r1',
      inputs: [
        { name: 'tenure', shape: [2, 1], datatype: 'FP64', data: [[5], [40]] },
        { name: 'plan', shape: [2], datatype: 'BYTES', data: ['basic', 'pro'] },
      ],
      parameters: { key: 'c1' },
    })
    expect(infer.status).toBe(200)
    expect(infer.body).toMatchObject({ model_name: 'churn', model_version: '1', id: 'r1' })
    const outputs = infer.body.outputs as { name: string; shape: number[]; data: unknown[] }[]
    expect(outputs.map((o) => [o.name, o.shape])).toEqual([
      ['label', [2]],
      ['probabilities', [2, 2]],
    ])
    expect(outputs[0]?.data).toEqual(['yes', 'no'])
    const bad = await post('/v2/models/churn/infer', { inputs: [{ name: 'tenure', shape: [2], datatype: 'FP64', data: [1] }] })
    expect(bad.status).toBe(400)
  })

  it('refuses bad input with field-level 4xx errors and never crashes', async () => {
    const wrong = await post('/v1/models/churn:predict', { instances: [{ tenure: 'long', plan: 3, extra: 1 }, { plan: 'basic' }] })
    expect(wrong.status).toBe(400)
    const fields = (wrong.body.error as { fields: { instance: number; field: string; message: string }[] }).fields
    expect(fields.map((f) => `${f.instance}.${f.field}`).sort()).toEqual(['0.extra', '0.plan', '0.tenure', '1.tenure'])
    expect(fields.find((f) => f.field === 'tenure' && f.instance === 0)?.message).toBe('must be a finite number or null; got "long"')
    expect((await post('/v1/models/churn:predict', '{"instances": [')).status).toBe(400)
    expect((await post('/v1/models/churn:predict', { instances: Array.from({ length: 51 }, () => instance('x')) })).status).toBe(413)
    expect((await post('/v1/models/churn:predict', { instances: [{ ...instance('x'), tenure: 'NaN' }] })).status).toBe(400)
    expect((await post('/v1/models/churn:predict', { pad: 'x'.repeat(1024 * 1024 + 10) })).status).toBe(413)
    expect((await post('/v1/models/nope:predict', instance('x'))).status).toBe(404)
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
  })

  it('splits traffic by the configured share (within ±3% over 10,000 requests) and keeps a sticky key on one model', async () => {
    const counts = { champion: 0, challenger: 0 }
    const batch = 100
    for (let i = 0; i < 10_000 / batch; i++) {
      const results = await Promise.all(Array.from({ length: batch }, () => post('/v1/models/split:predict', { instances: [{ tenure: 3, plan: 'plus' }] })))
      for (const r of results) counts[(r.body.model as { alias: 'champion' | 'challenger' }).alias]++
    }
    expect(Math.abs(counts.challenger / 10_000 - 0.2)).toBeLessThan(0.03)
    // sticky: the same customer always gets the same alias; different customers spread over both
    await canary(project.registry, 'churn', 50, by('sticky test'))
    await server.refresh()
    const seen = new Map<string, Set<string>>()
    for (let c = 0; c < 40; c++) {
      for (let k = 0; k < 5; k++) {
        const r = await post('/v1/models/churn:predict', { instances: [instance(`customer-${c}`)] })
        const aliases = seen.get(`customer-${c}`) ?? new Set()
        aliases.add((r.body.model as { alias: string }).alias)
        seen.set(`customer-${c}`, aliases)
      }
    }
    expect([...seen.values()].every((s) => s.size === 1)).toBe(true)
    const assigned = [...seen.values()].map((s) => [...s][0])
    expect(new Set(assigned)).toEqual(new Set(['champion', 'challenger']))
    await project.metadata.setRouting('churn', null, by('end sticky test'))
    await server.refresh()
  }, 120_000)

  it('sends a copy to shadows, logs their outputs and counts disagreements, never answering from them', async () => {
    const r = await post('/v1/models/churn:predict', { instances: [instance('s1', 11, 'plus'), instance('s2', 30, 'basic')] })
    expect((r.body.model as { alias: string }).alias).toBe('champion')
    await server.log.flush()
    await new Promise((resolve) => setTimeout(resolve, 50))
    await server.log.flush()
    const logged = await project.metadata.listPredictions({ deployment: 'churn', limit: 200 })
    const row = logged.find((p) => p.id === (r.body.ids as string[])[0])
    expect(row?.version).toBe(1)
    expect(JSON.parse(row?.shadow ?? '{}')).toHaveProperty('challenger.label')
    expect(JSON.parse(row?.inputs ?? '{}')).toEqual({ tenure: 11, plan: 'plus' })
    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toMatch(/keel_shadow_predictions_total\{deployment="churn",alias="challenger"\} \d+/)
    expect(metrics).toContain('keel_shadow_disagreements_total')
  })

  it('answers with the fallback when the model fails or is too slow, and says so', async () => {
    faults.set(1, 'error')
    const failed = await post('/v1/models/churn:predict', instance('f1'))
    expect(failed.status).toBe(200)
    expect(failed.body).toMatchObject({ predictions: ['no'], fallback: true })
    faults.set(1, 'slow')
    const slow = await post('/v1/models/churn:predict', instance('f2'))
    expect(slow.body).toMatchObject({ predictions: ['no'], fallback: true })
    // a fallback model answers with its own prediction
    faults.set(1, 'error')
    const byModel = await post('/v1/models/hashed:predict', plain())
    expect(byModel.body).toMatchObject({ fallback: true, model: { name: 'churn', version: 1, alias: 'fallback' } })
    faults.delete(1)
    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toMatch(/keel_fallbacks_total\{deployment="churn",reason="error"\} 1/)
    expect(metrics).toMatch(/keel_fallbacks_total\{deployment="churn",reason="timeout"\} 1/)
  })

  it('turns matching predictions into webhook calls off the request path', async () => {
    const r = await post('/v1/models/alerts:predict', { instances: [plain(2, 'basic'), plain(50, 'pro'), plain(3, 'pro')] })
    expect(r.status).toBe(200)
    const deadline = Date.now() + 3000
    while (hooks.length < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    await new Promise((resolve) => setTimeout(resolve, 100))
    // only the first instance is likely to churn on a plan other than pro
    expect(hooks).toHaveLength(1)
    expect(hooks[0]).toMatchObject({
      deployment: 'alerts',
      rule: "p > 0.5 and input.plan != 'pro'",
      predictionId: (r.body.ids as string[])[0],
      input: { tenure: 2, plan: 'basic' },
    })
    expect(hooks[0]?.prediction).toMatchObject({ label: 'yes' })
  })

  it('joins feedback to logged predictions by id and reports unknown ids', async () => {
    const r = await post('/v1/models/hashed:predict', { instances: [plain(3), plain(30, 'pro')] })
    const [a, b] = r.body.ids as string[]
    const fb = await post('/v1/feedback', {
      feedback: [
        { id: a, label: 'yes' },
        { id: b, label: 'no' },
        { id: 'not-a-prediction', label: 'no' },
      ],
    })
    expect(fb.status).toBe(200)
    expect(fb.body).toEqual({ recorded: 2, unknown: ['not-a-prediction'] })
    expect(await project.metadata.getFeedback(a as string)).toMatchObject({ label: '"yes"' })
    expect((await post('/v1/feedback', { id: 'nobody', label: 1 })).status).toBe(404)
    expect((await post('/v1/feedback', { id: a, label: null })).status).toBe(400)
    // this deployment logs only a hash of the inputs
    const logged = (await project.metadata.listPredictions({ deployment: 'hashed', limit: 10 })).find((p) => p.id === a)
    expect(logged?.inputs).toBeNull()
    expect(logged?.inputsHash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('swaps in a new champion under continuous load with zero failed requests; rollback and promote switch back and forth', async () => {
    const v3 = await register(40)
    await project.registry.approve(`churn@${v3}`, by('third'))
    let stop = false
    const statuses: number[] = []
    const versions = new Set<number>()
    const load = async () => {
      while (!stop) {
        const r = await post('/v1/models/churn:predict', { instances: [instance(`load-${statuses.length}`)] })
        statuses.push(r.status)
        if (r.status === 200) versions.add((r.body.model as { version: number }).version)
      }
    }
    const workers = Array.from({ length: 4 }, load)
    await new Promise((resolve) => setTimeout(resolve, 300))
    await project.registry.setAlias('churn', 'champion', v3, by('swap'))
    // the server notices within its poll interval, with no restart
    const deadline = Date.now() + 5000
    while (!versions.has(v3) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    await rollbackDeployment(project.registry, 'churn', by('too slow'))
    await new Promise((resolve) => setTimeout(resolve, 600))
    stop = true
    await Promise.all(workers)
    expect(versions.has(v3)).toBe(true)
    expect(statuses.length).toBeGreaterThan(50)
    expect(statuses.filter((s) => s !== 200)).toEqual([])
    const after = await post('/v1/models/churn:predict', instance('after'))
    expect((after.body.model as { version: number }).version).toBe(1)
    // canary then promote: the challenger becomes champion
    await canary(project.registry, 'churn', 10, by('canary'), v3)
    await promote(project.registry, 'churn', by('good'))
    await server.refresh()
    expect(((await post('/v1/models/churn:predict', instance('promoted'))).body.model as { version: number }).version).toBe(v3)
    // the canary is over: the promoted version is champion and no longer also challenger
    expect((await project.registry.get(`churn@${v3}`)).aliases).toEqual(['champion'])
    expect((await project.registry.audit('churn')).at(-1)).toMatchObject({ action: 'alias-removed', version: v3, details: { alias: 'challenger' } })
    await expect(project.registry.removeAlias('churn', 'champion', by('no'))).rejects.toMatchObject({ code: 'CLI_USAGE' })
  }, 60_000)

  it('refuses a version whose artifact fails its integrity check and keeps serving the previous one', async () => {
    const v4 = await register(7)
    await project.registry.approve(`churn@${v4}`, by('fourth'))
    const sha = (await project.registry.get(`churn@${v4}`)).details.artifacts as { native: string }
    const file = join(dir, '.keel', 'artifacts', 'objects', sha.native.slice(0, 2), sha.native)
    chmodSync(file, 0o644)
    writeFileSync(file, Buffer.from('tampered'))
    const before = ((await post('/v1/models/churn:predict', instance('t0'))).body.model as { version: number }).version
    await project.registry.setAlias('churn', 'champion', v4, by('bad artifact'))
    await server.refresh()
    const r = await post('/v1/models/churn:predict', instance('t1'))
    expect(r.status).toBe(200)
    expect((r.body.model as { version: number }).version).toBe(before)
    await project.registry.setAlias('churn', 'champion', before, by('back to a whole artifact'))
    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toMatch(/keel_model_swaps_total\{deployment="[a-z]+",alias="champion",outcome="refused"\} 1/)
  })

  it('rate-limits per client, and publishes an OpenAPI document and Prometheus metrics', async () => {
    const statuses = []
    for (let i = 0; i < 7; i++) statuses.push((await post('/v1/models/limited:predict', plain())).status)
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200])
    expect(statuses.slice(5)).toEqual([429, 429])
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> }
    expect(Object.keys(doc.paths)).toContain('/v1/models/churn:predict')
    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toMatch(/keel_requests_total\{deployment="limited",model="churn",version="[^"]*",route="v1.predict",status="429"\} 2/)
    expect(metrics).toContain('keel_request_duration_seconds_bucket')
  })

  it('counts in /metrics what was answered, scrape after scrape (the request path counts locally until a scrape)', async () => {
    const labels = 'deployment="limited",model="churn",version="[^"]*",route="v1.predict"'
    /** The sum of every series matching `pattern`. */
    const sum = (text: string, pattern: string) => [...text.matchAll(new RegExp(`^${pattern} (\\d+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0)
    const scrape = async () => {
      const text = await (await fetch(`${base}/metrics`)).text()
      return {
        requests: sum(text, `keel_requests_total\\{${labels},status="\\d+"\\}`),
        ok: sum(text, `keel_requests_total\\{${labels},status="200"\\}`),
        observed: sum(text, `keel_request_duration_seconds_count\\{${labels}\\}`),
        inf: sum(text, `keel_request_duration_seconds_bucket\\{le="\\+Inf",${labels}\\}`),
        predicted: sum(text, 'keel_predictions_total\\{deployment="limited",[^}]*\\}'),
      }
    }
    const before = await scrape()
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) statuses.push((await post('/v1/models/limited:predict', plain())).status)
    const after = await scrape()
    const answered = statuses.filter((s) => s === 200).length
    expect(after.requests - before.requests).toBe(statuses.length)
    expect(after.ok - before.ok).toBe(answered)
    expect(after.predicted - before.predicted).toBe(answered)
    // every request is one latency observation, and the +Inf bucket holds them all
    expect(after.observed - before.observed).toBe(statuses.length)
    expect(after.inf).toBe(after.observed)
    expect(await scrape()).toEqual(after)
  })
})

describe('keel serve with API tokens', () => {
  it('requires a token, gives admin routes to admins only, and refuses revoked tokens', async () => {
    const { secret: predictToken, token } = await createToken(project.metadata, { name: 'app', role: 'predict' })
    const { secret: adminToken } = await createToken(project.metadata, { name: 'ops', role: 'admin' })
    // every request asks the store, so a revocation shows at once (test/serve/auth.test.ts covers the default cache)
    const secured = await serve(project, { port: 0, auth: true, pollMs: 60_000, tokenCacheMs: 0 })
    try {
      const call = (path: string, auth?: string) =>
        fetch(`${secured.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
          body: JSON.stringify(instance('z')),
        })
      expect((await call('/v1/models/churn:predict')).status).toBe(401)
      expect((await call('/v1/models/churn:predict', 'keel_wrong')).status).toBe(401)
      expect((await call('/v1/models/churn:predict', predictToken)).status).toBe(200)
      expect((await call('/admin/reload', predictToken)).status).toBe(403)
      expect((await call('/admin/reload', adminToken)).status).toBe(200)
      await project.metadata.revokeToken(token.id, Date.now())
      expect((await call('/v1/models/churn:predict', predictToken)).status).toBe(401)
      expect((await fetch(`${secured.url}/healthz`)).status).toBe(200)
    } finally {
      await secured.close()
    }
  })

  it('will not bind a public address without tokens', async () => {
    const other = await openProject(writeProject(tempDir('keel-serve-noauth-'), "{ name: 'x', deployments: { a: { model: 'a' } } }"), { search: false })
    try {
      await expect(serve(other, { host: '0.0.0.0', port: 0 })).rejects.toMatchObject({ code: 'SERVE_AUTH_REQUIRED' })
    } finally {
      await other.close()
    }
  })
})

describe('graceful shutdown', () => {
  it('drains and writes the whole prediction log: logged equals answered', async () => {
    const own = await serve(project, { port: 0, pollMs: 60_000, logFlushMs: 10_000 })
    const before = await project.metadata.countPredictions('split')
    let answered = 0
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 25; i++) {
          const res = await fetch(`${own.url}/v1/models/split:predict`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ instances: [plain(), plain(50, 'pro')] }),
          })
          if (res.status === 200) answered += ((await res.json()) as { ids: string[] }).ids.length
        }
      }),
    )
    await own.close()
    expect(answered).toBe(400)
    expect(own.log.written).toBe(400)
    expect((await project.metadata.countPredictions('split')) - before).toBe(400)
  })
})
