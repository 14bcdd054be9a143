import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  applySteps,
  cast,
  clip,
  dedupe,
  defineComponent,
  derive,
  drop,
  fillMissing,
  hashPii,
  parseDates,
  rename,
  trimAndCase,
  winsorize,
} from '../../../src/data/components/index.js'
import { inlineValues } from '../../../src/data/components/inline.js'
import { ident, render, sql } from '../../../src/data/sql.js'
import { clean, query, read, useEngine } from './helpers.js'

const ctx = useEngine()

const KEY = 'a"; DROP TABLE input; --'
const TEXT = "s'); DROP TABLE input; --"
const NUM = 'n" FROM input; DROP TABLE input; SELECT "'
const DATE = "d'--"
const VALUE = "x'); DROP TABLE input; --"
const SALT = "'); DROP TABLE input; --"

async function hostileInput(): Promise<void> {
  await ctx.engine.run(sql`CREATE TABLE input AS SELECT * FROM (VALUES
    (1, '  v ', 2.0::DOUBLE, '2024-01-02'),
    (1, 'dup', 9.0, '2024-01-03'),
    (2, NULL, NULL, NULL),
    (3, 'w', 5.0, 'not a date')
  ) t(${ident(KEY)}, ${ident(TEXT)}, ${ident(NUM)}, ${ident(DATE)})`)
}

async function inputIsIntact(): Promise<void> {
  expect(await query(ctx.engine, sql`SELECT count(*) FROM input`)).toEqual([[4]])
}

describe('SQL injection', () => {
  it('hostile column names pass through every built-in as names', async () => {
    await hostileInput()
    const renamed = `${KEY} renamed`
    const added = 'c"; DROP TABLE input; --'
    const { columns, rows } = await clean(ctx.engine, [
      dedupe({ keys: [KEY], orderBy: NUM, keep: 'last' }),
      trimAndCase({ columns: [TEXT], case: 'upper' }),
      fillMissing({ [NUM]: 'median', [TEXT]: 'mode' }),
      clip({ [NUM]: { min: 3 } }),
      winsorize({ columns: [NUM], lower: 0, upper: 1 }),
      parseDates({ [DATE]: '%Y-%m-%d' }),
      cast({ [KEY]: 'string' }),
      rename({ [KEY]: renamed }),
      derive({ [added]: `length(${'"'}${TEXT.replaceAll('"', '""')}${'"'})` }),
      drop({ columns: [DATE] }),
    ])
    await inputIsIntact()
    expect(columns).toEqual([`${renamed} VARCHAR`, `${TEXT} VARCHAR`, `${NUM} DOUBLE`, `${added} BIGINT`])
    expect(rows).toEqual([
      ['1', 'DUP', 9, 3],
      ['2', 'DUP', 7, 3],
      ['3', 'W', 5, 1],
    ])
  })

  it('hostile values in parameters come back as data', async () => {
    await hostileInput()
    const tag = defineComponent({
      kind: 'sql',
      name: 'tag',
      description: 'Adds a constant text column.',
      params: z.strictObject({ value: z.string() }),
      build: (p, input) => sql`SELECT *, ${p.value} AS tag FROM ${input}`,
    })
    const { rows } = await clean(
      ctx.engine,
      [fillMissing({ [TEXT]: VALUE }), parseDates({ [DATE]: "%Y'); DROP TABLE input; --" }), tag({ value: VALUE }), drop({ columns: [NUM] })],
      { SALT },
    )
    await inputIsIntact()
    expect(rows).toEqual([
      [1, '  v ', null, VALUE],
      [1, 'dup', null, VALUE],
      [2, VALUE, null, VALUE],
      [3, 'w', null, VALUE],
    ])
    const hashed = await clean(ctx.engine, [hashPii({ columns: [TEXT], saltFromEnv: 'SALT' })], { SALT })
    await inputIsIntact()
    expect(hashed.rows[0]?.[1]).toBe(createHash('sha256').update(`${SALT}  v `).digest('hex'))
  })

  it('a hostile prefix and a hostile input name only name relations', async () => {
    await hostileInput()
    const source = 'in"put\'; DROP TABLE input; --'
    await ctx.engine.run(sql`CREATE TABLE ${ident(source)} AS SELECT * FROM input`)
    const prefix = 'p"; DROP TABLE input; --'
    const passThrough = defineComponent({ kind: 'frame', name: 'passThrough', description: 'Returns its input.', params: z.strictObject({}), apply: (f) => f })
    const result = await applySteps(ctx.engine, source, [dedupe({ keys: [KEY] }), passThrough({}), fillMissing({ [TEXT]: VALUE })], {
      secret: () => undefined,
      prefix,
    })
    await inputIsIntact()
    expect(result.relation).toBe(`${prefix}_step_3`)
    const { rows } = await read(ctx.engine, result.relation)
    expect(rows.map((r) => [r[0], r[1]])).toEqual([
      [1, '  v '],
      [2, VALUE],
      [3, 'w'],
    ])
    const names = await query(
      ctx.engine,
      sql`SELECT view_name FROM duckdb_views() WHERE NOT internal UNION ALL SELECT table_name FROM duckdb_tables() ORDER BY 1`,
    )
    expect(names.map((r) => r[0])).toEqual(['in"put\'; DROP TABLE input; --', 'input', `${prefix}_step_1`, `${prefix}_step_2`, `${prefix}_step_3`])
  })
})

describe('inlineValues', () => {
  it('writes bound values as quoted or checked literals, for view definitions', async () => {
    const q = inlineValues(sql`SELECT ${VALUE} AS s, ${5} AS i, ${-2} AS neg, ${0.1} AS f, ${1e21} AS big, ${true} AS t, ${null} AS n, ${10n} AS h`)
    const { text, params } = render(q)
    expect(params).toEqual([])
    expect(text).toBe(
      "SELECT 'x''); DROP TABLE input; --' AS s, (5) AS i, (-2) AS neg, CAST('0.1' AS DOUBLE) AS f, CAST('1e+21' AS DOUBLE) AS big, TRUE AS t, NULL AS n, (10) AS h",
    )
    await ctx.engine.run(sql`CREATE TEMP VIEW v AS ${q}`)
    expect(await query(ctx.engine, sql`SELECT * FROM v`)).toEqual([[VALUE, 5, -2, 0.1, 1e21, true, null, 10]])
  })
})
