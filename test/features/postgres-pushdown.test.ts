import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from '../../src/data/sql.js'
import { feature, featureView, featureViewFrom, latest } from '../../src/features/feature-view.js'
import { historicalFeatures, valuesAsOf } from '../../src/features/offline.js'
import type { Project } from '../../src/project.js'
import { freshSchema, TEST_PG_URL, withPg } from '../helpers/postgres.js'
import { tempDir } from '../helpers/temp.js'
import { type Event, expectNaiveValues, generate, view } from './point-in-time.cases.js'
import { csvText, everyKindOfFeature, projectFrom } from './project.js'

const DAY = 86_400_000
const T0 = Date.parse('2024-01-01T00:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')

// the same events as offline.test.ts: customer 1 has an event far in the future of every label
const orders: [number, number, number, string, string][] = [
  [1, T0, 10, 'basic', 's1'],
  [1, T0 + DAY, 20, 'plus', 's2'],
  [1, T0 + 10 * DAY, 1000, 'future', 's3'],
  [2, T0 + 2 * DAY, 5, 'basic', 's1'],
]

const customerFeatures = {
  ...everyKindOfFeature,
  // initcap is PostgreSQL's, not DuckDB's: this value can only come from PostgreSQL
  title: feature(sql`initcap(plan)`),
}

const pgSchema = freshSchema()
const S = `"${pgSchema.schema}"`
let dir: string
let project: Project

async function loadEvents(table: string, events: readonly Event[], time: 'ms' | 'timestamp'): Promise<void> {
  const ts = time === 'ms' ? 'bigint' : 'timestamp'
  await withPg(async (c) => {
    await c.query(`DROP TABLE IF EXISTS ${S}.${table}`)
    await c.query(`CREATE TABLE ${S}.${table} (region text, id integer, ts ${ts}, amount integer, store text)`)
    const at = time === 'ms' ? 't' : `to_timestamp(t / 1000.0) AT TIME ZONE 'UTC'`
    await c.query(
      `INSERT INTO ${S}.${table} SELECT r, i, ${at}, a, s FROM unnest($1::text[], $2::int[], $3::bigint[], $4::int[], $5::text[]) AS u(r, i, t, a, s)`,
      [events.map((e) => e.region), events.map((e) => e.id), events.map((e) => e.ts), events.map((e) => e.amount), events.map((e) => e.store)],
    )
  })
}

function labels(rows: readonly [number, number][]): void {
  writeFileSync(join(dir, 'labels.csv'), csvText([['customer_id', 'at', 'label'], ...rows.map(([c, t], i) => [c, iso(t), i % 2])]))
}

async function asked(rows: readonly [number, number][], features = ['customer']) {
  labels(rows)
  const { frame, lineage } = await historicalFeatures(project, { entities: 'labels', entityTime: 'at', features })
  return { rows: Array.from({ length: frame.nRows }, (_, i) => frame.row(i)), lineage }
}

beforeAll(async () => {
  dir = tempDir('keel-pg-pushdown-')
  await withPg(async (c) => {
    await c.query(`CREATE SCHEMA ${S}`)
    await c.query(`CREATE TABLE ${S}.orders (customer_id integer, event_time timestamp, amount integer, plan text, store text)`)
    for (const [c1, t, a, p, s] of orders) await c.query(`INSERT INTO ${S}.orders VALUES ($1, $2, $3, $4, $5)`, [c1, iso(t), a, p, s])
  })
  const pgSource = (table: string) => ({ kind: 'postgres', query: `SELECT * FROM ${S}.${table}`, url: TEST_PG_URL })
  project = await projectFrom(dir, {
    datasets: {
      events_ms: { source: pgSource('events_ms') },
      events_ts: { source: pgSource('events_ts') },
      asks_ms: { source: { kind: 'csv', path: 'asks_ms.csv' }, contract: { columns: { at: { type: 'int' }, id: { type: 'int' } } } },
      asks_ts: { source: { kind: 'csv', path: 'asks_ts.csv' }, contract: { columns: { at: { type: 'timestamp' }, id: { type: 'int' } } } },
      orders: { source: pgSource('orders') },
      // a contract asks for checks and typing that happen in a snapshot: not pushed down
      orders_checked: { source: pgSource('orders'), contract: { columns: { customer_id: { type: 'int' }, event_time: { type: 'timestamp' } } } },
      labels: { source: { kind: 'csv', path: 'labels.csv' }, contract: { columns: { at: { type: 'timestamp' }, customer_id: { type: 'int' } } } },
    },
    featureViews: {
      view_ms: { ...view, source: 'events_ms' },
      view_ts: { ...view, source: 'events_ts' },
      customer: featureView({ entity: 'customer_id', timestamp: 'event_time', source: 'orders', ttl: '3d', features: customerFeatures }),
      checked: featureView({ entity: 'customer_id', timestamp: 'event_time', source: 'orders_checked', ttl: '3d', features: { plan: latest('plan') } }),
    },
  })
})
afterAll(async () => {
  await project.close()
  await pgSchema.drop()
})

