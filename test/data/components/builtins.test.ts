import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  cast,
  clip,
  dedupe,
  derive,
  drop,
  fillMissing,
  filter,
  hashPii,
  parseDates,
  rename,
  trimAndCase,
  winsorize,
} from '../../../src/data/components/index.js'
import { expr, ident, render, sql } from '../../../src/data/sql.js'
import { clean, failure, query, relations, useEngine } from './helpers.js'

const ctx = useEngine()

/** Creates the table `input` from trusted fixture SQL: `VALUES` rows and column names. */
async function input(valuesSql: string, names: string): Promise<void> {
  await ctx.engine.run(sql`CREATE TABLE input AS SELECT * FROM (VALUES ${expr(valuesSql)}) t(${expr(names)})`)
}

describe('dedupe', () => {
  const ROWS = "(1, 'a', 3), (2, 'b', 1), (1, 'c', 1), (2, 'd', NULL), (1, 'e', 2), (NULL, 'f', 1), (NULL, 'g', 2)"

  it('keeps the first row per key in input order, missing keys counting as one key', async () => {
    await input(ROWS, 'id, v, t')
    const { columns, rows } = await clean(ctx.engine, [dedupe({ keys: ['id'] })])
    expect(columns).toEqual(['id INTEGER', 'v VARCHAR', 't INTEGER'])
    expect(rows).toEqual([
      [1, 'a', 3],
      [2, 'b', 1],
      [null, 'f', 1],
    ])
  })

  it('keeps the last row per key in input order', async () => {
    await input(ROWS, 'id, v, t')
    const { rows } = await clean(ctx.engine, [dedupe({ keys: ['id'], keep: 'last' })])
    expect(rows.map((r) => r[1])).toEqual(['d', 'e', 'g'])
  })

  it('keeps the first or last by a column; missing order values lose; output stays in input order', async () => {
    await input(ROWS, 'id, v, t')
    expect((await clean(ctx.engine, [dedupe({ keys: ['id'], orderBy: 't' })])).rows.map((r) => r[1])).toEqual(['b', 'c', 'f'])
    expect((await clean(ctx.engine, [dedupe({ keys: ['id'], orderBy: 't', keep: 'last' })])).rows.map((r) => r[1])).toEqual(['a', 'b', 'g'])
  })

  it('breaks ties on the order column by position, takes several keys, and keeps a user column named like its helper', async () => {
    await input("(1, 'x', 5, 9), (1, 'y', 5, 8), (1, 'x', 5, 7), (2, 'x', 1, 6)", 'k, k2, t, __keel_row')
    const first = await clean(ctx.engine, [dedupe({ keys: ['k', 'k2'], orderBy: 't' })])
    expect(first.columns).toEqual(['k INTEGER', 'k2 VARCHAR', 't INTEGER', '__keel_row INTEGER'])
    expect(first.rows).toEqual([
      [1, 'x', 5, 9],
      [1, 'y', 5, 8],
      [2, 'x', 1, 6],
    ])
    const last = await clean(ctx.engine, [dedupe({ keys: ['k', 'k2'], orderBy: 't', keep: 'last' })])
    expect(last.rows.map((r) => r[3])).toEqual([8, 7, 6])
  })
})

describe('filter', () => {
  it('keeps rows where the condition is true; false and missing drop the row; a trailing comment is harmless', async () => {
    await input("(1, 'a'), (2, NULL), (3, 'c'), (NULL, 'd')", 'a, b')
    const { rows } = await clean(ctx.engine, [filter({ where: 'a > 1 OR b = $$d$$ -- keep d too' })])
    expect(rows).toEqual([
      [2, null],
      [3, 'c'],
      [null, 'd'],
    ])
    expect((await clean(ctx.engine, [filter({ where: 'a >= 2 AND b IS NOT NULL' })])).rows).toEqual([[3, 'c']])
  })
})

