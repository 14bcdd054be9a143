import { writeFileSync } from 'node:fs'
import { join as joinPath } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeelError } from '../../../src/core/errors.js'
import type { Contract } from '../../../src/data/contracts/contract.js'
import { contractInferText, identifier, inferContract, profileColumns, profileComment, renderContract, widenBounds } from '../../../src/data/profile/index.js'
import { ident, join, literal, type Sql, sql } from '../../../src/data/sql.js'
import type { DataEngine } from '../../../src/stores/data-engine.js'
import { openDuckDbEngine } from '../../../src/stores/duckdb/duckdb-engine.js'
import { tempDir } from '../../helpers/temp.js'

const dir = tempDir('keel-infer-')
let engine: DataEngine

beforeAll(async () => {
  engine = await openDuckDbEngine()
  // the tests that only vary options read the CSV once
  await engine.run(sql`CREATE TABLE orders AS ${ORDERS}`)
})

afterAll(async () => {
  await engine.close()
})

const table = (name: string): Sql => sql`SELECT * FROM ${ident(name)}`
const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

function csv(name: string, lines: readonly string[]): Sql {
  const path = joinPath(dir, name)
  writeFileSync(path, `${lines.join('\n')}\n`)
  return sql`SELECT * FROM read_csv(${literal(path)}, all_varchar = true)`
}

/** The rendered text run as JavaScript: the object passed to `contract`. */
function evaluate(text: string): unknown {
  const body = text.replace(/^export const \w+ = /, 'return ')
  expect(body).not.toBe(text)
  return new Function('contract', body)((c: unknown) => c)
}

// 60 rows, so that 3 repeating values are at most 5% of them
const ORDERS = csv('orders.csv', [
  'id,qty,price,flag,day,at,zip,status,note,half,empty',
  ...Array.from({ length: 60 }, (_, k) => {
    const i = k + 1
    return [
      i,
      i % 10 === 0 ? '' : i * 3,
      (i * 0.25 + 0.1).toFixed(2),
      i % 3 === 0 ? 'yes' : 'no',
      `2024-01-${pad(1 + (i % 28))}`,
      `2024-02-${pad(1 + (i % 20))} ${pad(i % 24)}:15:00`,
      pad(100 + (i % 7), 5),
      ['new', 'paid', 'shipped'][i % 3],
      `note ${i % 30}`,
      i % 2 === 1 ? `${i}` : `${i}.5`,
      '',
    ].join(',')
  }),
])

describe('inferContract on text (CSV read with all_varchar)', () => {
  it('proposes the narrowest lossless type, bounds, categories, nullability and the key', async () => {
    const contract = await inferContract(engine, ORDERS)
    expect(contract).toEqual({
      columns: {
        id: { type: 'int', nullable: false, min: 1, max: 60, unique: true },
        // 3..177 has a range of 174: widened to multiples of 10
        qty: { type: 'int', min: 0, max: 180 },
        price: { type: 'float', nullable: false, min: 0, max: 16 },
        flag: { type: 'bool', nullable: false },
        day: { type: 'date', nullable: false, min: '2024-01-01', max: '2024-01-28' },
        // 2024-02-01 12:15 .. 2024-02-20 19:15, widened to whole days
        at: { type: 'timestamp', nullable: false, min: '2024-02-01', max: '2024-02-21' },
        // leading zeros: not a number; 7 distinct values are more than 5% of 60
        zip: { type: 'string', nullable: false },
        status: { type: 'category', nullable: false, values: ['new', 'paid', 'shipped'] },
        note: { type: 'string', nullable: false },
        // '2.5' does not cast to an int without loss
        half: { type: 'float', nullable: false, min: 1, max: 61 },
        empty: { type: 'string' },
      },
      rows: { min: 1 },
      primaryKey: ['id'],
    } satisfies Contract)
  })

  it('reads every text form DuckDB casts', async () => {
    const relation = csv('forms.csv', [
      'ints,floats,bools,dates,stamps,hex,mixed',
      '+5,1e3,t,2024-1-2,2024-01-02T10:30:00,0x10,1',
      ' 12 ,-0.5,F,2024/01/03,2024-01-03 00:00:00,0x11,a',
      '1e3,NaN,Yes,2024-01-04,2024-01-04,0x12,2024-01-01',
    ])
    const { columns } = await inferContract(engine, relation)
    expect(columns.ints).toMatchObject({ type: 'int', min: 0, max: 1000 })
    // NaN is a float but stays out of the bounds
    expect(columns.floats).toMatchObject({ type: 'float', min: -100, max: 1000 })
    expect(columns.bools?.type).toBe('bool')
    expect(columns.dates).toMatchObject({ type: 'date', min: '2024-01-02', max: '2024-01-04' })
    // one value with a time of day makes the column timestamps; a midnight maximum is its own day
    expect(columns.stamps).toMatchObject({ type: 'timestamp', min: '2024-01-02', max: '2024-01-04' })
    expect(columns.hex?.type).toBe('string')
    expect(columns.mixed?.type).toBe('string')
  })

  it('makes text a category only with few distinct values that repeat, as the options say', async () => {
    const strict = await inferContract(engine, table('orders'), { maxCategories: 2 })
    expect(strict.columns.status).toEqual({ type: 'string', nullable: false })
    const rare = await inferContract(engine, table('orders'), { maxCategoryShare: 0.01 })
    expect(rare.columns.status?.type).toBe('string')
    const loose = await inferContract(engine, table('orders'), { maxCategories: 30, maxCategoryShare: 0.5 })
    expect(loose.columns.note?.type).toBe('category')
    expect(loose.columns.note?.values).toHaveLength(30)
    expect(loose.columns.zip?.values).toEqual(['00100', '00101', '00102', '00103', '00104', '00105', '00106'])
  })
})

