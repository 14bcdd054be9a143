import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { featureView } from '../../src/features/feature-view.js'
import { historicalFeatures } from '../../src/features/offline.js'
import type { Project } from '../../src/project.js'
import { tempDir } from '../helpers/temp.js'
import { EDGE_ORDERS, edgeCases, iso, T0, writeLabels } from './edges.cases.js'
import { DAY } from './point-in-time.cases.js'
import { csvText, everyKindOfFeature, projectFrom } from './project.js'

const events = [['customer_id', 'event_time', 'amount', 'plan', 'store'], ...EDGE_ORDERS.map(([c, t, a, p, st]) => [c, iso(t), a, p, st])]

const customer = featureView({
  entity: 'customer_id',
  timestamp: 'event_time',
  source: 'orders',
  ttl: '3d',
  features: everyKindOfFeature,
})

let dir: string
let project: Project

async function asked(rows: readonly [number, number][]) {
  writeLabels(dir, rows)
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
  edgeCases(asked, () => project)

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
})
