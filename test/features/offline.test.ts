import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { featureView, featureViewFrom } from '../../src/features/feature-view.js'
import { historicalFeatures, valuesAsOf } from '../../src/features/offline.js'
import type { Project } from '../../src/project.js'
import { tempDir } from '../helpers/temp.js'
import { csvText, everyKindOfFeature, projectFrom } from './project.js'

const DAY = 86_400_000
const T0 = Date.parse('2024-01-01T00:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')

// customer 1: two events, then one far in the future of every label; customer 2: one event
const events = [
  ['customer_id', 'event_time', 'amount', 'plan', 'store'],
  [1, iso(T0), 10, 'basic', 's1'],
  [1, iso(T0 + DAY), 20, 'plus', 's2'],
  [1, iso(T0 + 10 * DAY), 1000, 'future', 's3'],
  [2, iso(T0 + 2 * DAY), 5, 'basic', 's1'],
]

const customer = featureView({
  entity: 'customer_id',
  timestamp: 'event_time',
  source: 'orders',
  ttl: '3d',
  features: everyKindOfFeature,
})

let dir: string
let project: Project

function labels(rows: readonly [number, number][]): void {
  writeFileSync(join(dir, 'labels.csv'), csvText([['customer_id', 'at', 'label'], ...rows.map(([c, t], i) => [c, iso(t), i % 2])]))
}

async function asked(rows: readonly [number, number][]) {
  labels(rows)
  const { frame } = await historicalFeatures(project, { entities: 'labels', entityTime: 'at', features: ['customer'] })
  return Array.from({ length: frame.nRows }, (_, i) => frame.row(i))
}

beforeAll(async () => {
  dir = tempDir('keel-offline-')
  writeFileSync(join(dir, 'orders.csv'), csvText(events))
  project = await projectFrom(dir, {
    datasets: {
      orders: { source: { kind: 'csv', path: 'orders.csv' }, contract: { columns: { event_time: { type: 'timestamp' }, customer_id: { type: 'int' } } } },
      labels: { source: { kind: 'csv', path: 'labels.csv' }, contract: { columns: { at: { type: 'timestamp' }, customer_id: { type: 'int' } } } },
    },
    featureViews: { customer },
  })
})
afterAll(async () => project.close())

describe('point-in-time values', () => {
  it('never uses an event after the row time (leakage)', async () => {
    const rows = await asked([
      [1, T0 + 9 * DAY],
      [1, T0 + 10 * DAY - 1],
    ])
    for (const r of rows) {
      expect(r.plan).not.toBe('future')
      expect(r.max_2d === null || (r.max_2d as number) < 1000).toBe(true)
    }
    // a row exactly at the future event's time sees it
    const [at] = await asked([[1, T0 + 10 * DAY]])
    expect(at).toMatchObject({ plan: 'future', spend_2d: 1000, double: 2000 })
  })

  it('applies the TTL exactly: at the TTL alive, one millisecond past it expired', async () => {
    const last = T0 + DAY
    const rows = await asked([
      [1, last + 3 * DAY - 1],
      [1, last + 3 * DAY],
      [1, last + 3 * DAY + 1],
    ])
    expect(rows.map((r) => r.plan)).toEqual(['plus', 'plus', null])
    expect(rows.map((r) => r.orders_2d)).toEqual([0, 0, null])
    expect(rows.map((r) => r.spend_2d)).toEqual([0, 0, null])
  })

  it('windows are (asOf - window, asOf]: an event exactly a window old is out, a millisecond younger is in', async () => {
    const rows = await asked([
      [1, T0 + 2 * DAY],
      [1, T0 + 2 * DAY - 1],
      [1, T0 + DAY],
      [1, T0 + DAY - 1],
    ])
    expect(rows.map((r) => r.spend_2d)).toEqual([20, 30, 30, 10])
    expect(rows.map((r) => r.orders_2d)).toEqual([1, 2, 2, 1])
    expect(rows[1]).toMatchObject({ mean_2d: 15, min_2d: 10, max_2d: 20, stores_2d: 2, plan: 'plus', double: 40 })
    expect(rows[3]).toMatchObject({ mean_2d: 10, plan: 'basic' })
  })

  it('gives nulls before an entity’s first event, for unknown entities, and keeps row order and columns', async () => {
    const rows = await asked([
      [2, T0],
      [3, T0 + 5 * DAY],
      [2, T0 + 2 * DAY],
    ])
    expect(rows.map((r) => [r.customer_id, r.label, r.plan, r.orders_2d])).toEqual([
      [2, 0, null, null],
      [3, 1, null, null],
      [2, 0, 'basic', 1],
    ])
  })

  it('valuesAsOf returns each entity’s latest values and event time, incrementally with since', async () => {
    const view = featureViewFrom({ customer }, 'customer')
    const rows = await valuesAsOf(project, view, T0 + 2 * DAY)
    const byKey = new Map(rows.map((r) => [r.key[0], r]))
    expect(byKey.get(1)).toMatchObject({ key: [1], eventAt: T0 + DAY, values: { plan: 'plus', spend_2d: 20, orders_2d: 1 } })
    expect(byKey.get(2)).toMatchObject({ key: [2], eventAt: T0 + 2 * DAY, values: { plan: 'basic', spend_2d: 5 } })
    const since = await valuesAsOf(project, view, T0 + 2 * DAY, { since: T0 + DAY })
    expect(since.map((r) => r.key)).toEqual([[2]])
    const expired = await valuesAsOf(project, view, T0 + 5 * DAY)
    expect(expired.find((r) => r.key[0] === 1)).toMatchObject({ eventAt: T0 + DAY, values: { plan: null, spend_2d: null } })
  })
})
