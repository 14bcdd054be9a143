/**
 * The random point-in-time cases both engines are checked on (DuckDB over a snapshot, PostgreSQL
 * pushed down): events on a composite key, asking rows on window and TTL edges, and the values
 * the documented rules give, computed naively.
 */
import { expect } from 'vitest'
import type { Frame } from '../../src/core/frame.js'
import { sql } from '../../src/data/sql.js'
import { count, distinctCount, feature, featureView, latest, max, mean, min, sum } from '../../src/features/feature-view.js'

export const DAY = 86_400_000
export const WINDOW = 3 * DAY
export const TTL = 5 * DAY

export function random(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

export interface Event {
  region: string
  id: number
  ts: number
  amount: number
  store: string
}

/** Events on a composite key (region, id), on an hourly grid so that label times hit window and TTL edges exactly. */
export function generate(seed: number): { events: Event[]; asks: { region: string; id: number; at: number }[] } {
  const r = random(seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T
  const events: Event[] = []
  const seen = new Set<string>()
  for (let i = 0; i < 400; i++) {
    const e = {
      region: pick(['north', 'south']),
      id: 1 + Math.floor(r() * 6),
      ts: Math.floor(r() * 30 * 24) * 3_600_000,
      amount: Math.floor(r() * 50),
      store: pick(['s1', 's2', 's3', 's4']),
    }
    // one event per key and time, so "the latest event" is unambiguous
    const k = `${e.region}|${e.id}|${e.ts}`
    if (!seen.has(k)) events.push(e)
    seen.add(k)
  }
  const asks = Array.from({ length: 300 }, () => {
    const base = pick(events)
    const offset = pick([0, 1, -1, WINDOW, WINDOW - 1, WINDOW + 1, TTL, TTL - 1, TTL + 1, Math.floor(r() * 10 * DAY)])
    return { region: r() < 0.9 ? base.region : 'east', id: r() < 0.5 ? base.id : 1 + Math.floor(r() * 6), at: base.ts + offset }
  })
  return { events, asks }
}

/** The same values computed naively in TypeScript from the documented rules. */
export function naive(events: readonly Event[], ask: { region: string; id: number; at: number }): Record<string, unknown> {
  const mine = events.filter((e) => e.region === ask.region && e.id === ask.id && e.ts <= ask.at)
  const last = mine.reduce<Event | null>((a, e) => (a === null || e.ts > a.ts ? e : a), null)
  const names = ['spend', 'orders', 'avg', 'low', 'high', 'stores', 'store', 'double']
  if (last === null || ask.at - last.ts > TTL) return Object.fromEntries(names.map((n) => [n, null]))
  const w = mine.filter((e) => e.ts > ask.at - WINDOW)
  const amounts = w.map((e) => e.amount)
  return {
    spend: amounts.reduce((s, a) => s + a, 0),
    orders: w.length,
    avg: w.length === 0 ? null : amounts.reduce((s, a) => s + a, 0) / w.length,
    low: w.length === 0 ? null : Math.min(...amounts),
    high: w.length === 0 ? null : Math.max(...amounts),
    stores: new Set(w.map((e) => e.store)).size,
    store: last.store,
    double: last.amount * 2,
  }
}

export const view = featureView({
  entity: ['region', 'id'],
  timestamp: 'ts',
  source: 'events',
  ttl: '5d',
  features: {
    spend: sum('amount', '3d'),
    orders: count('3d'),
    avg: mean('amount', '3d'),
    low: min('amount', '3d'),
    high: max('amount', '3d'),
    stores: distinctCount('store', '3d'),
    store: latest('store'),
    double: feature(sql`amount * 2`),
  },
})

/** Checks a training set built on `asks` (in order, `n` numbering them) against `naive`, and that the data exercise both sides of the TTL. */
export function expectNaiveValues(frame: Frame, events: readonly Event[], asks: readonly { region: string; id: number; at: number }[]): void {
  expect(frame.nRows).toBe(asks.length)
  let alive = 0
  for (let i = 0; i < asks.length; i++) {
    const row = frame.row(i)
    expect(row.n).toBe(i)
    const want = naive(events, asks[i] as (typeof asks)[number])
    if (want.store !== null) alive++
    for (const [name, value] of Object.entries(want)) {
      if (typeof value === 'number' && !Number.isInteger(value)) expect(row[name], `row ${i} ${name}`).toBeCloseTo(value, 9)
      else expect(row[name], `row ${i} ${name}`).toBe(value)
    }
  }
  // the data exercise both sides of the TTL
  expect(alive).toBeGreaterThan(50)
  expect(alive).toBeLessThan(asks.length - 20)
}
