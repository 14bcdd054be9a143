import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from '../../src/data/sql.js'
import { feature, featureView, featureViewFrom, latest } from '../../src/features/feature-view.js'
import { historicalFeatures, valuesAsOf } from '../../src/features/offline.js'
import type { Project } from '../../src/project.js'
import { freshSchema, TEST_PG_URL, withPg } from '../helpers/postgres.js'
import { tempDir } from '../helpers/temp.js'
import { EDGE_ORDERS, edgeCases, iso, T0, writeLabels } from './edges.cases.js'
import { DAY, type Event, expectNaiveValues, generate, view } from './point-in-time.cases.js'
import { csvText, everyKindOfFeature, projectFrom } from './project.js'

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

async function asked(rows: readonly [number, number][], features = ['customer']) {
  writeLabels(dir, rows)
  const { frame, lineage } = await historicalFeatures(project, { entities: 'labels', entityTime: 'at', features })
  return { rows: Array.from({ length: frame.nRows }, (_, i) => frame.row(i)), lineage }
}

beforeAll(async () => {
  dir = tempDir('keel-pg-pushdown-')
  await withPg(async (c) => {
    await c.query(`CREATE SCHEMA ${S}`)
    await c.query(`CREATE TABLE ${S}.orders (customer_id integer, event_time timestamp, amount integer, plan text, store text)`)
    for (const [c1, t, a, p, s] of EDGE_ORDERS) await c.query(`INSERT INTO ${S}.orders VALUES ($1, $2, $3, $4, $5)`, [c1, iso(t), a, p, s])
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
  edgeCases(
    async (rows) => (await asked(rows)).rows,
    () => project,
  )

  it('computes PostgreSQL-only expressions with the same edges: the future event, the TTL, valuesAsOf', async () => {
    const { rows: at } = await asked([[1, T0 + 10 * DAY]])
    expect(at[0]).toMatchObject({ plan: 'future', title: 'Future' })
    const { rows } = await asked([
      [1, T0 + 4 * DAY],
      [1, T0 + 4 * DAY + 1],
    ])
    expect(rows.map((r) => r.title)).toEqual(['Plus', null])
    const latest = await valuesAsOf(project, featureViewFrom(project.config.featureViews, 'customer'), T0 + 2 * DAY)
    expect(latest.find((r) => r.key[0] === 1)?.values).toMatchObject({ title: 'Plus' })
    // every value came from PostgreSQL: nothing was snapshotted
    expect(await project.data.snapshots('orders')).toHaveLength(0)
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
})