describe('inferContract on typed input (Parquet)', () => {
  it('keeps the source types and reads text columns by their values', async () => {
    const path = joinPath(dir, 'typed.parquet')
    await engine.run(sql`
      COPY (SELECT range + 1 AS i, (range * 2)::DOUBLE AS f, (range * 1.5)::DECIMAL(10,2) AS dec, range::DECIMAL(10,0) AS dec0,
        range % 2 = 0 AS b, DATE '2024-03-01' + range::INTEGER AS d, TIMESTAMP '2024-03-01 06:00:00' + INTERVAL (range) DAY AS ts,
        TIMESTAMPTZ '2024-03-01 00:00:00+00' + INTERVAL (range) HOUR AS tz, CAST(range * 10 AS VARCHAR) AS s,
        (18446744073709551615 - range)::UBIGINT AS u, TIME '10:00:00' + INTERVAL (range) MINUTE AS tm
      FROM range(5)) TO ${literal(path)} (FORMAT parquet)`)
    const contract = await inferContract(engine, sql`SELECT * FROM read_parquet(${literal(path)})`)
    expect(contract.columns).toEqual({
      i: { type: 'int', nullable: false, min: 1, max: 5, unique: true },
      // a float column keeps its type even when its values happen to be whole
      f: { type: 'float', nullable: false, min: 0, max: 8 },
      dec: { type: 'float', nullable: false, min: 0, max: 6 },
      dec0: { type: 'int', nullable: false, min: 0, max: 4, unique: true },
      b: { type: 'bool', nullable: false },
      d: { type: 'date', nullable: false, min: '2024-03-01', max: '2024-03-05' },
      ts: { type: 'timestamp', nullable: false, min: '2024-03-01', max: '2024-03-06' },
      tz: { type: 'timestamp', nullable: false, min: '2024-03-01', max: '2024-03-02' },
      s: { type: 'int', nullable: false, min: 0, max: 40, unique: true },
      // past the largest BIGINT; every value is 2^64 as a double, widened from its own magnitude
      u: { type: 'float', nullable: false, min: 18e18, max: 19e18 },
      tm: { type: 'string', nullable: false, unique: true },
    })
    expect(contract.primaryKey).toBeUndefined()
  })
})

describe('inferContract: uniqueness and the primary key', () => {
  it('checks uniqueness on the values the contract will cast to', async () => {
    await engine.run(sql`
      CREATE TABLE keys AS SELECT * FROM (VALUES ('1', 'x', 0.5, '1'), ('1.0', 'y', 1.5, '2'), ('2', 'z', 2.5, NULL)) v(a, b, c, d)`)
    const contract = await inferContract(engine, table('keys'))
    // '1' and '1.0' are one int
    expect(contract.columns.a).toEqual({ type: 'int', nullable: false, min: 1, max: 2 })
    expect(contract.columns.b).toEqual({ type: 'string', nullable: false, unique: true })
    // a float that never repeats is no key; nor is a column with a missing value
    expect(contract.columns.c?.unique).toBeUndefined()
    expect(contract.columns.d?.unique).toBeUndefined()
    expect(contract.primaryKey).toEqual(['b'])
  })

  it('suggests no primary key when two columns could be one', async () => {
    await engine.run(sql`CREATE TABLE twokeys AS SELECT range AS id, 'n' || range AS name FROM range(10)`)
    const contract = await inferContract(engine, table('twokeys'))
    expect(contract.columns.id?.unique).toBe(true)
    expect(contract.columns.name?.unique).toBe(true)
    expect(contract.primaryKey).toBeUndefined()
  })

  it('decides uniqueness exactly when distinct counts are estimates', async () => {
    await engine.run(sql`CREATE TABLE manykeys AS SELECT range AS id, range % 2900 AS almost FROM range(3000)`)
    const profiles = await profileColumns(engine, table('manykeys'), { exactRows: 10 })
    expect(profiles.every((p) => p.approximate)).toBe(true)
    const contract = await inferContract(engine, table('manykeys'), { exactRows: 10, profiles })
    expect(contract.columns.id?.unique).toBe(true)
    expect(contract.columns.almost?.unique).toBeUndefined()
    expect(contract.primaryKey).toEqual(['id'])
  })

  it('refuses profiles of another relation', async () => {
    const profiles = await profileColumns(engine, sql`SELECT 'x' AS id`)
    const error = await inferContract(engine, table('twokeys'), { profiles }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeelError)
    expect((error as KeelError).code).toBe('INTERNAL')
  })
})