describe('fillMissing', () => {
  const ROWS = [
    "(1, 'x', 1.0::DOUBLE, true, DATE '2024-01-01')",
    '(NULL, NULL, NULL, NULL, NULL)',
    "(3, 'y', 4.0, false, DATE '2024-01-03')",
    "(4, 'y', NULL, NULL, DATE '2024-01-02')",
    "(NULL, 'x', 10.0, true, NULL)",
  ].join(', ')

  it('fills with the mean, the median and the mode of the input', async () => {
    await input(ROWS, 'a, b, c, d, e')
    const { columns, rows } = await clean(ctx.engine, [fillMissing({ a: 'mean', b: 'mode', c: 'median', e: 'median' })])
    expect(columns).toEqual(['a DOUBLE', 'b VARCHAR', 'c DOUBLE', 'd BOOLEAN', 'e TIMESTAMP'])
    expect(rows.map((r) => r[0])).toEqual([1, 8 / 3, 3, 4, 8 / 3])
    // x and y both appear twice: the tie goes to the smaller value
    expect(rows.map((r) => r[1])).toEqual(['x', 'x', 'y', 'y', 'x'])
    expect(rows.map((r) => r[2])).toEqual([1, 4, 4, 4, 10])
    expect(rows.map((r) => r[4])).toEqual([
      '2024-01-01T00:00:00.000Z',
      '2024-01-02T00:00:00.000Z',
      '2024-01-03T00:00:00.000Z',
      '2024-01-02T00:00:00.000Z',
      '2024-01-02T00:00:00.000Z',
    ])
  })

  it('fills with constants and keeps the column types', async () => {
    await input(ROWS, 'a, b, c, d, e')
    const { columns, rows } = await clean(ctx.engine, [fillMissing({ a: 0, b: { value: 'mean' }, c: -1.5, d: false, e: '2024-06-30' })])
    expect(columns).toEqual(['a INTEGER', 'b VARCHAR', 'c DOUBLE', 'd BOOLEAN', 'e DATE'])
    expect(rows[1]).toEqual([0, 'mean', -1.5, false, '2024-06-30T00:00:00.000Z'])
    expect(rows[4]).toEqual([0, 'x', 10, true, '2024-06-30T00:00:00.000Z'])
    expect(rows[0]).toEqual([1, 'x', 1, true, '2024-01-01T00:00:00.000Z'])
  })

  it('refuses a fill value of another type, and a statistic the column cannot have', async () => {
    await input(ROWS, 'a, b, c, d, e')
    const text = await failure(clean(ctx.engine, [fillMissing({ a: 'none' })]))
    expect(text.code).toBe('COMPONENT_INVALID_PARAMS')
    expect(text.message).toBe('step 1 (fillMissing): column "a" is INTEGER; fill it with a value of that type, not the string "none"')
    const mean = await failure(clean(ctx.engine, [fillMissing({ b: 'mean' })]))
    expect(mean.message).toBe('step 1 (fillMissing): column "b" is VARCHAR; a mean needs a numeric column')
    expect((await failure(clean(ctx.engine, [fillMissing({ d: 1 })]))).message).toContain('column "d" is BOOLEAN')
  })
})

describe('cast', () => {
  it('converts with TRY_CAST: what does not convert becomes missing', async () => {
    await input(
      "('1', '2.5', 'true', '2024-01-02 03:04:05', '2024-01-02', 7), ('x', 'y', 'maybe', 'soon', '2024-02-30', NULL), (NULL, NULL, NULL, NULL, NULL, 8)",
      'i, f, b, ts, d, s',
    )
    const { columns, rows } = await clean(ctx.engine, [cast({ i: 'int', f: 'float', b: 'bool', ts: 'timestamp', d: 'date', s: 'string' })])
    expect(columns).toEqual(['i BIGINT', 'f DOUBLE', 'b BOOLEAN', 'ts TIMESTAMP', 'd DATE', 's VARCHAR'])
    expect(rows).toEqual([
      [1, 2.5, true, '2024-01-02T03:04:05.000Z', '2024-01-02T00:00:00.000Z', '7'],
      [null, null, null, null, null, null],
      [null, null, null, null, null, '8'],
    ])
  })
})

describe('clip', () => {
  it('limits to the bounds, keeps missing values and integer types', async () => {
    await input('(-5, 0.25::DOUBLE), (3, 0.75), (12, 1.5), (NULL, NULL)', 'a, b')
    const { columns, rows } = await clean(ctx.engine, [clip({ a: { min: 0, max: 10 }, b: { max: 0.5 } })])
    expect(columns).toEqual(['a INTEGER', 'b DOUBLE'])
    expect(rows).toEqual([
      [0, 0.25],
      [3, 0.5],
      [10, 0.5],
      [null, null],
    ])
  })

  it('refuses bounds that cannot hold and text columns', async () => {
    await input("(1, 'x')", 'a, s')
    expect((await failure(clean(ctx.engine, [clip({ a: { min: 2, max: 1 } })]))).message).toBe('step 1 (clip): `a`: min must not be above max')
    expect((await failure(clean(ctx.engine, [clip({ a: {} })]))).message).toBe('step 1 (clip): `a`: must give min, max or both')
    expect((await failure(clean(ctx.engine, [clip({ s: { min: 0 } })]))).message).toBe('step 1 (clip): column "s" is VARCHAR; clip takes numeric columns')
  })
})

