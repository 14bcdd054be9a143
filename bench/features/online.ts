/**
 * Online lookup latency: p50/p99 of `lookupOnline` (what `keel features get` and serving call)
 * for 1 and for 100 entities per request, on the SQLite and Redis online stores, over 100,000
 * materialized entities of a 10-feature view. Floors in the same run on the same machine:
 * `redis-benchmark -t get` (and an MGET of 100 keys) with one client, values of the same size,
 * and the same point SELECT through bare better-sqlite3. Requests are sequential (one client),
 * like one server worker. Traffic goes only to 127.0.0.1.
 *
 * Run: npm run bench:features:online   (writes bench/results/features-online.{json,md})
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Redis } from 'ioredis'
import { count, featureView, featureViewFrom, latest, mean, sum } from '../../src/features/feature-view.js'
import { lookupOnline } from '../../src/features/online.js'
import { encodeKey, encodeValues, type OnlineRow, type OnlineStore } from '../../src/stores/online-store.js'
import { openRedisOnlineStore } from '../../src/stores/redis/redis-online-store.js'
import { openSqliteOnlineStore } from '../../src/stores/sqlite/sqlite-online-store.js'

const ENTITIES = 100_000
const REQUESTS = { 1: 20_000, 100: 2_000 } as const
const WARMUP = 500
const REDIS = { host: '127.0.0.1', port: 6379 }
const NOW = Date.parse('2024-06-01T00:00:00Z')
const RESULTS = join(import.meta.dirname, '..', 'results')

const view = featureViewFrom(
  {
    customer: featureView({
      entity: 'customer_id',
      timestamp: 'event_time',
      source: 'orders',
      ttl: '90d',
      features: {
        spend_7d: sum('amount', '7d'),
        spend_30d: sum('amount', '30d'),
        spend_90d: sum('amount', '90d'),
        orders_7d: count('7d'),
        orders_30d: count('30d'),
        mean_30d: mean('amount', '30d'),
        mean_90d: mean('amount', '90d'),
        plan: latest('plan'),
        country: latest('country'),
        churned: latest('churned'),
      },
    }),
  },
  'customer',
)

function rows(): OnlineRow[] {
  let seed = 42
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
    return seed / 2 ** 31
  }
  return Array.from({ length: ENTITIES }, (_, i) => ({
    key: [i],
    eventAt: NOW - Math.floor(rand() * 30 * 86_400_000),
    values: {
      spend_7d: Math.round(rand() * 50_000) / 100,
      spend_30d: Math.round(rand() * 200_000) / 100,
      spend_90d: Math.round(rand() * 600_000) / 100,
      orders_7d: Math.floor(rand() * 10),
      orders_30d: Math.floor(rand() * 40),
      mean_30d: rand() * 100,
      mean_90d: rand() > 0.1 ? rand() * 100 : null,
      plan: ['basic', 'plus', 'pro'][Math.floor(rand() * 3)] as string,
      country: ['DE', 'FR', 'US', 'JP'][Math.floor(rand() * 4)] as string,
      churned: rand() > 0.8,
    },
  }))
}

interface Latency {
  readonly p50: number
  readonly p99: number
  readonly mean: number
  readonly requests: number
}

function summarize(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
  const round = (ms: number) => Math.round(ms * 1000) / 1000
  return { p50: round(at(0.5)), p99: round(at(0.99)), mean: round(samples.reduce((a, b) => a + b, 0) / samples.length), requests: samples.length }
}

/** Sequential requests of `batch` random entities each; latency per request in ms. */
async function measure(request: (keys: number[]) => unknown, batch: 1 | 100): Promise<Latency> {
  let seed = 7
  const keys = () =>
    Array.from({ length: batch }, () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed % ENTITIES
    })
  for (let i = 0; i < WARMUP; i++) await request(keys())
  const samples: number[] = []
  for (let i = 0; i < REQUESTS[batch]; i++) {
    const k = keys()
    const start = performance.now()
    await request(k)
    samples.push(performance.now() - start)
  }
  return summarize(samples)
}