describe('renderContract', () => {
  it('writes the contract as TypeScript in the repository style, a comment per column', async () => {
    await engine.run(sql`CREATE TABLE small AS SELECT * FROM (VALUES (1, 'a', 2.5), (2, 'a', NULL), (3, 'b', 4.0), (4, 'a', 1.25)) v(id, tag, score)`)
    const profiles = await profileColumns(engine, table('small'))
    const contract = await inferContract(engine, table('small'), { profiles })
    expect(renderContract(contract, 'small', profiles)).toBe(
      [
        'export const smallContract = contract({',
        '  columns: {',
        '    // 0% missing, 4 distinct',
        "    id: { type: 'int', nullable: false, min: 1, max: 4, unique: true },",
        '    // 0% missing, 2 distinct',
        "    tag: { type: 'string', nullable: false },",
        '    // 25% missing, 3 distinct',
        "    score: { type: 'float', min: 1.2, max: 4 },",
        '  },',
        '  rows: { min: 1 },',
        "  primaryKey: ['id'],",
        '})',
        '',
      ].join('\n'),
    )
    expect(evaluate(renderContract(contract, 'small', profiles))).toEqual(contract)
  })

  it('quotes hostile column names and evaluates back to the same contract', async () => {
    const hostile = ['"; DROP TABLE hostile; --', "it's", 'a "b" c', 'first name', '__proto__', '2024', 'back\\slash', 'new\nline']
    await engine.run(sql`CREATE TABLE hostile AS SELECT ${join(hostile.map((n, i) => sql`${i % 2 === 0 ? `v'"${i}` : i} AS ${ident(n)}`))}`)
    const { rows } = await engine.all(sql`SELECT count(*) FROM ${ident('hostile')}`)
    expect(rows[0]?.[0]).toBe(1)
    const text = await contractInferText(engine, table('hostile'), 'hostile')
    expect(text).toContain(`'"; DROP TABLE hostile; --': { type: 'string', nullable: false, unique: true },`)
    expect(text).toContain(`"it's": { type: 'int', nullable: false, min: 1, max: 1, unique: true },`)
    expect(text).toContain(`'a "b" c': { type: 'string', nullable: false, unique: true },`)
    expect(text).toContain(`'first name': { type: 'int', nullable: false, min: 3, max: 3, unique: true },`)
    expect(text).toContain(`['__proto__']: { type: 'string', nullable: false, unique: true },`)
    expect(text).toContain(`'back\\\\slash': { type: 'string', nullable: false, unique: true },`)
    expect(text).toContain(`'new\\nline': { type: 'int', nullable: false, min: 7, max: 7, unique: true },`)
    // the input's column order, though '2024' is an integer-like key
    expect(text.indexOf("'2024'")).toBeGreaterThan(text.indexOf("['__proto__']"))
    const evaluated = evaluate(text) as Contract
    expect(Object.keys(evaluated.columns)).toEqual(expect.arrayContaining(hostile))
    expect(Object.hasOwn(evaluated.columns, '__proto__')).toBe(true)
    expect(evaluated).toEqual(await inferContract(engine, table('hostile')))
  })

  it('orders keys stably and wraps what does not fit in 160 columns', () => {
    const values = Array.from({ length: 12 }, (_, i) => `a rather long category value ${i}`)
    const text = renderContract(
      {
        policy: 'quarantine',
        checks: [{ sql: "price > 0 OR status = 'free'", name: 'positive' }],
        columns: { status: { values, nullable: false, type: 'category' }, at: { type: 'timestamp' } },
        freshness: { maxAge: '2d', column: 'at' },
        rows: { max: 10, min: 1 },
      },
      'raw orders',
    )
    const lines = text.split('\n')
    expect(lines[0]).toBe('export const rawOrdersContract = contract({')
    expect(lines.slice(2, 6)).toEqual(['    status: {', "      type: 'category',", '      nullable: false,', '      values: ['])
    expect(lines).toContain("        'a rather long category value 11',")
    expect(text).toContain("  rows: { min: 1, max: 10 },\n  freshness: { column: 'at', maxAge: '2d' },\n")
    expect(text).toContain(`  checks: [{ name: 'positive', sql: "price > 0 OR status = 'free'" }],\n  policy: 'quarantine',\n})\n`)
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(160)
    expect(text).not.toMatch(/;\s*$/m)
    expect(evaluate(text)).toEqual({
      columns: { status: { type: 'category', nullable: false, values }, at: { type: 'timestamp' } },
      rows: { min: 1, max: 10 },
      freshness: { column: 'at', maxAge: '2d' },
      checks: [{ name: 'positive', sql: "price > 0 OR status = 'free'" }],
      policy: 'quarantine',
    })
  })

  it('names the constant after the dataset and formats the profile comment', () => {
    expect(['orders', 'daily-orders', 'raw_orders', 'Orders 2024', '2024 sales', '', '--'].map(identifier)).toEqual([
      'orders',
      'dailyOrders',
      'rawOrders',
      'orders2024',
      '_2024Sales',
      'dataset',
      'dataset',
    ])
    const comment = (missing: number, count: number, distinct = 3, approximate = false) => profileComment({ missing, count, distinct, approximate })
    expect(comment(0, 10)).toBe('0% missing, 3 distinct')
    expect(comment(1, 7)).toBe('12.5% missing, 3 distinct')
    expect(comment(1, 9999)).toBe('<0.1% missing, 3 distinct')
    expect(comment(9999, 1)).toBe('>99.9% missing, 3 distinct')
    expect(comment(4, 0, 0)).toBe('100% missing, 0 distinct')
    expect(comment(0, 0, 0)).toBe('no rows, 0 distinct')
    expect(comment(0, 2_000_000, 1_234_567, true)).toBe('0% missing, ~1,234,567 distinct')
  })
})

