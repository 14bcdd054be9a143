import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dedupe } from '../../src/data/components/index.js'
import type { ContractReport } from '../../src/data/contracts/check.js'
import { contract } from '../../src/data/contracts/contract.js'
import { dataset } from '../../src/data/dataset.js'
import { prepareDataset } from '../../src/data/prepare.js'
import { csv, jsonl, parquet, sqlQuery } from '../../src/data/sources/source.js'
import { ident, literal, sql } from '../../src/data/sql.js'
import type { DataEngine } from '../../src/stores/data-engine.js'
import { openDuckDbEngine } from '../../src/stores/duckdb/duckdb-engine.js'
import { tempDir } from '../helpers/temp.js'

const dir = tempDir()
const options = { root: dir, interpolate: (v: string) => v, secret: () => undefined }
let engine: DataEngine
beforeEach(async () => {
  engine = await openDuckDbEngine()
})
afterEach(async () => {
  await engine.close()
})

const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text)
  return name
}
const rowsOf = async (relation: string) => (await engine.all(sql`SELECT * FROM ${ident(relation)}`)).rows
const failing = (r: ContractReport) => r.checks.filter((c) => !c.passed).map((c) => `${c.name}=${c.failing}`)

describe('sources', () => {
  it('reads a glob of CSV files, numbering rows within each file', async () => {
    write('part-1.csv', 'id,v\n1,a\n2,b\n')
    write('part-2.csv', 'id,v\n3,c\nx,d\n')
    const ds = dataset({ source: csv('part-*.csv'), contract: contract({ columns: { id: { type: 'int' } }, policy: 'quarantine' }) })
    const prepared = await prepareDataset(engine, 'parts', ds, options)
    expect(prepared.report.checks.find((c) => c.name === 'id: int')?.examples).toEqual([{ file: 'part-2.csv', row: 2, value: 'x' }])
    expect(prepared.fingerprint.files?.map((f) => f.path)).toEqual(['part-1.csv', 'part-2.csv'])
    expect(await rowsOf(prepared.relation)).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ])
  })

  it('reads Parquet and JSON lines, and joins sources in a DuckDB query', async () => {
    await engine.run(
      sql`COPY (SELECT * FROM (VALUES (1, 'north'), (2, 'south')) t(customer_id, region)) TO ${literal(join(dir, 'customers.parquet'))} (FORMAT PARQUET)`,
    )
    write(
      'orders.jsonl',
      '{"order_id": 10, "customer_id": 1, "total": 5.5}\n{"order_id": 11, "customer_id": 2, "total": 7}\n{"order_id": 12, "customer_id": 1, "total": 1.25}\n',
    )
    const fromParquet = await prepareDataset(engine, 'customers', dataset({ source: parquet('customers.parquet') }), options)
    expect(await rowsOf(fromParquet.relation)).toEqual([
      [1, 'north'],
      [2, 'south'],
    ])
    const joined = dataset({
      source: sqlQuery('SELECT c.region, sum(o.total) AS total FROM orders o JOIN customers c USING (customer_id) GROUP BY c.region ORDER BY c.region', {
        orders: jsonl('orders.jsonl'),
        customers: parquet('customers.parquet'),
      }),
      contract: contract({ columns: { region: { type: 'category' }, total: { type: 'float', min: 0 } } }),
    })
    const prepared = await prepareDataset(engine, 'by_region', joined, options)
    expect(prepared.passed).toBe(true)
    expect(await rowsOf(prepared.relation)).toEqual([
      ['north', 6.75],
      ['south', 7],
    ])
    expect(Object.keys(prepared.fingerprint.from ?? {})).toEqual(['orders', 'customers'])
  })

  it('names a source that matches no file', async () => {
    await expect(prepareDataset(engine, 'none', dataset({ source: csv('nothing-*.csv') }), options)).rejects.toMatchObject({
      code: 'DATA_READ_FAILED',
      message: 'no file matches nothing-*.csv',
    })
  })
})

describe('contract features', () => {
  const users = write(
    'users.csv',
    [
      'tenant,user,email,signed_up',
      'a,1,ann@example.com,2026-11-20 10:00:00',
      'a,2,bob-at-example.com,2026-11-21 10:00:00',
      'b,1,cy@example.com,2026-11-22 10:00:00',
      'a,1,dup@example.com,2026-11-22 11:00:00',
      ',3,dee@example.com,2026-11-23 09:00:00',
    ].join('\n'),
  )
  const spec = (policy: 'fail' | 'quarantine' | 'warn', maxAge = '3d') =>
    contract({
      columns: {
        tenant: { type: 'category' },
        user: { type: 'int' },
        email: { type: 'string', pattern: '[^@]+@[^@]+\\.[a-z]+', pii: true },
        signed_up: { type: 'timestamp' },
      },
      primaryKey: ['tenant', 'user'],
      freshness: { column: 'signed_up', maxAge },
      policy,
    })
  const now = new Date('2026-11-24T12:00:00Z')

  it('checks patterns, composite primary keys (missing or repeated), freshness and reports PII columns', async () => {
    const prepared = await prepareDataset(engine, 'users', dataset({ source: csv(users), contract: spec('quarantine') }), { ...options, now })
    const r = prepared.report
    expect(failing(r)).toEqual(['email: pattern [^@]+@[^@]+\\.[a-z]+=1', 'primary key (tenant, user)=2'])
    expect(r.checks.find((c) => c.kind === 'primaryKey')?.examples.map((e) => [e.row, e.value])).toEqual([
      [4, 'a, 1'],
      [5, '3'],
    ])
    expect(r.checks.find((c) => c.kind === 'freshness')).toMatchObject({ passed: true, detail: 'newest 2026-11-23T09:00:00.000Z' })
    expect(r.pii).toEqual(['email'])
    expect(r.rows).toEqual({ input: 5, clean: 2, quarantined: 3 })
    const stale = await prepareDataset(engine, 'users', dataset({ source: csv(users), contract: spec('quarantine', '12h') }), { ...options, now })
    expect(stale.passed).toBe(false)
    expect(failing(stale.report)).toContain('signed_up: fresh within 12h=1')
  })

  it('lets every row through under warn, and checks the cleaned rows with contractAfterClean', async () => {
    const warned = await prepareDataset(engine, 'users', dataset({ source: csv(users), contract: spec('warn') }), { ...options, now })
    expect(warned.passed).toBe(true)
    expect(warned.report.rows).toEqual({ input: 5, clean: 5, quarantined: 0 })
    expect(failing(warned.report)).toHaveLength(2)

    const cleaned = dataset({
      source: csv(users),
      contract: spec('warn'),
      clean: [dedupe({ keys: ['tenant', 'user'] })],
      contractAfterClean: contract({ columns: { user: { type: 'int' } }, primaryKey: ['tenant', 'user'], policy: 'quarantine' }),
    })
    const after = await prepareDataset(engine, 'users', cleaned, { ...options, now })
    expect(after.afterCleanReport?.rows).toEqual({ input: 4, clean: 3, quarantined: 1 })
    expect(after.quarantines).toHaveLength(1)
    expect(after.steps.map((s) => s.component)).toEqual(['dedupe'])
  })
})
