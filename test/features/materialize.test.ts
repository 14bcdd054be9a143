import { describe, expect, it } from 'vitest'
import { count, featureView, featureViewFrom, latest } from '../../src/features/feature-view.js'
import { type ComputeRows, type MaterializeProgress, materializeView } from '../../src/features/materialize.js'
import { entityKeyCandidates, lookupOnline } from '../../src/features/online.js'
import type { OnlineRow } from '../../src/stores/online-store.js'
import { openSqliteOnlineStore } from '../../src/stores/sqlite/sqlite-online-store.js'

const DAY = 86_400_000
const T0 = Date.parse('2024-01-01T00:00:00Z')
const view = featureViewFrom(
  { customer: featureView({ entity: 'id', timestamp: 't', source: 'orders', ttl: '3d', features: { n: count('7d'), plan: latest('plan') } }) },
  'customer',
)

/** A compute function over fixed events that records what it was asked. */
function fakeCompute(events: readonly { id: number; t: number; plan: string }[]) {
  const calls: { asOf: number; since?: number }[] = []
  const compute: ComputeRows = async (_view, asOf, options) => {
    calls.push({ asOf, ...options })
    const latestById = new Map<number, { id: number; t: number; plan: string }>()
    for (const e of events) if (e.t <= asOf && (latestById.get(e.id)?.t ?? -1) < e.t) latestById.set(e.id, e)
    return [...latestById.values()]
      .filter((e) => options.since === undefined || e.t > options.since)
      .map((e): OnlineRow => ({ key: [e.id], eventAt: e.t, values: { n: events.filter((x) => x.id === e.id && x.t <= asOf).length, plan: e.plan } }))
  }
  return { compute, calls }
}

describe('materializeView', () => {
  it('runs full the first time, then incrementally from the watermark', async () => {
    const store = await openSqliteOnlineStore({ path: ':memory:' })
    const events = [
      { id: 1, t: T0, plan: 'basic' },
      { id: 2, t: T0 + DAY, plan: 'pro' },
      { id: 1, t: T0 + 2 * DAY, plan: 'plus' },
    ]
    const { compute, calls } = fakeCompute(events)
    const first = await materializeView(store, view, compute, { end: T0 + DAY, now: () => T0 + DAY })
    expect(first).toMatchObject({ mode: 'full', since: null, asOf: T0 + DAY, rows: 2, written: 2, watermark: T0 + DAY })
    const second = await materializeView(store, view, compute, { end: T0 + 3 * DAY, now: () => T0 + 3 * DAY })
    expect(second).toMatchObject({ mode: 'incremental', since: T0 + DAY, rows: 1, written: 1, watermark: T0 + 3 * DAY })
    expect(calls).toEqual([{ asOf: T0 + DAY }, { asOf: T0 + 3 * DAY, since: T0 + DAY }])
    const [one, two, three] = await lookupOnline(store, view, [[1], [2], [3]], T0 + 3 * DAY)
    expect(one).toMatchObject({ status: 'present', values: { n: 2, plan: 'plus' }, ageMs: DAY })
    expect(two).toMatchObject({ status: 'present', values: { n: 1, plan: 'pro' }, ageMs: 2 * DAY })
    expect(three).toEqual({ status: 'missing', key: [3] })
    expect((await lookupOnline(store, view, [[2]], T0 + 4 * DAY + 1))[0]).toEqual({
      status: 'expired',
      key: [2],
      eventAt: T0 + DAY,
      materializedAt: T0 + DAY,
      ageMs: 3 * DAY + 1,
    })
    await store.close()
  })

  it('takes --start over the watermark, --full over both, and keeps the watermark from moving back', async () => {
    const store = await openSqliteOnlineStore({ path: ':memory:' })
    const { compute, calls } = fakeCompute([{ id: 1, t: T0, plan: 'a' }])
    await materializeView(store, view, compute, { end: T0 + 5 * DAY })
    expect(await materializeView(store, view, compute, { start: T0 - DAY, end: T0 + 2 * DAY })).toMatchObject({
      mode: 'incremental',
      since: T0 - DAY,
      watermark: T0 + 5 * DAY,
    })
    expect(await materializeView(store, view, compute, { full: true, end: T0 + 5 * DAY })).toMatchObject({ mode: 'full', since: null })
    // a watermark at or past the end leaves nothing to compute
    expect(await materializeView(store, view, compute, { end: T0 + 4 * DAY })).toMatchObject({ rows: 0, watermark: T0 + 5 * DAY })
    expect(calls.map((c) => c.since)).toEqual([undefined, T0 - DAY, undefined])
    await expect(materializeView(store, view, compute, { start: T0 + DAY, end: T0 })).rejects.toMatchObject({ code: 'FEATURE_RANGE_INVALID' })
    await store.close()
  })

  it('writes in batches and reports progress', async () => {
    const store = await openSqliteOnlineStore({ path: ':memory:' })
    const { compute } = fakeCompute(Array.from({ length: 2_500 }, (_, id) => ({ id, t: T0, plan: 'p' })))
    const progress: MaterializeProgress[] = []
    const result = await materializeView(store, view, compute, { end: T0, batchSize: 1_000, onProgress: (p) => progress.push(p) })
    expect(result.written).toBe(2_500)
    expect(progress.map((p) => `${p.phase} ${p.done}/${p.total}`)).toEqual(['compute 0/0', 'write 1000/2500', 'write 2000/2500', 'write 2500/2500'])
    await store.close()
  })
})

describe('lookupOnline and entity keys', () => {
  it('refuses keys with the wrong number of parts', async () => {
    const store = await openSqliteOnlineStore({ path: ':memory:' })
    await expect(lookupOnline(store, view, [[1, 2]], T0)).rejects.toMatchObject({ code: 'FEATURE_KEY_INVALID' })
    await store.close()
  })

  it('reads command-line keys: commas, numbers, JSON', () => {
    expect(entityKeyCandidates('42')).toEqual([[42], ['42']])
    expect(entityKeyCandidates('abc')).toEqual([['abc']])
    expect(entityKeyCandidates('SFO,LAX')).toEqual([['SFO', 'LAX']])
    expect(entityKeyCandidates('7,a')).toEqual([
      [7, 'a'],
      ['7', 'a'],
    ])
    expect(entityKeyCandidates('007')).toEqual([['007']])
    expect(entityKeyCandidates('[42,"a,b"]')).toEqual([[42, 'a,b']])
    expect(() => entityKeyCandidates('[42,')).toThrow(expect.objectContaining({ code: 'FEATURE_KEY_INVALID' }))
    expect(() => entityKeyCandidates('[true]')).toThrow(expect.objectContaining({ code: 'FEATURE_KEY_INVALID' }))
  })
})
