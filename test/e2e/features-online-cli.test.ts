import type { SpawnSyncReturns } from 'node:child_process'
import { appendFileSync, existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runKeel } from '../helpers/cli.js'
import { writeProject } from '../helpers/project.js'
import { freshRedisPrefix } from '../helpers/redis.js'
import { tempDir } from '../helpers/temp.js'

const HOUR = 3_600_000
const NOW = Math.floor(Date.now() / 1000) * 1000
const iso = (ms: number) => new Date(ms).toISOString()

function keel(args: string[], cwd: string, extra: Record<string, string> = {}): SpawnSyncReturns<string> {
  return runKeel(args, cwd, extra)
}

function json<T>(result: SpawnSyncReturns<string>): T {
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout) as T
}

// feature views written as plain objects: featureView() is the identity
const CONFIG = `{
  name: 'features-online-e2e',
  datasets: {
    orders: { source: { kind: 'csv', path: 'orders.csv' }, contract: { columns: { event_time: { type: 'timestamp' }, customer_id: { type: 'int' } } } },
  },
  featureViews: {
    customer: {
      entity: 'customer_id', timestamp: 'event_time', source: 'orders', ttl: '3d',
      features: { orders_7d: { kind: 'count', column: null, window: '7d' }, plan: { kind: 'latest', column: 'plan' } },
    },
    route: {
      entity: ['origin', 'destination'], timestamp: 'event_time', source: 'orders',
      features: { spend_7d: { kind: 'sum', column: 'amount', window: '7d' } },
    },
  },
}`

function project(): string {
  const dir = writeProject(tempDir('keel-features-online-e2e-'), CONFIG)
  writeFileSync(
    join(dir, 'orders.csv'),
    [
      'customer_id,event_time,amount,plan,origin,destination',
      `1,${iso(NOW - 3 * HOUR)},10,basic,SFO,LAX`,
      `2,${iso(NOW - 2 * HOUR)},20,pro,SFO,LAX`,
      `3,${iso(NOW - 240 * HOUR)},5,old,JFK,BOS`,
      '',
    ].join('\n'),
  )
  return dir
}

interface Result {
  view: string
  mode: string
  since: number | null
  asOf: number
  rows: number
  written: number
  watermark: number
}
interface Lookup {
  key: (string | number)[]
  status: string
  values?: Record<string, unknown>
  eventAt?: number
  ageMs?: number
}

function materializeAndGet(dir: string, env: Record<string, string> = {}): void {
  const first = json<Result[]>(keel(['features', 'materialize', '--end', iso(NOW - HOUR), '--json'], dir, env))
  expect(first.map((r) => [r.view, r.mode, r.rows])).toEqual([
    ['customer', 'full', 3],
    ['route', 'full', 2],
  ])
  expect(first[0]?.watermark).toBe(NOW - HOUR)
  appendFileSync(join(dir, 'orders.csv'), `1,${iso(NOW - HOUR / 2)},30,plus,SFO,LAX\n`)
  const second = json<Result[]>(keel(['features', 'materialize', 'customer', '--end', iso(NOW - 60_000), '--json'], dir, env))
  expect(second).toMatchObject([{ view: 'customer', mode: 'incremental', since: NOW - HOUR, rows: 1, written: 1, watermark: NOW - 60_000 }])

  const got = json<Lookup[]>(keel(['features', 'get', 'customer', '1', '2', '3', '999', '--json'], dir, env))
  expect(got.map((l) => l.status)).toEqual(['present', 'present', 'expired', 'missing'])
  expect(got[0]).toMatchObject({ key: [1], values: { orders_7d: 2, plan: 'plus' }, eventAt: NOW - HOUR / 2 })
  expect(got[2]).not.toHaveProperty('values')
  const route = json<Lookup[]>(keel(['features', 'get', 'route', 'SFO,LAX', '["JFK","BOS"]', '--json'], dir, env))
  expect(route).toMatchObject([
    { key: ['SFO', 'LAX'], status: 'present', values: { spend_7d: 30 } },
    { key: ['JFK', 'BOS'], status: 'present', values: { spend_7d: 0 } },
  ])
  const text = keel(['features', 'get', 'customer', '1', '3'], dir, env)
  expect(text.status).toBe(0)
  expect(text.stdout).toMatch(/customer 1: present .*ago/)
  expect(text.stdout).toMatch(/plan\s+plus/)
  expect(text.stdout).toMatch(/customer 3: expired/)
}

describe('keel features materialize | get (built CLI)', () => {
  it('materializes full then incrementally to SQLite, and reads present, expired and missing entities', () => {
    const dir = project()
    // a project opens its online store only when features are used
    expect(keel(['runs', 'list'], dir).status).toBe(0)
    expect(existsSync(join(dir, '.keel', 'online.db'))).toBe(false)
    materializeAndGet(dir)
    expect(existsSync(join(dir, '.keel', 'online.db'))).toBe(true)
    const table = keel(['features', 'materialize', 'customer', '--end', iso(NOW)], dir)
    expect(table.status).toBe(0)
    expect(table.stdout).toMatch(/customer\s+[0-9a-f]{12}\s+incremental/)
  })

  it('does the same on Redis when the online URL names it', async () => {
    const redis = freshRedisPrefix()
    try {
      materializeAndGet(project(), { KEEL_ONLINE_URL: redis.url })
    } finally {
      await redis.drop()
    }
  })

  it('refuses a key of the wrong arity, a start after the end, and an unreachable Redis', () => {
    const dir = project()
    const arity = keel(['features', 'get', 'route', 'SFO', '--json'], dir)
    expect(arity.status).toBe(2)
    expect(JSON.parse(arity.stderr)).toMatchObject({ error: { code: 'FEATURE_KEY_INVALID' } })
    const range = keel(['features', 'materialize', '--start', iso(NOW), '--end', iso(NOW - HOUR)], dir)
    expect(range.status).toBe(2)
    expect(range.stderr).toContain('FEATURE_RANGE_INVALID')
    const down = keel(['features', 'get', 'customer', '1'], dir, { KEEL_ONLINE_URL: 'redis://:pw-secret@127.0.0.1:1/0' })
    expect(down.status).toBe(3)
    expect(down.stderr).toContain('ONLINE_UNREACHABLE')
    expect(down.stderr).not.toContain('pw-secret')
  })
})