describe('winsorize', () => {
  it('limits to interpolated quantiles of the input (default 1 % and 99 %)', async () => {
    await ctx.engine.run(sql`CREATE TABLE input AS SELECT CAST(range AS INTEGER) AS a, range * 10 AS b FROM range(1, 101) UNION ALL SELECT NULL, NULL`)
    const { columns, rows } = await clean(ctx.engine, [winsorize({ columns: ['a'] })])
    expect(columns).toEqual(['a DOUBLE', 'b BIGINT'])
    const a = rows.map((r) => r[0])
    // over 1…100 the 1 % quantile is 1 + 0.01 × 99 and the 99 % one 1 + 0.99 × 99
    expect([a[0], a[1], a[49], a[98], a[99], a[100]]).toEqual([1.99, 2, 50, 99, 99.01, null])
    expect(rows[0]?.[1]).toBe(10)
  })

  it('takes other quantiles and checks them', async () => {
    await ctx.engine.run(sql`CREATE TABLE input AS SELECT CAST(range AS DOUBLE) AS a FROM range(0, 11)`)
    const { rows } = await clean(ctx.engine, [winsorize({ columns: ['a'], lower: 0.25, upper: 0.5 })])
    expect(rows.map((r) => r[0])).toEqual([2.5, 2.5, 2.5, 3, 4, 5, 5, 5, 5, 5, 5])
    expect((await failure(clean(ctx.engine, [winsorize({ columns: ['a'], lower: 0.6, upper: 0.5 })]))).message).toBe(
      'step 1 (winsorize): params: lower must be below upper',
    )
    expect((await failure(clean(ctx.engine, [winsorize({ columns: ['a'], upper: 2 })]))).message).toBe(
      'step 1 (winsorize): `upper`: must be a quantile from 0 to 1',
    )
  })
})

describe('trimAndCase', () => {
  it('trims and lower-cases, upper-cases or keeps the case', async () => {
    await input("('  Ann ', ' x', 1), ('BOB', 'Y ', 2), (NULL, NULL, 3)", 'a, b, n')
    const lower = await clean(ctx.engine, [trimAndCase({ columns: ['a'], case: 'lower' })])
    expect(lower.rows).toEqual([
      ['ann', ' x', 1],
      ['bob', 'Y ', 2],
      [null, null, 3],
    ])
    expect((await clean(ctx.engine, [trimAndCase({ columns: ['a', 'b'], case: 'upper' })])).rows.map((r) => [r[0], r[1]])).toEqual([
      ['ANN', 'X'],
      ['BOB', 'Y'],
      [null, null],
    ])
    expect((await clean(ctx.engine, [trimAndCase({ columns: ['a'] })])).rows.map((r) => r[0])).toEqual(['Ann', 'BOB', null])
    expect((await failure(clean(ctx.engine, [trimAndCase({ columns: ['n'] })]))).message).toBe(
      'step 1 (trimAndCase): column "n" is INTEGER; trimAndCase takes text columns',
    )
  })
})

describe('parseDates', () => {
  it('parses with a strptime format; what does not parse becomes missing', async () => {
    await input("('02/01/2024', '2024-01-02 10:30'), ('31/02/2024', 'nope'), (NULL, '2024-12-31 23:59')", 'd, t')
    const { columns, rows } = await clean(ctx.engine, [parseDates({ d: '%d/%m/%Y', t: '%Y-%m-%d %H:%M' })])
    expect(columns).toEqual(['d TIMESTAMP', 't TIMESTAMP'])
    expect(rows).toEqual([
      ['2024-01-02T00:00:00.000Z', '2024-01-02T10:30:00.000Z'],
      [null, null],
      [null, '2024-12-31T23:59:00.000Z'],
    ])
    expect((await failure(clean(ctx.engine, [parseDates({ d: 'YYYY-MM-DD' })]))).message).toBe(
      'step 1 (parseDates): `d`: must be a strptime format such as "%Y-%m-%d"',
    )
  })
})