async function keelLatencies(store: OnlineStore): Promise<Record<'1' | '100', Latency>> {
  const lookup = (ids: number[]) =>
    lookupOnline(
      store,
      view,
      ids.map((id) => [id]),
      NOW,
    )
  return { 1: await measure(lookup, 1), 100: await measure(lookup, 100) }
}

/** The same point SELECT the SQLite store runs, through bare better-sqlite3 (no decoding, no TTL check). */
async function sqliteFloor(path: string): Promise<Record<'1' | '100', Latency>> {
  const db = new Database(path, { readonly: true })
  const get = db.prepare('SELECT event_at, materialized_at, vals FROM keel_online_rows WHERE view = ? AND version = ? AND entity_key = ?')
  const lookup = (ids: number[]) => ids.map((id) => get.get(view.name, view.version, encodeKey([id])))
  const result = { 1: await measure(lookup, 1), 100: await measure(lookup, 100) }
  db.close()
  return result
}

interface RedisBenchmark {
  readonly test: string
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly mean: number
  readonly requests: number
}

/** redis-benchmark with one client on database 15 (keys `key:<n>`, removed afterwards). */
function redisBenchmark(args: string[], requests: number): RedisBenchmark {
  const common = ['-h', REDIS.host, '-p', String(REDIS.port), '--dbnum', '15', '-c', '1', '-r', String(ENTITIES), '-n', String(requests), '--csv']
  const run = spawnSync('redis-benchmark', [...common, ...args], { encoding: 'utf8', timeout: 120_000 })
  if (run.status !== 0) throw new Error(`redis-benchmark failed: ${run.stderr || run.error?.message}`)
  const line = run.stdout.trim().split('\n').at(-1) as string
  const cells = (line.match(/"([^"]*)"/g) ?? []).map((c) => c.slice(1, -1))
  const [test, rps, avg, , p50, , p99] = cells
  return { test: (test as string).split(' ')[0] as string, rps: Number(rps), p50: Number(p50), p99: Number(p99), mean: Number(avg), requests }
}

async function main(): Promise<void> {
  const check = spawnSync('redis-benchmark', ['--version'], { encoding: 'utf8' })
  if (check.status !== 0) throw new Error('redis-benchmark is not installed (Debian: apt-get install redis-tools)')
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-online-'))
  const prefix = `keel-bench-${process.pid}:`
  const data = rows()
  const valueBytes = Math.round(data.slice(0, 1000).reduce((n, r) => n + encodeValues(r.values).length + 30, 0) / 1000)
  const sqlitePath = join(dir, 'online.db')
  try {
    const sqlite = await openSqliteOnlineStore({ path: sqlitePath })
    const redis = await openRedisOnlineStore({ url: `redis://${REDIS.host}:${REDIS.port}/0?prefix=${prefix}` })
    const writes: Record<string, number> = {}
    for (const [name, store] of [
      ['sqlite', sqlite],
      ['redis', redis],
    ] as const) {
      const start = performance.now()
      for (let i = 0; i < data.length; i += 1_000) await store.write(view, data.slice(i, i + 1_000), NOW)
      writes[name] = Math.round(performance.now() - start)
      process.stderr.write(`${name}: wrote ${ENTITIES} entities in ${writes[name]} ms\n`)
    }
    const keel = { sqlite: await keelLatencies(sqlite), redis: await keelLatencies(redis) }
    process.stderr.write('keel lookups measured\n')
    await sqlite.close()
    await redis.close()
    const floors = { sqlite: await sqliteFloor(sqlitePath), redisGet: redisFloor(valueBytes) }
    report({ writes, keel, floors, valueBytes })
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await cleanRedis(prefix)
  }
}

function redisFloor(valueBytes: number): { get: RedisBenchmark; mget100: RedisBenchmark } {
  redisBenchmark(['-t', 'set', '-d', String(valueBytes)], ENTITIES * 2)
  const get = redisBenchmark(['-t', 'get', '-d', String(valueBytes)], REQUESTS[1])
  const mget100 = redisBenchmark(['MGET', ...Array.from({ length: 100 }, () => 'key:__rand_int__')], REQUESTS[100])
  return { get, mget100 }
}