describe('point-in-time values computed on PostgreSQL agree with a naive computation (composite keys)', () => {
  for (const time of ['ms', 'timestamp'] as const) {
    for (const seed of [1, 2, 3]) {
      it(`agrees on every row and feature (seed ${seed}, ${time === 'ms' ? 'epoch-ms' : 'timestamp'} times)`, async () => {
        const { events, asks } = generate(seed)
        await loadEvents(`events_${time === 'ms' ? 'ms' : 'ts'}`, events, time)
        const at = (ms: number) => (time === 'ms' ? ms : iso(ms))
        const file = `asks_${time === 'ms' ? 'ms' : 'ts'}`
        writeFileSync(join(dir, `${file}.csv`), csvText([['region', 'id', 'at', 'n'], ...asks.map((a, i) => [a.region, a.id, at(a.at), i])]))
        const viewName = time === 'ms' ? 'view_ms' : 'view_ts'
        const { frame, lineage } = await historicalFeatures(project, { entities: file, entityTime: 'at', features: [`${viewName}:*`] })
        expect(lineage.pushedDown?.[viewName]).toMatchObject({ engine: 'postgres', rows: events.length })
        expectNaiveValues(frame, events, asks)
      })
    }
  }
})

describe('point-in-time values on PostgreSQL', () => {
  it('never uses an event after the row time (leakage)', async () => {
    const { rows } = await asked([
      [1, T0 + 9 * DAY],
      [1, T0 + 10 * DAY - 1],
    ])
    for (const r of rows) {
      expect(r.plan).not.toBe('future')
      expect(r.max_2d === null || (r.max_2d as number) < 1000).toBe(true)
    }
    const { rows: at } = await asked([[1, T0 + 10 * DAY]])
    expect(at[0]).toMatchObject({ plan: 'future', spend_2d: 1000, double: 2000, title: 'Future' })
  })

  it('applies the TTL exactly: at the TTL alive, one millisecond past it expired', async () => {
    const last = T0 + DAY
    const { rows } = await asked([
      [1, last + 3 * DAY - 1],
      [1, last + 3 * DAY],
      [1, last + 3 * DAY + 1],
    ])
    expect(rows.map((r) => r.plan)).toEqual(['plus', 'plus', null])
    expect(rows.map((r) => r.orders_2d)).toEqual([0, 0, null])
    expect(rows.map((r) => r.spend_2d)).toEqual([0, 0, null])
    expect(rows.map((r) => r.stores_2d)).toEqual([0, 0, null])
  })

  it('windows are (asOf - window, asOf], and rows keep their order, columns and nulls', async () => {
    const { rows } = await asked([
      [1, T0 + 2 * DAY],
      [1, T0 + 2 * DAY - 1],
      [3, T0 + 5 * DAY],
      [2, T0],
    ])
    expect(rows.map((r) => r.spend_2d)).toEqual([20, 30, null, null])
    expect(rows[1]).toMatchObject({ customer_id: 1, label: 1, mean_2d: 15, min_2d: 10, max_2d: 20, stores_2d: 2, plan: 'plus', double: 40, title: 'Plus' })
    expect(rows.map((r) => [r.customer_id, r.label])).toEqual([
      [1, 0],
      [1, 1],
      [3, 0],
      [2, 1],
    ])
  })

  it('records in the lineage that the values were computed on PostgreSQL, on which query, and takes no snapshot', async () => {
    const { lineage } = await asked([[1, T0 + 2 * DAY]])
    expect(lineage.pushedDown).toEqual({
      customer: { engine: 'postgres', dataset: 'orders', query: `SELECT * FROM ${S}.orders`, url: TEST_PG_URL, readAt: expect.any(String), rows: 4 },
    })
    expect(lineage.sources).toEqual({})
    expect(await project.data.snapshots('orders')).toHaveLength(0)
  })

  it('computes a view whose PostgreSQL dataset has a contract on its snapshot, in DuckDB', async () => {
    const { rows, lineage } = await asked([[1, T0 + 2 * DAY]], ['checked', 'customer:title'])
    expect(rows[0]).toMatchObject({ plan: 'plus', title: 'Plus' })
    expect(lineage.sources.orders_checked).toEqual(expect.any(String))
    expect(Object.keys(lineage.pushedDown ?? {})).toEqual(['customer'])
  })

  it('valuesAsOf returns each entity’s latest values and event time, incrementally with since', async () => {
    const customer = featureViewFrom(project.config.featureViews, 'customer')
    const rows = await valuesAsOf(project, customer, T0 + 2 * DAY)
    const byKey = new Map(rows.map((r) => [r.key[0], r]))
    expect(byKey.get(1)).toMatchObject({ key: [1], eventAt: T0 + DAY, values: { plan: 'plus', spend_2d: 20, orders_2d: 1, title: 'Plus' } })
    expect(byKey.get(2)).toMatchObject({ key: [2], eventAt: T0 + 2 * DAY, values: { plan: 'basic', spend_2d: 5 } })
    const since = await valuesAsOf(project, customer, T0 + 2 * DAY, { since: T0 + DAY })
    expect(since.map((r) => r.key)).toEqual([[2]])
    const expired = await valuesAsOf(project, customer, T0 + 5 * DAY)
    expect(expired.find((r) => r.key[0] === 1)).toMatchObject({ eventAt: T0 + DAY, values: { plan: null, spend_2d: null } })
    expect(await project.data.snapshots('orders')).toHaveLength(0)
  })
})
