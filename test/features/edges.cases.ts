/**
 * The exact edges both engines must keep (DuckDB over a snapshot, PostgreSQL pushed down), on a
 * few orders whose values are worked out by hand: leakage, the TTL to the millisecond, window
 * bounds, and valuesAsOf. Each engine's test file registers them inside its own describe.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { featureViewFrom } from '../../src/features/feature-view.js'
import { valuesAsOf } from '../../src/features/offline.js'
import type { Project } from '../../src/project.js'
import { DAY } from './point-in-time.cases.js'
import { csvText } from './project.js'

export const T0 = Date.parse('2024-01-01T00:00:00Z')
/** A time as the CSVs and PostgreSQL take it: `YYYY-MM-DD HH:MM:SS.mmm`, UTC. */
export const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')

/** `[customer_id, event_time, amount, plan, store]`. Customer 1: two events, then one far in the future of every label; customer 2: one event. */
export const EDGE_ORDERS: readonly (readonly [number, number, number, string, string])[] = [
  [1, T0, 10, 'basic', 's1'],
  [1, T0 + DAY, 20, 'plus', 's2'],
  [1, T0 + 10 * DAY, 1000, 'future', 's3'],
  [2, T0 + 2 * DAY, 5, 'basic', 's1'],
]

/** Writes `labels.csv` (customer_id, at, label) into `dir` with these (customer, time) rows, labelled 0, 1, 0, … */
export function writeLabels(dir: string, rows: readonly [number, number][]): void {
  writeFileSync(join(dir, 'labels.csv'), csvText([['customer_id', 'at', 'label'], ...rows.map(([c, t], i) => [c, iso(t), i % 2])]))
}

/**
 * Registers the edge cases for an engine. `ask` writes the labels and returns the `customer`
 * view's point-in-time rows; the view is `everyKindOfFeature` over EDGE_ORDERS with a 3-day TTL.
 */
export function edgeCases(ask: (rows: readonly [number, number][]) => Promise<Record<string, unknown>[]>, project: () => Project): void {
  it('never uses an event after the row time (leakage)', async () => {
    const rows = await ask([
      [1, T0 + 9 * DAY],
      [1, T0 + 10 * DAY - 1],
    ])
    for (const r of rows) {
      expect(r.plan).not.toBe('future')
      expect(r.max_2d === null || (r.max_2d as number) < 1000).toBe(true)
    }
    // a row exactly at the future event's time sees it
    const [at] = await ask([[1, T0 + 10 * DAY]])
    expect(at).toMatchObject({ plan: 'future', spend_2d: 1000, double: 2000 })
  })

  it('applies the TTL exactly: at the TTL alive, one millisecond past it expired', async () => {
    const last = T0 + DAY
    const rows = await ask([
      [1, last + 3 * DAY - 1],
      [1, last + 3 * DAY],
      [1, last + 3 * DAY + 1],
    ])
    expect(rows.map((r) => r.plan)).toEqual(['plus', 'plus', null])
    expect(rows.map((r) => r.orders_2d)).toEqual([0, 0, null])
    expect(rows.map((r) => r.spend_2d)).toEqual([0, 0, null])
    expect(rows.map((r) => r.stores_2d)).toEqual([0, 0, null])
  })

  it('valuesAsOf returns each entity’s latest values and event time, incrementally with since', async () => {
    const view = featureViewFrom(project().config.featureViews, 'customer')
    const rows = await valuesAsOf(project(), view, T0 + 2 * DAY)
    const byKey = new Map(rows.map((r) => [r.key[0], r]))
    expect(byKey.get(1)).toMatchObject({ key: [1], eventAt: T0 + DAY, values: { plan: 'plus', spend_2d: 20, orders_2d: 1 } })
    expect(byKey.get(2)).toMatchObject({ key: [2], eventAt: T0 + 2 * DAY, values: { plan: 'basic', spend_2d: 5 } })
    const since = await valuesAsOf(project(), view, T0 + 2 * DAY, { since: T0 + DAY })
    expect(since.map((r) => r.key)).toEqual([[2]])
    const expired = await valuesAsOf(project(), view, T0 + 5 * DAY)
    expect(expired.find((r) => r.key[0] === 1)).toMatchObject({ eventAt: T0 + DAY, values: { plan: null, spend_2d: null } })
  })
}
