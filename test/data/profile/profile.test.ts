import { writeFileSync } from 'node:fs'
import { join as joinPath } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeelError } from '../../../src/core/errors.js'
import {
  type BooleanProfile,
  type CategoricalProfile,
  type ColumnProfile,
  type NumericProfile,
  profileColumns,
  profileKind,
  type TemporalProfile,
} from '../../../src/data/profile/index.js'
import { ident, join, literal, render, type Sql, sql } from '../../../src/data/sql.js'
import type { DataEngine } from '../../../src/stores/data-engine.js'
import { openDuckDbEngine } from '../../../src/stores/duckdb/duckdb-engine.js'
import { tempDir } from '../../helpers/temp.js'

const dir = tempDir('keel-profile-')
let engine: DataEngine

beforeAll(async () => {
  engine = await openDuckDbEngine()
})

afterAll(async () => {
  await engine.close()
})

const table = (name: string): Sql => sql`SELECT * FROM ${ident(name)}`

function pick<K extends ColumnProfile['kind']>(profiles: readonly ColumnProfile[], name: string, kind: K): Extract<ColumnProfile, { kind: K }> {
  const profile = profiles.find((p) => p.name === name)
  expect(profile?.kind).toBe(kind)
  return profile as Extract<ColumnProfile, { kind: K }>
}

describe('profileColumns on numbers', () => {
  it('computes exact statistics, quantiles and a histogram on known data', async () => {
    // 1..10, one missing value, NaN and +Infinity (which count as values but stay out of the statistics)
    await engine.run(sql`
      CREATE TABLE nums AS SELECT * FROM (VALUES (1.0), (2.0), (3.0), (4.0), (5.0), (6.0), (7.0), (8.0), (9.0), (10.0),
        (NULL), ('NaN'::DOUBLE), ('Infinity'::DOUBLE)) v(x)`)
    const [x] = (await profileColumns(engine, table('nums'))) as [NumericProfile]
    expect(x).toMatchObject({ name: 'x', engineType: 'DOUBLE', kind: 'numeric', count: 12, missing: 1, nonFinite: 2, distinct: 12, approximate: false })
    expect(x.min).toBe(1)
    expect(x.max).toBe(10)
    expect(x.mean).toBe(5.5)
    // sample variance of 1..10: (n² − 1) / 12 · n / (n − 1) = 82.5 / 9
    expect(x.std).toBeCloseTo(Math.sqrt(82.5 / 9), 12)
    // linear interpolation at (n − 1)·p over 1..10 is 1 + 9p
    const expected = { p1: 1.09, p5: 1.45, p25: 3.25, p50: 5.5, p75: 7.75, p95: 9.55, p99: 9.91 }
    for (const [name, value] of Object.entries(expected)) expect(x.quantiles?.[name as keyof typeof expected]).toBeCloseTo(value, 12)
    const histogram = x.histogram
    expect(histogram?.edges).toHaveLength(21)
    expect(histogram?.edges[0]).toBe(1)
    expect(histogram?.edges[20]).toBe(10)
    expect(histogram?.edges[1]).toBeCloseTo(1.45, 12)
    // bin of v is floor((v − 1) / 0.45), the maximum in the last bin
    const counts = new Array(20).fill(0)
    for (const bin of [0, 2, 4, 6, 8, 11, 13, 15, 17, 19]) counts[bin] = 1
    expect(histogram?.counts).toEqual(counts)
    expect(histogram?.counts.reduce((a, b) => a + b, 0)).toBe(x.count - x.nonFinite)
  })

  it('puts a value on an inner edge in the bin above it and the maximum in the last bin', async () => {
    await engine.run(sql`CREATE TABLE edges AS SELECT range::INTEGER AS k FROM range(21)`)
    const [k] = (await profileColumns(engine, table('edges'))) as [NumericProfile]
    expect(k.engineType).toBe('INTEGER')
    expect(k.histogram?.edges).toEqual(Array.from({ length: 21 }, (_, i) => i))
    expect(k.histogram?.counts).toEqual([...new Array(19).fill(1), 2])
    expect(k.quantiles?.p50).toBe(10)
    expect(k.quantiles?.p25).toBe(5)
  })

  it('summarizes a constant column with one bin and an empty one with nulls', async () => {
    await engine.run(sql`CREATE TABLE flat AS SELECT * FROM (VALUES (5, NULL::DOUBLE), (5, NULL), (5, NULL)) v(c, e)`)
    const [c, e] = (await profileColumns(engine, table('flat'))) as [NumericProfile, NumericProfile]
    expect(c).toMatchObject({ min: 5, max: 5, mean: 5, std: 0, distinct: 1, histogram: { edges: [5, 5], counts: [3] } })
    expect(c.quantiles).toEqual({ p1: 5, p5: 5, p25: 5, p50: 5, p75: 5, p95: 5, p99: 5 })
    expect(e).toMatchObject({ count: 0, missing: 3, distinct: 0, min: null, max: null, mean: null, std: null, quantiles: null, histogram: null })
  })

  it('reads decimals, huge integers and one value (no standard deviation)', async () => {
    await engine.run(sql`CREATE TABLE wide AS SELECT 12.34::DECIMAL(10,2) AS d, 18446744073709551615::UBIGINT AS u`)
    const [d, u] = (await profileColumns(engine, table('wide'))) as [NumericProfile, NumericProfile]
    expect(d).toMatchObject({ engineType: 'DECIMAL(10,2)', min: 12.34, max: 12.34, std: null })
    expect(u.max).toBe(2 ** 64)
  })

  it('estimates distinct counts and quantiles past exactRows, and says so', async () => {
    await engine.run(sql`CREATE TABLE big AS SELECT range AS id, range % 7 AS r FROM range(5000)`)
    const [id] = (await profileColumns(engine, table('big'), { exactRows: 100 })) as [NumericProfile]
    expect(id.approximate).toBe(true)
    expect(id.distinct).toBeLessThanOrEqual(5000)
    expect(id.distinct).toBeGreaterThan(4500)
    expect(id.quantiles?.p50).toBeCloseTo(2499.5, -1)
    // counts, min and max stay exact
    expect(id).toMatchObject({ count: 5000, missing: 0, min: 0, max: 4999 })
    expect(id.histogram?.counts).toEqual(new Array(20).fill(250))
    const [exact] = (await profileColumns(engine, table('big'))) as [NumericProfile]
    expect(exact).toMatchObject({ approximate: false, distinct: 5000, quantiles: { p50: 2499.5 } })
  })
})