describe('contractInferText', () => {
  it('is the rendered inference of the relation, profiled once', async () => {
    const text = await contractInferText(engine, ORDERS, 'daily-orders')
    const profiles = await profileColumns(engine, table('orders'))
    expect(text).toBe(renderContract(await inferContract(engine, table('orders')), 'daily-orders', profiles))
    expect(text.startsWith('export const dailyOrdersContract = contract({\n  columns: {\n    // 0% missing, 60 distinct\n    id: {')).toBe(true)
    expect(text).toContain("    // 10% missing, 54 distinct\n    qty: { type: 'int', min: 0, max: 180 },\n")
    expect(text).toContain("    // 100% missing, 0 distinct\n    empty: { type: 'string' },\n")
  })
})

describe('widenBounds', () => {
  it('rounds outward to a power of ten one digit below the range', () => {
    expect(widenBounds(0.5, 99.7, false)).toEqual([0, 100])
    expect(widenBounds(12.34, 15.99, false)).toEqual([12.3, 16])
    expect(widenBounds(18, 87, true)).toEqual([18, 87])
    expect(widenBounds(3, 1234, true)).toEqual([0, 1300])
    expect(widenBounds(-12.5, -0.25, false)).toEqual([-13, 0])
    expect(widenBounds(0.001234, 0.005678, false)).toEqual([0.0012, 0.0057])
    expect(widenBounds(5, 5, true)).toEqual([5, 5])
    expect(widenBounds(2.345, 2.345, false)).toEqual([2.3, 2.4])
    expect(widenBounds(0, 0, false)).toEqual([0, 0])
    expect(widenBounds(-Number.MAX_VALUE, Number.MAX_VALUE, false)).toEqual([-Number.MAX_VALUE, Number.MAX_VALUE])
  })

  it('never narrows, whatever floating point does', () => {
    let seed = 7
    const next = () => {
      seed = (seed * 16807) % 2147483647
      return seed / 2147483647
    }
    for (let t = 0; t < 2000; t++) {
      const scale = 10 ** Math.floor(next() * 12 - 6)
      const a = (next() - 0.5) * scale
      const b = a + next() * scale
      const [lo, hi] = widenBounds(a, b, false)
      expect(lo).toBeLessThanOrEqual(a)
      expect(hi).toBeGreaterThanOrEqual(b)
      expect(String(lo).length).toBeLessThanOrEqual(String(a).length + 2)
    }
  })
})