describe('rename, drop and derive', () => {
  it('renames in place and refuses two columns with one name', async () => {
    await input("(1, 'x', true)", 'a, b, c')
    const { columns } = await clean(ctx.engine, [rename({ a: 'id', c: 'B2' })])
    expect(columns).toEqual(['id INTEGER', 'b VARCHAR', 'B2 BOOLEAN'])
    // swapping two names is fine
    expect((await clean(ctx.engine, [rename({ a: 'b', b: 'a' })])).columns).toEqual(['b INTEGER', 'a VARCHAR', 'c BOOLEAN'])
    const clash = await failure(clean(ctx.engine, [rename({ a: 'B' })]))
    expect(clash.message).toBe('step 1 (rename): columns "a" and "b" would both be named "b"')
  })

  it('drops columns but not all of them', async () => {
    await input("(1, 'x', true)", 'a, b, c')
    expect(await clean(ctx.engine, [drop({ columns: ['a', 'c'] })]).then((r) => [r.columns, r.rows])).toEqual([['b VARCHAR'], [['x']]])
    expect((await failure(clean(ctx.engine, [drop({ columns: ['a', 'b', 'c'] })]))).message).toBe('step 1 (drop): would remove every column')
  })

  it('derives new columns at the end and replaces same-named ones in place, from the input', async () => {
    await input("(1, 'x'), (2, NULL)", 'a, b')
    const { columns, rows } = await clean(ctx.engine, [derive({ c: 'a * 10', a: 'a + 1 -- comment', d: "coalesce(b, 'none') || a" })])
    expect(columns).toEqual(['a INTEGER', 'b VARCHAR', 'c INTEGER', 'd VARCHAR'])
    expect(rows).toEqual([
      [2, 'x', 10, 'x1'],
      [3, null, 20, 'none2'],
    ])
    expect((await failure(clean(ctx.engine, [derive({ A: 'a' })]))).message).toBe(
      'step 1 (derive): "A" differs from the input column "a" only in case; use the same spelling to replace it',
    )
  })
})

describe('hashPii', () => {
  const sha = (text: string) => createHash('sha256').update(text).digest('hex')

  it('replaces values by the hex sha256 of salt + value; missing stays missing', async () => {
    await input("('ann@example.com', 42, 'keep'), (NULL, 7, 'keep')", 'email, n, other')
    const { columns, rows, result } = await clean(ctx.engine, [hashPii({ columns: ['email', 'n'], saltFromEnv: 'PII_SALT' })], { PII_SALT: 's3cret' })
    expect(columns).toEqual(['email VARCHAR', 'n VARCHAR', 'other VARCHAR'])
    expect(rows).toEqual([
      [sha('s3cretann@example.com'), sha('s3cret42'), 'keep'],
      [null, sha('s3cret7'), 'keep'],
    ])
    expect(result.steps).toEqual([{ component: 'hashPii', params: { columns: ['email', 'n'], saltFromEnv: 'PII_SALT' } }])
  })

  it('never writes the salt into a stored view definition', async () => {
    await input("('ann@example.com')", 'email')
    const steps = [hashPii({ columns: ['email'], saltFromEnv: 'PII_SALT' }), filter({ where: 'email IS NOT NULL' })]
    const { rows } = await clean(ctx.engine, steps, { PII_SALT: 'very-secret-salt' })
    expect(rows).toEqual([[sha('very-secret-saltann@example.com')]])
    const definitions = await query(ctx.engine, sql`SELECT sql FROM duckdb_views() WHERE NOT internal UNION ALL SELECT sql FROM duckdb_tables()`)
    expect(definitions.length).toBeGreaterThan(0)
    expect(definitions.filter((d) => String(d[0]).includes('very-secret-salt'))).toEqual([])
  })

  it('refuses to hash without a salt, naming the variable', async () => {
    await input("('ann@example.com')", 'email')
    for (const secrets of [{}, { PII_SALT: '' }]) {
      const error = await failure(clean(ctx.engine, [hashPii({ columns: ['email'], saltFromEnv: 'PII_SALT' })], secrets))
      expect(error.code).toBe('COMPONENT_INVALID_PARAMS')
      expect(error.message).toMatch(/^step 1 \(hashPii\): the salt variable PII_SALT is not set/)
    }
    expect(await relations(ctx.engine)).toEqual(['input'])
  })
})

describe('built-in SQL outside the runner', () => {
  it('binds values as parameters, so the statement text holds none of them', async () => {
    await input('(CAST(NULL AS VARCHAR), 1)', 's, n')
    const context = {
      columns: [
        { name: 's', type: 'VARCHAR' },
        { name: 'n', type: 'INTEGER' },
      ],
      secret: () => undefined,
    }
    const q = fillMissing.component.build({ s: "x'); DROP TABLE input; --" }, ident('input'), context)
    const { text, params } = render(q)
    expect(params).toEqual(["x'); DROP TABLE input; --"])
    expect(text).not.toContain('DROP')
    expect(await query(ctx.engine, q)).toEqual([["x'); DROP TABLE input; --", 1]])
  })
})
