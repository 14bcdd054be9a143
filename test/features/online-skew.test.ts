import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { count, featureView, latest, max, mean, sum } from '../../src/features/feature-view.js'
import { materialize } from '../../src/features/materialize.js'
import { historicalFeatures } from '../../src/features/offline.js'
import { getOnlineFeatures } from '../../src/features/online.js'
import type { Project } from '../../src/project.js'
import { REPO_ROOT } from '../helpers/project.js'
import { freshRedisPrefix } from '../helpers/redis.js'
import { tempDir } from '../helpers/temp.js'
import { csvText, projectFrom } from './project.js'

/** 10,000 US flights of early 2001 (vega-datasets): routes are composite keys, airports single ones. */
interface Flight {
  readonly date: string
  readonly delay: number
  readonly distance: number
  readonly origin: string
  readonly destination: string
}
const flights = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', 'vega-datasets', 'data', 'flights-10k.json'), 'utf8')) as Flight[]
const AT = Date.parse('2001-02-15T00:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')

const views = {
  route: featureView({
    entity: ['origin', 'destination'],
    timestamp: 'date',
    source: 'flights',
    ttl: '3d',
    features: { delay_mean_7d: mean('delay', '7d'), flights_7d: count('7d'), delay_sum_1d: sum('delay', '1d'), last_delay: latest('delay') },
  }),
  airport: featureView({
    entity: 'origin',
    timestamp: 'date',
    source: 'flights',
    features: { longest_30d: max('distance', '30d'), flights_30d: count('30d') },
  }),
}

function setUp(dir: string): void {
  writeFileSync(
    join(dir, 'flights.csv'),
    csvText([
      ['date', 'delay', 'distance', 'origin', 'destination'],
      ...flights.map((f) => [f.date.replaceAll('/', '-'), f.delay, f.distance, f.origin, f.destination]),
    ]),
  )
  const seen = flights.filter((f) => Date.parse(`${f.date.replaceAll('/', '-')}Z`) <= AT)
  const routes = [...new Set(seen.map((f) => `${f.origin},${f.destination}`))].map((r) => r.split(','))
  writeFileSync(join(dir, 'routes.csv'), csvText([['origin', 'destination', 'at'], ...routes.map(([o, d]) => [o, d, iso(AT)])]))
  const airports = [...new Set(seen.map((f) => f.origin))]
  writeFileSync(join(dir, 'airports.csv'), csvText([['origin', 'at'], ...airports.map((o) => [o, iso(AT)])]))
}

const datasets = {
  flights: { source: { kind: 'csv', path: 'flights.csv' }, contract: { columns: { date: { type: 'timestamp' } } } },
  routes: { source: { kind: 'csv', path: 'routes.csv' }, contract: { columns: { at: { type: 'timestamp' } } } },
  airports: { source: { kind: 'csv', path: 'airports.csv' }, contract: { columns: { at: { type: 'timestamp' } } } },
}

/** Offline (point in time at AT) and online (materialized at AT, read at AT) agree for every entity. */
async function expectNoSkew(project: Project, view: 'route' | 'airport', entities: string, keyColumns: readonly string[]): Promise<number> {
  const [result] = await materialize(project, view, { end: AT })
  const { frame } = await historicalFeatures(project, { entities, entityTime: 'at', features: [view] })
  const offline = Array.from({ length: frame.nRows }, (_, i) => frame.row(i))
  expect(result?.rows).toBe(offline.length)
  const online = await getOnlineFeatures(
    project,
    view,
    offline.map((r) => keyColumns.map((k) => r[k] as string)),
    { now: AT },
  )
  const features = Object.keys(views[view].features)
  let expired = 0
  offline.forEach((row, i) => {
    const found = online[i]
    const wanted = Object.fromEntries(features.map((f) => [f, row[f] ?? null]))
    if (found?.status === 'expired') {
      expired++
      expect(Object.values(wanted).every((v) => v === null || v === 0)).toBe(true)
    } else {
      expect(found?.status).toBe('present')
      if (found?.status === 'present') expect(found.values).toEqual(wanted)
    }
  })
  return expired
}

describe.each([
  ['sqlite', () => ({ url: undefined, drop: async () => undefined })],
  ['redis', () => freshRedisPrefix()],
])('train/serve skew on flights-10k, online store %s', (_name, online) => {
  let project: Project
  let drop: () => Promise<void>
  beforeAll(async () => {
    const dir = tempDir('keel-skew-')
    setUp(dir)
    const store = online()
    drop = store.drop
    const environments = store.url === undefined ? {} : { environments: { development: { online: store.url } } }
    project = await projectFrom(dir, { datasets, featureViews: views, ...environments })
  })
  afterAll(async () => {
    await project.close()
    await drop()
  })

  it('serves a composite-key view with the values the training set has at the same time', async () => {
    const expired = await expectNoSkew(project, 'route', 'routes', ['origin', 'destination'])
    // routes not flown in the 3 days before AT come back expired online, absent offline
    expect(expired).toBeGreaterThan(0)
  })

  it('serves a single-key view without a TTL the same as offline', async () => {
    expect(await expectNoSkew(project, 'airport', 'airports', ['origin'])).toBe(0)
  })
})
