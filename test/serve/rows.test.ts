import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Frame } from '../../src/core/frame.js'
import { learners } from '../../src/learn/learners/index.js'
import type { Model } from '../../src/learn/model.js'
import { openProject, type Project } from '../../src/project.js'
import { VersionLoader } from '../../src/serve/runtime.js'
import { type KeelServer, serve } from '../../src/serve/server.js'
import { instancesToFrame, rowEncoder, type SignatureInput } from '../../src/serve/signature.js'
import { writeProject } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'

/** A served request's rows path (instances straight to Model.predictRows) against the frame path it replaces. */

function lcg(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

const PLANS = ['basic', 'plus', 'pro']
const DAY = 86_400_000
const START = Date.UTC(2026, 0, 1)

/** Accounts with every kind of input: tenure (number), plan (category), promo (boolean), joined (timestamp); some values missing. */
function accounts(n: number, seed: number, label: 'binary' | 'three' | 'number'): Frame {
  const r = lcg(seed)
  const rows = Array.from({ length: n }, () => {
    const tenure = r() < 0.1 ? null : Math.floor(r() * 60)
    const plan = r() < 0.1 ? null : (PLANS[Math.floor(r() * 3)] as string)
    const promo = r() < 0.1 ? null : r() < 0.5
    const joined = START + Math.floor(r() * 365) * DAY
    const score = (tenure ?? 30) / 60 + (plan === 'pro' ? 0.5 : 0) + (promo ? 0.3 : 0) + r() * 0.4
    const y = label === 'number' ? score : label === 'three' ? ['low', 'mid', 'high'][Math.min(2, Math.floor(score * 1.5))] : score > 0.8 ? 'yes' : 'no'
    return { tenure, plan, promo, joined, y }
  })
  return Frame.fromRecords(rows, { tenure: 'number', plan: 'category', promo: 'boolean', joined: 'timestamp', y: label === 'number' ? 'number' : 'category' })
}

/** Instances as a client sends them: times as ISO text or epoch ms, missing values as null, plans the model never saw. */
function instances(n: number, seed: number): Record<string, unknown>[] {
  const r = lcg(seed)
  const pick = <T>(values: readonly T[]) => values[Math.floor(r() * values.length)] as T
  return Array.from({ length: n }, () => {
    const joined = START + Math.floor(r() * 400) * DAY + Math.floor(r() * DAY)
    return {
      joined: r() < 0.5 ? new Date(joined).toISOString() : r() < 0.9 ? joined : null,
      tenure: r() < 0.15 ? null : r() * 70 - 5,
      plan: r() < 0.15 ? null : pick([...PLANS, 'enterprise']),
      promo: r() < 0.15 ? null : r() < 0.5,
    }
  })
}

const inputsOf = (model: Model): SignatureInput[] => model.features.map((f) => ({ name: f.name, kind: f.kind, ...(f.levels ? { levels: f.levels } : {}) }))

/** Both paths' predictions for the same instances: the rows path must not differ in a single bit. */
function bothPaths(model: Model, sent: readonly unknown[]): { rows: Float64Array; frame: Float64Array } {
  const encoder = rowEncoder(inputsOf(model), model.features)
  if (encoder === null) throw new Error('no row encoder')
  const encoded = encoder.encode(sent)
  if (encoded === undefined) throw new Error('the instances were refused')
  const built = instancesToFrame(sent, inputsOf(model))
  if (!('frame' in built)) throw new Error('the frame path refused the instances')
  if (model.predictRows === undefined) throw new Error('the model has no rows path')
  return { rows: model.predictRows(encoded, sent.length).values, frame: model.predict(built.frame).values }
}

describe('the rows path of a served prediction', () => {
  const cases = [
    ['GBDT, binary', () => learners.gbdt({ nTrees: 30, maxDepth: 4, nThreads: 1 }).fit(accounts(800, 1, 'binary'), { label: 'y' })],
    ['GBDT, three classes', () => learners.gbdt({ nTrees: 10, maxDepth: 3, nThreads: 1 }).fit(accounts(800, 2, 'three'), { label: 'y' })],
    ['GBDT, regression', () => learners.gbdt({ nTrees: 25, maxDepth: 5, nThreads: 1 }).fit(accounts(800, 3, 'number'), { label: 'y' })],
    ['random forest', () => learners.randomForest({ nTrees: 12, maxDepth: 6 }).fit(accounts(800, 4, 'binary'), { label: 'y' })],
  ] as const

  for (const [name, train] of cases) {
    it(`predicts what the frame path predicts, bit for bit, for 1 to 700 instances (${name})`, async () => {
      const model = await train()
      // 1–3 rows walk the trees eight at a time, 4 and more walk four rows at a time, 700 spans two blocks
      for (const n of [1, 2, 3, 4, 5, 9, 700]) {
        const { rows, frame } = bothPaths(model, instances(n, n))
        expect(rows.length).toBe(frame.length)
        expect(rows.every((v, i) => Object.is(v, frame[i]))).toBe(true)
      }
    })
  }

  it('refuses exactly what the frame path refuses, and takes what it takes', async () => {
    const model = await learners.gbdt({ nTrees: 5, maxDepth: 3, nThreads: 1 }).fit(accounts(300, 5, 'binary'), { label: 'y' })
    const encoder = rowEncoder(inputsOf(model), model.features)
    const good = { tenure: 12, plan: 'pro', promo: true, joined: '2026-03-01T00:00:00Z' }
    const refused: unknown[][] = [
      [{ tenure: 12, plan: 'pro', promo: true }],
      [{ ...good, extra: 1 }],
      [{ ...good, tenure: '12' }],
      [{ ...good, tenure: Number.NaN }],
      [{ ...good, tenure: Number.POSITIVE_INFINITY }],
      [{ ...good, plan: 3 }],
      [{ ...good, promo: 'true' }],
      [{ ...good, joined: 'not a time' }],
      [{ ...good, joined: true }],
      [[12, 'pro', true, 0]],
      [null],
      ['text'],
      [good, { ...good, tenure: undefined }],
      [Object.assign(Object.create({ tenure: 1 }), { plan: 'pro', promo: true, joined: 0, other: 1 })],
    ]
    for (const sent of refused) {
      expect(encoder?.encode(sent)).toBeUndefined()
      expect('errors' in instancesToFrame(sent, inputsOf(model))).toBe(true)
    }
    const taken: unknown[][] = [[good], [{ tenure: null, plan: null, promo: null, joined: null }], [{ ...good, plan: 'never seen' }], [{ ...good, joined: 0 }]]
    for (const sent of taken) {
      expect(encoder?.encode(sent)).toBeInstanceOf(Float64Array)
      expect('frame' in instancesToFrame(sent, inputsOf(model))).toBe(true)
    }
  })

  it('has no encoder when the signature is not exactly the model features', async () => {
    const model = await learners.gbdt({ nTrees: 3, maxDepth: 2, nThreads: 1 }).fit(accounts(200, 6, 'binary'), { label: 'y' })
    const inputs = inputsOf(model)
    expect(rowEncoder(inputs, model.features)).not.toBeNull()
    expect(rowEncoder(inputs.slice(1), model.features)).toBeNull()
    expect(rowEncoder([...inputs, { name: 'region', kind: 'category' }], model.features)).toBeNull()
    expect(
      rowEncoder(
        inputs.map((i) => (i.name === 'tenure' ? { ...i, kind: 'timestamp' as const } : i)),
        model.features,
      ),
    ).toBeNull()
    // the order may differ: rows follow the model's features
    expect(rowEncoder([...inputs].reverse(), model.features)).not.toBeNull()
  })
})

describe('serving through the rows path', () => {
  let project: Project
  let server: KeelServer
  let champion: Model
  let challenger: Model
  const dir = writeProject(tempDir('keel-serve-rows-'))
  const by = { actor: 'ops', at: Date.now(), reason: 'rows path' }

  beforeAll(async () => {
    writeFileSync(
      join(dir, 'keel.config.ts'),
      `import { defineProject, deployment } from 'keel'
export default defineProject({ name: 'rows', deployments: { accounts: deployment({ model: 'accounts', shadow: { aliases: ['challenger'] } }) } })
`,
    )
    project = await openProject(dir, { search: false })
    champion = await learners.gbdt({ nTrees: 40, maxDepth: 4, nThreads: 1 }).fit(accounts(800, 7, 'binary'), { label: 'y' })
    challenger = await learners.randomForest({ nTrees: 10, maxDepth: 5 }).fit(accounts(800, 8, 'binary'), { label: 'y' })
    for (const [alias, model] of [
      ['champion', champion],
      ['challenger', challenger],
    ] as const) {
      const v = await project.registry.register({ name: 'accounts', model, createdBy: 'trainer' })
      await project.registry.approve(`accounts@${v.version}`, by)
      await project.registry.setAlias('accounts', alias, v.version, by)
    }
    server = await serve(project, { port: 0, pollMs: 600_000, logFlushMs: 10 })
  }, 60_000)

  afterAll(async () => {
    await server?.close()
    await project?.close()
  })

  const post = async (body: unknown) => {
    const res = await fetch(`${server.url}/v1/models/accounts:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  it('takes the rows path for the native model and answers as the model does on a frame', async () => {
    const runtime = server.runtimes.get('accounts')
    expect(runtime?.serving.get('champion')?.rows).not.toBeNull()
    const sent = instances(40, 11)
    const { status, body } = await post({ instances: sent })
    expect(status).toBe(200)
    const built = instancesToFrame(sent, inputsOf(champion))
    if (!('frame' in built)) throw new Error('refused')
    const p = champion.predict(built.frame).values
    const answers = body.predictions as { label: string; probabilities: Record<string, number> }[]
    answers.forEach((a, i) => {
      expect(a.probabilities.no).toBe(p[2 * i])
      expect(a.probabilities.yes).toBe(p[2 * i + 1])
    })
  })

  it('still names every bad field: a refused request goes to the frame path for its errors', async () => {
    const { status, body } = await post({
      instances: [
        { tenure: 'x', plan: 'pro', promo: true, joined: 0 },
        { tenure: 3, plan: 'pro', joined: 0 },
      ],
    })
    expect(status).toBe(400)
    const fields = (body.error as { fields: { instance: number; field: string }[] }).fields
    expect(fields.map((f) => `${f.instance}.${f.field}`)).toEqual(['0.tenure', '1.promo'])
  })

  it("logs the shadow's own predictions, made from its own rows", async () => {
    const sent = instances(5, 12)
    const { body } = await post({ instances: sent })
    const ids = body.ids as string[]
    // shadows answer after the response, then the record is logged
    let logged = await project.metadata.listPredictions({ deployment: 'accounts', limit: 1000 })
    for (let i = 0; i < 100 && !ids.every((id) => logged.some((r) => r.id === id)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      await server.log.flush()
      logged = await project.metadata.listPredictions({ deployment: 'accounts', limit: 1000 })
    }
    const built = instancesToFrame(sent, inputsOf(challenger))
    if (!('frame' in built)) throw new Error('refused')
    const p = challenger.predict(built.frame).values
    ids.forEach((id, i) => {
      const record = logged.find((r) => r.id === id)
      const shadow = JSON.parse(record?.shadow ?? 'null') as { challenger: { probabilities: Record<string, number> } }
      expect(shadow.challenger.probabilities.yes).toBe(p[2 * i + 1])
    })
  })

  it('refuses a version whose row predictions differ from its frame predictions', async () => {
    const registry = Object.create(project.registry) as typeof project.registry
    registry.loadModel = async (ref) => {
      const model = await project.registry.loadModel(ref)
      const rows = model.predictRows?.bind(model)
      return {
        ...model,
        predict: model.predict.bind(model),
        save: model.save.bind(model),
        predictRows: (encoded: Float64Array, n: number) => {
          const p = (rows as NonNullable<typeof rows>)(encoded, n)
          return { ...p, values: p.values.map((v) => v + 1e-12) }
        },
      }
    }
    await expect(new VersionLoader(registry).load('accounts', 1)).rejects.toThrow(/row predictions differ/)
    await expect(new VersionLoader(project.registry).load('accounts', 1)).resolves.toMatchObject({ version: 1 })
  })
})
