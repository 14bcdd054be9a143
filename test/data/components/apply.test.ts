import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { type Column, Frame } from '../../../src/core/frame.js'
import type { Step } from '../../../src/data/components/component.js'
import {
  applySteps,
  cast,
  clip,
  dedupe,
  defineComponent,
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
import { ident, sql } from '../../../src/data/sql.js'
import { clean, failure, query, read, relations, useEngine } from './helpers.js'

const ctx = useEngine()

const ORDERS = sql`CREATE TABLE input AS SELECT * FROM (VALUES
  (1, '  Pro ', 100.0, 60.0),
  (2, 'free', 10.0, NULL),
  (1, 'PRO', 100.0, 60.0),
  (3, 'pro', 250.0, 100.0)
) t(id, plan, price, cost)`

/** A user SQL component: margin = (price - cost) × rate, a bound value. */
const margin = defineComponent({
  kind: 'sql',
  name: 'margin',
  description: 'Adds margin = (price - cost) × rate.',
  params: z.strictObject({ rate: z.number(), as: z.string().min(1) }),
  build: (p, input) => sql`SELECT *, (price - cost) * ${p.rate} AS ${ident(p.as)} FROM ${input}`,
})

/** A user frame component: ranks rows by a numeric column and flags the top one. */
const rankBy = defineComponent({
  kind: 'frame',
  name: 'rankBy',
  description: 'Adds the rank of a numeric column (1 = largest) and a flag for the top row.',
  params: z.strictObject({ column: z.string() }),
  apply(frame, p) {
    const values = frame.column(p.column)
    if (values.kind !== 'number') throw new Error(`${p.column} is not numeric`)
    const order = [...values.values.keys()].sort((a, b) => (values.values[b] as number) - (values.values[a] as number))
    const rank = new Float64Array(frame.nRows)
    order.forEach((row, i) => {
      rank[row] = i + 1
    })
    const top: Column = { kind: 'boolean', values: Uint8Array.from(rank, (r) => (r === 1 ? 1 : 0)) }
    return frame.with('rank', { kind: 'number', values: rank }).with('top', top)
  },
})

describe('applySteps', () => {
  it('chains built-ins with a user SQL component and a user frame component', async () => {
    await ctx.engine.run(ORDERS)
    const steps = [
      dedupe({ keys: ['id'] }),
      trimAndCase({ columns: ['plan'], case: 'lower' }),
      margin({ rate: 0.5, as: 'half margin' }),
      rankBy({ column: 'price' }),
      fillMissing({ 'half margin': 0 }),
      cast({ rank: 'int' }),
    ]
    const result = await applySteps(ctx.engine, 'input', steps, { secret: () => undefined, prefix: 'orders' })
    expect(result.relation).toBe('orders_step_6')
    expect(result.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      'id INTEGER',
      'plan VARCHAR',
      // the frame step holds numbers as doubles: DECIMAL comes back DOUBLE
      'price DOUBLE',
      'cost DOUBLE',
      'half margin DOUBLE',
      'rank BIGINT',
      'top BOOLEAN',
    ])
    const { rows } = await read(ctx.engine, result.relation)
    expect(rows).toEqual([
      [1, 'pro', 100, 60, 20, 2, false],
      [2, 'free', 10, null, 0, 3, false],
      [3, 'pro', 250, 100, 75, 1, true],
    ])
    expect(result.steps).toEqual([
      { component: 'dedupe', params: { keys: ['id'] } },
      { component: 'trimAndCase', params: { columns: ['plan'], case: 'lower' } },
      { component: 'margin', params: { rate: 0.5, as: 'half margin' } },
      { component: 'rankBy', params: { column: 'price' } },
      { component: 'fillMissing', params: { 'half margin': 0 } },
      { component: 'cast', params: { rank: 'int' } },
    ])
    expect(JSON.parse(JSON.stringify(result.steps))).toEqual(result.steps)
    // SQL steps are views over the previous step; the frame step is a table
    const kinds = await query(
      ctx.engine,
      sql`SELECT view_name, 'view' FROM duckdb_views() WHERE view_name LIKE 'orders_step_%' UNION ALL
          SELECT table_name, 'table' FROM duckdb_tables() WHERE table_name LIKE 'orders_step_%' ORDER BY 1`,
    )
    expect(kinds).toEqual([
      ['orders_step_1', 'view'],
      ['orders_step_2', 'view'],
      ['orders_step_3', 'view'],
      ['orders_step_4', 'table'],
      ['orders_step_5', 'view'],
      ['orders_step_6', 'view'],
    ])
  })

  it('returns the input itself when there are no steps', async () => {
    await ctx.engine.run(ORDERS)
    const result = await applySteps(ctx.engine, 'input', [], { secret: () => undefined })
    expect(result.relation).toBe('input')
    expect(result.steps).toEqual([])
    expect(result.columns.map((c) => c.name)).toEqual(['id', 'plan', 'price', 'cost'])
  })

  it('names step relations keel_step_N by default and can run again over the same names', async () => {
    await ctx.engine.run(ORDERS)
    const steps = [filter({ where: 'price > 50' }), drop({ columns: ['cost'] })]
    await clean(ctx.engine, steps)
    const again = await clean(ctx.engine, steps)
    expect(again.result.relation).toBe('keel_step_2')
    expect(again.rows).toEqual([
      [1, '  Pro ', 100],
      [1, 'PRO', 100],
      [3, 'pro', 250],
    ])
  })

  it('gives a frame step the input with its types and brings the types back', async () => {
    await ctx.engine.run(sql`CREATE TABLE input AS SELECT * FROM (VALUES
      (1::BIGINT, 1.5::DOUBLE, 'a', true, DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05.678', 7::SMALLINT),
      (NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (-3, -0.25, 'b''c', false, DATE '1969-12-31', TIMESTAMP '1969-12-31 23:59:59', -2)
    ) t(i, f, s, b, d, ts, small)`)
    let seen: Frame | undefined
    const identity = defineComponent({
      kind: 'frame',
      name: 'identity',
      description: 'Returns its input.',
      params: z.strictObject({}),
      apply(frame) {
        seen = frame
        return frame
      },
    })
    const { columns, rows } = await clean(ctx.engine, [identity({})])
    expect(seen?.names).toEqual(['i', 'f', 's', 'b', 'd', 'ts', 'small'])
    expect(seen?.row(0)).toEqual({ i: 1, f: 1.5, s: 'a', b: true, d: new Date('2024-01-02T00:00:00Z'), ts: new Date('2024-01-02T03:04:05.678Z'), small: 7 })
    expect(columns).toEqual(['i BIGINT', 'f DOUBLE', 's VARCHAR', 'b BOOLEAN', 'd DATE', 'ts TIMESTAMP', 'small SMALLINT'])
    expect(rows).toEqual([
      [1, 1.5, 'a', true, '2024-01-02T00:00:00.000Z', '2024-01-02T03:04:05.678Z', 7],
      [null, null, null, null, null, null, null],
      [-3, -0.25, "b'c", false, '1969-12-31T00:00:00.000Z', '1969-12-31T23:59:59.000Z', -2],
    ])
    expect(await relations(ctx.engine)).toEqual(['input', 'keel_step_1'])
  })

  it('widens a frame column whose values no longer fit its type', async () => {
    await ctx.engine.run(sql`CREATE TABLE input AS SELECT * FROM (VALUES (1, DATE '2024-01-02'), (2, DATE '2024-01-03')) t(n, d)`)
    const halve = defineComponent({
      kind: 'frame',
      name: 'halve',
      description: 'Halves n and moves d by an hour.',
      params: z.strictObject({}),
      apply: (frame) =>
        frame
          .with('n', { kind: 'number', values: (frame.column('n') as { values: Float64Array }).values.map((v) => v / 2) })
          .with('d', { kind: 'timestamp', values: (frame.column('d') as { values: Float64Array }).values.map((v) => v + 3_600_000) }),
    })
    const { columns, rows } = await clean(ctx.engine, [halve({})])
    expect(columns).toEqual(['n DOUBLE', 'd TIMESTAMP'])
    expect(rows).toEqual([
      [0.5, '2024-01-02T01:00:00.000Z'],
      [1, '2024-01-03T01:00:00.000Z'],
    ])
  })

  it('validates every step before any runs', async () => {
    await ctx.engine.run(ORDERS)
    const error = await failure(clean(ctx.engine, [dedupe({ keys: ['id'] }), clip({ price: { min: 5, max: 1 } })]))
    expect(error.code).toBe('COMPONENT_INVALID_PARAMS')
    expect(error.message).toBe('step 2 (clip): `price`: min must not be above max')
    expect(await relations(ctx.engine)).toEqual(['input'])
  })

  it('names the step when the engine refuses its SQL, and when a user component throws', async () => {
    await ctx.engine.run(ORDERS)
    const bad = await failure(clean(ctx.engine, [dedupe({ keys: ['id'] }), filter({ where: 'no_such_column > 1' })]))
    expect(bad.code).toBe('DATA_READ_FAILED')
    expect(bad.message).toMatch(/^step 2 \(filter\): the data engine could not run a statement: Binder Error: .*no_such_column/)
    const thrown = await failure(clean(ctx.engine, [rankBy({ column: 'plan' })]))
    expect(thrown.code).toBe('DATASET_INVALID')
    expect(thrown.message).toBe('step 1 (rankBy) failed: plan is not numeric')
    const empty = defineComponent({ kind: 'frame', name: 'empty', description: 'Drops everything.', params: z.strictObject({}), apply: () => new Frame({}) })
    expect((await failure(clean(ctx.engine, [empty({})]))).message).toBe('step 1 (empty): apply must return a Frame with at least one column')
  })

  it('refuses to give a frame component a column type a Frame cannot hold', async () => {
    await ctx.engine.run(sql`CREATE TABLE input AS SELECT [1, 2] AS xs, 1 AS n`)
    const error = await failure(clean(ctx.engine, [rankBy({ column: 'n' })]))
    expect(error.code).toBe('COMPONENT_INVALID_PARAMS')
    expect(error.message).toBe('step 1 (rankBy): column "xs" is INTEGER[], which a Frame cannot hold; cast or drop it first')
  })
})