describe('profileColumns on categories, booleans and times', () => {
  it('keeps the top values by count, ties in text order, and counts the rest', async () => {
    await engine.run(sql`
      CREATE TABLE cats AS SELECT * FROM (VALUES ('b', true), ('a', true), ('c', false), ('a', NULL), ('b', true), (NULL, NULL),
        ('a', false), ('it''s "quoted"', true)) v(s, f)`)
    const profiles = await profileColumns(engine, table('cats'), { topValues: 2 })
    const s = pick(profiles, 's', 'categorical')
    expect(s).toEqual({
      name: 's',
      engineType: 'VARCHAR',
      kind: 'categorical',
      count: 7,
      missing: 1,
      distinct: 4,
      approximate: false,
      top: [
        { value: 'a', count: 3 },
        { value: 'b', count: 2 },
      ],
      otherCount: 2,
    } satisfies CategoricalProfile)
    const all = pick(await profileColumns(engine, table('cats')), 's', 'categorical')
    expect(all.top.map((t) => t.value)).toEqual(['a', 'b', 'c', 'it\'s "quoted"'])
    expect(all.otherCount).toBe(0)
    const f = pick(profiles, 'f', 'boolean')
    expect(f).toEqual({
      name: 'f',
      engineType: 'BOOLEAN',
      kind: 'boolean',
      count: 6,
      missing: 2,
      distinct: 2,
      approximate: false,
      top: [
        { value: true, count: 4 },
        { value: false, count: 2 },
      ],
      otherCount: 0,
    } satisfies BooleanProfile)
  })

  it('gives dates and timestamps as ISO-8601 text, zoned ones in UTC', async () => {
    await engine.run(sql`
      CREATE TABLE times AS SELECT * FROM (VALUES
        (DATE '2024-01-02', TIMESTAMP '2024-01-02 10:30:00', TIMESTAMPTZ '2024-01-02 10:30:00+02', TIMESTAMP '2024-05-06 07:08:09.5'),
        (DATE '2023-12-31', TIMESTAMP '2023-12-31 23:59:59', TIMESTAMPTZ '2024-03-01 00:00:00+00', NULL),
        (NULL, NULL, NULL, NULL)) v(d, ts, tz, frac)`)
    const profiles = await profileColumns(engine, table('times'))
    expect(pick(profiles, 'd', 'temporal')).toEqual({
      name: 'd',
      engineType: 'DATE',
      kind: 'temporal',
      count: 2,
      missing: 1,
      distinct: 2,
      approximate: false,
      min: '2023-12-31',
      max: '2024-01-02',
    } satisfies TemporalProfile)
    expect(pick(profiles, 'ts', 'temporal')).toMatchObject({ min: '2023-12-31T23:59:59', max: '2024-01-02T10:30:00' })
    expect(pick(profiles, 'tz', 'temporal')).toMatchObject({ engineType: 'TIMESTAMP WITH TIME ZONE', min: '2024-01-02T08:30:00Z', max: '2024-03-01T00:00:00Z' })
    expect(pick(profiles, 'frac', 'temporal')).toMatchObject({ count: 1, min: '2024-05-06T07:08:09.5' })
    for (const p of profiles) expect(Number.isNaN(Date.parse(String((p as TemporalProfile).min)))).toBe(false)
  })

  it('profiles a CSV read as text: every column categorical', async () => {
    const path = joinPath(dir, 'orders.csv')
    writeFileSync(path, 'id,price,when\n1,2.5,2024-01-01\n2,,2024-01-02\n3,2.5,\n')
    const profiles = await profileColumns(engine, sql`SELECT * FROM read_csv(${literal(path)}, all_varchar = true)`)
    expect(profiles.map((p) => [p.name, p.kind, p.count, p.missing, p.distinct])).toEqual([
      ['id', 'categorical', 3, 0, 3],
      ['price', 'categorical', 2, 1, 1],
      ['when', 'categorical', 2, 1, 2],
    ])
  })
})