async function cleanRedis(prefix: string): Promise<void> {
  const client = new Redis({ ...REDIS, lazyConnect: true })
  await client.connect()
  for (const [db, pattern] of [
    [0, `${prefix}*`],
    [15, 'key:*'],
  ] as const) {
    await client.select(db)
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 5_000)
      if (keys.length > 0) await client.unlink(...keys)
      cursor = next
    } while (cursor !== '0')
  }
  client.disconnect()
}

interface Report {
  readonly writes: Record<string, number>
  readonly keel: Record<'sqlite' | 'redis', Record<'1' | '100', Latency>>
  readonly floors: { readonly sqlite: Record<'1' | '100', Latency>; readonly redisGet: { get: RedisBenchmark; mget100: RedisBenchmark } }
  readonly valueBytes: number
}

function report(r: Report): void {
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100
  const redisVersion = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.match(/v=([\d.]+)/)?.[1] ?? 'unknown'
  const rows = (['1', '100'] as const).flatMap((batch) => {
    const redisFloor = batch === '1' ? r.floors.redisGet.get : r.floors.redisGet.mget100
    return [
      { backend: 'sqlite', entities: Number(batch), keel: r.keel.sqlite[batch], floor: r.floors.sqlite[batch], floorName: 'better-sqlite3 point SELECTs' },
      {
        backend: 'redis',
        entities: Number(batch),
        keel: r.keel.redis[batch],
        floor: redisFloor,
        floorName: batch === '1' ? 'redis-benchmark -t get' : 'redis-benchmark MGET ×100',
      },
    ].map((x) => ({ ...x, p50Ratio: ratio(x.keel.p50, x.floor.p50), p99Ratio: ratio(x.keel.p99, x.floor.p99) }))
  })
  const json = {
    date: new Date().toISOString(),
    node: process.version,
    cores: cpus().length,
    redis: redisVersion,
    entities: ENTITIES,
    features: view.features.length,
    valueBytes: r.valueBytes,
    writeMs: r.writes,
    rows,
    redisBenchmark: r.floors.redisGet,
  }
  writeFileSync(join(RESULTS, 'features-online.json'), `${JSON.stringify(json, null, 2)}\n`)
  const md = [
    '# Online feature lookups: p50 / p99 latency per request',
    '',
    `${ENTITIES.toLocaleString('en')} entities of a ${view.features.length}-feature view (≈${r.valueBytes} bytes stored per entity), random keys, one client issuing requests in sequence (${REQUESTS[1].toLocaleString('en')} requests of 1 entity, ${REQUESTS[100].toLocaleString('en')} of 100, after ${WARMUP} warm-up requests). Node ${process.version}, ${cpus().length} cores, Redis ${redisVersion} on 127.0.0.1. Keel's time is \`lookupOnline\` end to end: key encoding, the read (SQLite prepared SELECTs; Redis one MGET), decoding and the TTL check. Floors from the same run: \`redis-benchmark\` with one client (\`-c 1\`) on values of the same size, and bare better-sqlite3 point SELECTs without decoding.`,
    '',
    '| backend | entities / request | Keel p50 (ms) | Keel p99 (ms) | floor | floor p50 (ms) | floor p99 (ms) | Keel / floor p50 | Keel / floor p99 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (x) =>
        `| ${x.backend} | ${x.entities} | ${x.keel.p50} | ${x.keel.p99} | ${x.floorName} | ${x.floor.p50} | ${x.floor.p99} | ${x.p50Ratio}× | ${x.p99Ratio}× |`,
    ),
    '',
    `Writing the ${ENTITIES.toLocaleString('en')} entities in batches of 1,000: SQLite ${r.writes.sqlite} ms, Redis ${r.writes.redis} ms.`,
    '',
  ].join('\n')
  writeFileSync(join(RESULTS, 'features-online.md'), md)
  process.stdout.write(md)
}

await main()