describe('unknown columns', () => {
  const cases: [string, Step][] = [
    ['dedupe', dedupe({ keys: ['id', 'nope'] })],
    ['dedupe', dedupe({ keys: ['id'], orderBy: 'nope' })],
    ['fillMissing', fillMissing({ nope: 0 })],
    ['cast', cast({ nope: 'int' })],
    ['clip', clip({ nope: { min: 0 } })],
    ['trimAndCase', trimAndCase({ columns: ['nope'] })],
    ['parseDates', parseDates({ nope: '%Y' })],
    ['rename', rename({ nope: 'x' })],
    ['drop', drop({ columns: ['nope'] })],
    ['winsorize', winsorize({ columns: ['nope'] })],
    ['hashPii', hashPii({ columns: ['nope'], saltFromEnv: 'SALT' })],
  ]

  it.each(cases)('%s names the component, the column and the columns there are, before its SQL runs', async (name, step) => {
    await ctx.engine.run(ORDERS)
    const error = await failure(clean(ctx.engine, [derive({ extra: '1' }), step], { SALT: 'x' }))
    expect(error.code).toBe('COMPONENT_INVALID_PARAMS')
    expect(error.message).toBe(`step 2 (${name}): no column "nope" in its input (columns: "id", "plan", "price", "cost", "extra")`)
    expect(await relations(ctx.engine)).toEqual(['input', 'keel_step_1'])
  })

  it('lists every unknown column at once', async () => {
    await ctx.engine.run(ORDERS)
    const error = await failure(clean(ctx.engine, [drop({ columns: ['Price', 'id', 'x'] })]))
    expect(error.message).toBe('step 1 (drop): no columns "Price", "x" in its input (columns: "id", "plan", "price", "cost")')
  })
})

describe('step relations across runs', () => {
  it('replaces a view by a table and back when the same prefix runs other steps', async () => {
    await ctx.engine.run(ORDERS)
    const keep = defineComponent({ kind: 'frame', name: 'keep', description: 'Returns its input.', params: z.strictObject({}), apply: (f) => f })
    await clean(ctx.engine, [filter({ where: 'id = 1' })])
    expect((await clean(ctx.engine, [keep({})])).rows).toHaveLength(4)
    expect((await clean(ctx.engine, [filter({ where: 'id = 3' })])).rows).toEqual([[3, 'pro', 250, 100]])
    expect(await relations(ctx.engine)).toEqual(['input', 'keel_step_1'])
  })

  it('refuses an input that a step would replace', async () => {
    await ctx.engine.run(ORDERS)
    await clean(ctx.engine, [filter({ where: 'id = 1' })])
    const error = await failure(applySteps(ctx.engine, 'KEEL_step_1', [drop({ columns: ['cost'] })], { secret: () => undefined }))
    expect(error.message).toBe('the input relation "KEEL_step_1" would be replaced by a cleaning step; use another prefix than "keel"')
    expect(await relations(ctx.engine)).toEqual(['input', 'keel_step_1'])
  })
})