describe('profileColumns, whatever the input', () => {
  it('is plain JSON', async () => {
    const profiles = await profileColumns(engine, table('nums'))
    expect(JSON.parse(JSON.stringify(profiles))).toEqual(profiles)
  })

  it('queries one column per statement', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `col ${i}`)
    await engine.run(sql`CREATE TABLE many AS SELECT ${join(names.map((n, i) => sql`${i} AS ${ident(n)}`))}`)
    const statements: string[] = []
    const spy: DataEngine = {
      backend: engine.backend,
      run: (q) => engine.run(q),
      all: (q) => {
        statements.push(render(q).text)
        return engine.all(q)
      },
      describe: (q) => engine.describe(q),
      load: (t, c, r) => engine.load(t, c, r),
      close: async () => {},
    }
    const profiles = await profileColumns(spy, table('many'))
    expect(profiles.map((p) => p.name)).toEqual(names)
    const perColumn = statements.filter((s) => names.some((n) => s.includes(`"${n}"`)))
    expect(perColumn.length).toBeGreaterThanOrEqual(names.length)
    for (const s of perColumn) expect(names.filter((n) => s.includes(`"${n}"`))).toHaveLength(1)
  })

  it('takes hostile column names through ident', async () => {
    const hostile = ['"; DROP TABLE hostile; --', "it's", 'a "b" c', 'first name', '__proto__']
    await engine.run(sql`CREATE TABLE hostile AS SELECT ${join(hostile.map((n, i) => sql`${`v${i}`} AS ${ident(n)}`))}`)
    const profiles = await profileColumns(engine, table('hostile'))
    expect(profiles.map((p) => [p.name, p.kind, p.count])).toEqual(hostile.map((n) => [n, 'categorical', 1]))
    expect(pick(profiles, '"; DROP TABLE hostile; --', 'categorical').top).toEqual([{ value: 'v0', count: 1 }])
    const { rows } = await engine.all(sql`SELECT count(*) FROM ${ident('hostile')}`)
    expect(rows[0]?.[0]).toBe(1)
  })

  it('stops on two columns of one name', async () => {
    const error = await profileColumns(engine, sql`SELECT 1 AS a, 2 AS a`).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeelError)
    expect((error as KeelError).code).toBe('DATA_INVALID_NAME')
  })

  it('maps engine types to kinds', () => {
    expect(['BIGINT', 'HUGEINT', 'DOUBLE', 'DECIMAL(18,3)', 'UTINYINT'].map(profileKind)).toEqual(new Array(5).fill('numeric'))
    expect(['DATE', 'TIMESTAMP', 'TIMESTAMP_NS', 'TIMESTAMP WITH TIME ZONE', 'TIME'].map(profileKind)).toEqual(new Array(5).fill('temporal'))
    expect(profileKind('BOOLEAN')).toBe('boolean')
    expect(['VARCHAR', "ENUM('a', 'b')", 'UUID', 'INTEGER[]', 'BLOB'].map(profileKind)).toEqual(new Array(5).fill('categorical'))
  })
})
