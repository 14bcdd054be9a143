import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ContractReport } from '../../src/data/contracts/check.js'
import { type Contract, contract } from '../../src/data/contracts/contract.js'
import { type DatasetConfig, dataset, datasetFrom } from '../../src/data/dataset.js'
import { prepareDataset } from '../../src/data/prepare.js'
import { snapshotDataset } from '../../src/data/snapshot.js'
import { csv, postgresQuery } from '../../src/data/sources/source.js'
import { ident, sql } from '../../src/data/sql.js'
import type { DataEngine } from '../../src/stores/data-engine.js'
import { openDuckDbEngine } from '../../src/stores/duckdb/duckdb-engine.js'
import { openFilesystemArtifactStore } from '../../src/stores/filesystem/filesystem-artifact-store.js'
import { openSqliteMetadataStore } from '../../src/stores/sqlite/sqlite-metadata-store.js'
import { TEST_PG_URL, withPg } from '../helpers/postgres.js'
import { REPO_ROOT } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'

// A real public dataset: daily Seattle weather 2012-2015 from the vega-datasets package (1,461 rows).
const WEATHER = join(REPO_ROOT, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv')
const LINES = readFileSync(WEATHER, 'utf8').trimEnd().split('\n')
const HEADER = LINES[0] as string
const DATA = LINES.slice(1)

const weatherContract = (policy: NonNullable<Contract['policy']>): Contract =>
  contract({
    columns: {
      date: { type: 'date', nullable: false, unique: true },
      precipitation: { type: 'float', min: 0, nullable: false },
      temp_max: { type: 'float', min: -30, max: 50 },
      temp_min: { type: 'float', min: -30, max: 50 },
      wind: { type: 'float', min: 0 },
      weather: { type: 'category', values: ['drizzle', 'rain', 'sun', 'snow', 'fog'] },
    },
    rows: { min: 1 },
    checks: [{ name: 'min_below_max', sql: 'temp_min <= temp_max' }],
    policy,
  })

const dir = tempDir()
let engine: DataEngine
beforeEach(async () => {
  engine = await openDuckDbEngine()
})
afterEach(async () => {
  await engine.close()
})

const options = { root: dir, interpolate: (v: string) => v, secret: () => undefined }

function writeCsv(name: string, lines: readonly string[], raw?: Buffer): string {
  writeFileSync(join(dir, name), raw ?? `${lines.join('\n')}\n`)
  return name
}

const check = (report: ContractReport, name: string) => report.checks.find((c) => c.name === name)
const failing = (report: ContractReport) => report.checks.filter((c) => !c.passed).map((c) => `${c.name}=${c.failing}`)

async function count(relation: string): Promise<number> {
  return Number((await engine.all(sql`SELECT count(*) FROM ${ident(relation)}`)).rows[0]?.[0])
}

describe('datasets on real data with injected faults', () => {
  it('passes the clean file untouched, every column typed', async () => {
    const prepared = await prepareDataset(engine, 'weather', dataset({ source: csv(writeCsv('clean.csv', LINES)), contract: weatherContract('fail') }), options)
    expect(prepared.passed).toBe(true)
    expect(failing(prepared.report)).toEqual([])
    expect(prepared.report.rows).toEqual({ input: 1461, clean: 1461, quarantined: 0 })
    const types = await engine.describe(sql`SELECT * FROM ${ident(prepared.relation)}`)
    expect(types.map((c) => c.type)).toEqual(['DATE', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'DOUBLE', 'VARCHAR'])
  })

  it('quarantines duplicates, wrong types, out-of-range values and bad dates with exact counts and locations', async () => {
    const lines = [...DATA]
    // data row 10 repeats row 4; rows 21, 31 and 41 get a text temperature, an impossible one and a bad date
    lines[9] = lines[3] as string
    lines[20] = ((l) => {
      const f = l.split(',')
      f[2] = 'abc'
      return f.join(',')
    })(DATA[20] as string)
    lines[30] = ((l) => {
      const f = l.split(',')
      f[2] = '999'
      return f.join(',')
    })(DATA[30] as string)
    lines[40] = ((l) => {
      const f = l.split(',')
      f[0] = '2012-02-30'
      return f.join(',')
    })(DATA[40] as string)
    const file = writeCsv('faults.csv', [HEADER, ...lines])
    const prepared = await prepareDataset(engine, 'weather', dataset({ source: csv(file), contract: weatherContract('quarantine') }), options)
    const r = prepared.report
    expect(prepared.passed).toBe(true)
    expect(failing(r)).toEqual(['date: date=1', 'date: unique=1', 'temp_max: float=1', 'temp_max: max 50=1'])
    expect(check(r, 'date: unique')?.examples).toEqual([{ file, row: 10, value: (DATA[3] as string).split(',')[0] }])
    expect(check(r, 'temp_max: float')?.examples).toEqual([{ file, row: 21, value: 'abc' }])
    expect(check(r, 'temp_max: max 50')?.examples).toEqual([{ file, row: 31, value: '999' }])
    expect(check(r, 'date: date')?.examples).toEqual([{ file, row: 41, value: '2012-02-30' }])
    expect(r.rows).toEqual({ input: 1461, clean: 1457, quarantined: 4 })
    expect(r.rows.clean + r.rows.quarantined).toBe(r.rows.input)
    expect(await count(prepared.relation)).toBe(1457)
    const quarantined = await engine.all(sql`SELECT __keel_row, temp_max, __keel_reasons FROM ${ident(prepared.quarantines[0] as string)} ORDER BY __keel_row`)
    expect(quarantined.rows).toEqual([
      [10, (DATA[3] as string).split(',')[2], 'date: unique'],
      [21, 'abc', 'temp_max: float'],
      [31, '999', 'temp_max: max 50'],
      [41, (DATA[40] as string).split(',')[2], 'date: date'],
    ])
  })

  it('stops under policy fail, writing nothing, naming the failed checks', async () => {
    const lines = [...DATA]
    lines[5] = ((l) => {
      const f = l.split(',')
      f[1] = '-3'
      return f.join(',')
    })(DATA[5] as string)
    const ds = dataset({ source: csv(writeCsv('negative.csv', [HEADER, ...lines])), contract: weatherContract('fail') })
    const prepared = await prepareDataset(engine, 'weather', ds, options)
    expect(prepared.passed).toBe(false)
    expect(failing(prepared.report)).toEqual(['precipitation: min 0=1'])
    const metadata = await openSqliteMetadataStore({ path: ':memory:' })
    const artifacts = await openFilesystemArtifactStore({ root: join(dir, 'artifacts-fail') })
    try {
      await expect(snapshotDataset({ engine, metadata, artifacts, configHash: null }, 'weather', ds, options)).rejects.toMatchObject({
        code: 'CONTRACT_FAILED',
        message: expect.stringMatching(/precipitation: min 0 \(1 rows\)/),
      })
      expect(await metadata.listSnapshots()).toEqual([])
    } finally {
      await metadata.close()
      await artifacts.close()
    }
  })

  it('fails on a missing required column even under quarantine, naming it', async () => {
    const file = writeCsv(
      'no-wind.csv',
      [HEADER, ...DATA].map((l) => l.split(',').toSpliced(4, 1).join(',')),
    )
    const prepared = await prepareDataset(engine, 'weather', dataset({ source: csv(file), contract: weatherContract('quarantine') }), options)
    expect(prepared.passed).toBe(false)
    expect(check(prepared.report, 'wind: present')?.detail).toMatch(/column "wind" is not in the source/)
  })

  it('keeps unparsable lines of a truncated file and of a non-UTF-8 file in the quarantine', async () => {
    const truncated = `${[HEADER, ...DATA.slice(0, 100)].join('\n')}\n${(DATA[100] as string).slice(0, 12)}`
    const t = await prepareDataset(
      engine,
      'weather',
      dataset({ source: csv(writeCsv('truncated.csv', [], Buffer.from(truncated))), contract: weatherContract('quarantine') }),
      options,
    )
    expect(t.report.rows).toEqual({ input: 101, clean: 100, quarantined: 1 })
    expect(check(t.report, 'rows: parse')?.examples[0]).toMatchObject({ file: 'truncated.csv', row: 102 })

    const latin1 = Buffer.concat([
      Buffer.from(`${[HEADER, ...DATA.slice(0, 50)].join('\n')}\n2016-01-01,0.0,5.0,1.0,2.0,`),
      Buffer.from([0x73, 0xfc, 0x6e, 0x0a]),
    ])
    const u = await prepareDataset(
      engine,
      'weather',
      dataset({ source: csv(writeCsv('latin1.csv', [], latin1)), contract: weatherContract('quarantine') }),
      options,
    )
    expect(u.report.rows.input).toBe(51)
    expect(u.report.rows.clean + u.report.rows.quarantined).toBe(51)
    expect(u.report.rows.quarantined).toBe(1)
  })

  it('reports an empty file (header only, or no bytes at all) as failing its row-count check', async () => {
    const file = writeCsv('empty.csv', [HEADER])
    const prepared = await prepareDataset(engine, 'weather', dataset({ source: csv(file), contract: weatherContract('quarantine') }), options)
    expect(prepared.passed).toBe(false)
    expect(check(prepared.report, 'rows: min 1')).toMatchObject({ passed: false, detail: '0 rows' })
    const zero = await prepareDataset(
      engine,
      'weather',
      dataset({ source: csv(writeCsv('zero.csv', [], Buffer.alloc(0))), contract: weatherContract('quarantine') }),
      options,
    )
    expect(zero.passed).toBe(false)
    expect(check(zero.report, 'rows: min 1')).toMatchObject({ passed: false, detail: '0 rows' })
    expect(check(zero.report, 'date: present')).toMatchObject({ passed: false })
  })

  it('types exactly: a fractional int and an unparsable timestamp fail, a timestamp offset is converted to UTC', async () => {
    const file = writeCsv('typed.csv', ['n,at', '1,2024-01-02 10:30:00+02', '1.5,2024-01-02 10:30:00', '2,yesterday'])
    const ds = dataset({ source: csv(file), contract: contract({ columns: { n: { type: 'int' }, at: { type: 'timestamp' } }, policy: 'quarantine' }) })
    const prepared = await prepareDataset(engine, 'typed', ds, options)
    expect(failing(prepared.report)).toEqual(['n: int=1', 'at: timestamp=1'])
    const rows = await engine.all(sql`SELECT n, CAST("at" AS VARCHAR) FROM ${ident(prepared.relation)}`)
    expect(rows.rows).toEqual([[1, '2024-01-02 08:30:00']])
  })

  it('checks the declared shape of a dataset before anything runs', () => {
    expect(() => datasetFrom({}, 'nope')).toThrow(expect.objectContaining({ code: 'DATASET_UNKNOWN' }))
    expect(() => datasetFrom({ d: { source: { kind: 'excel', path: 'x' } } }, 'd')).toThrow(expect.objectContaining({ code: 'DATASET_INVALID' }))
    const badType = { source: csv('x.csv'), contract: { columns: { a: { type: 'integer' } } } }
    expect(() => datasetFrom({ d: badType }, 'd')).toThrow(/must be one of int, float/)
  })
})

describe('snapshots', () => {
  it('are content-addressed: the same data gives the same id and is stored once; lineage names the file', async () => {
    const metadata = await openSqliteMetadataStore({ path: ':memory:' })
    const artifacts = await openFilesystemArtifactStore({ root: join(dir, 'artifacts') })
    try {
      const ds: DatasetConfig = dataset({ source: csv(writeCsv('snap.csv', LINES)), contract: weatherContract('quarantine') })
      const context = { engine, metadata, artifacts, configHash: 'c0' }
      const first = await snapshotDataset(context, 'weather', ds, options)
      expect(first.created).toBe(true)
      expect(first.snapshot).toMatchObject({ dataset: 'weather', rows: 1461, columns: 6, quarantined: 0 })
      const again = await snapshotDataset(context, 'weather', ds, options)
      expect(again.created).toBe(false)
      expect(again.snapshot.id).toBe(first.snapshot.id)
      expect(await metadata.listSnapshots()).toHaveLength(1)
      expect(await artifacts.has(first.snapshot.artifactSha256)).toBe(true)
      const up = await metadata.lineageEdges('snapshot', first.snapshot.id, 'up')
      expect(up.map((e) => `${e.fromKind}:${e.fromId.split(':').at(-1)}`).sort()).toEqual(['dataset:weather', 'file:snap.csv'])
      // rows in another order are the same content
      const shuffled = [HEADER, ...[...DATA].reverse()]
      const other = await snapshotDataset(context, 'weather', dataset({ ...ds, source: csv(writeCsv('snap-reversed.csv', shuffled)) }), options)
      expect(other.snapshot.contentHash).toBe(first.snapshot.contentHash)
    } finally {
      await metadata.close()
      await artifacts.close()
    }
  })

  it('hash the same from a CSV file and from a PostgreSQL table holding the same rows', async () => {
    const table = `keel_weather_${process.pid}_${Date.now()}`
    await withPg(async (c) => {
      await c.query(`CREATE TABLE ${table} (date date, precipitation float8, temp_max float8, temp_min float8, wind float8, weather text)`)
      const values = DATA.map(
        (l) =>
          `(${l
            .split(',')
            .map((v) => `'${v}'`)
            .join(',')})`,
      )
      await c.query(`INSERT INTO ${table} VALUES ${values.join(',')}`)
    })
    const metadata = await openSqliteMetadataStore({ path: ':memory:' })
    const artifacts = await openFilesystemArtifactStore({ root: join(dir, 'artifacts-pg') })
    try {
      const context = { engine, metadata, artifacts, configHash: null }
      const fromCsv = await snapshotDataset(context, 'weather', dataset({ source: csv(writeCsv('pg.csv', LINES)), contract: weatherContract('fail') }), options)
      const fromPg = await snapshotDataset(
        context,
        'weather_pg',
        dataset({ source: postgresQuery(`SELECT * FROM ${table} ORDER BY date DESC`, { url: TEST_PG_URL }), contract: weatherContract('fail') }),
        options,
      )
      expect(fromPg.snapshot.rows).toBe(1461)
      expect(fromPg.snapshot.contentHash).toBe(fromCsv.snapshot.contentHash)
      expect(fromPg.prepared.fingerprint).toMatchObject({ kind: 'postgres', query: expect.stringContaining(table) })
    } finally {
      await metadata.close()
      await artifacts.close()
      await withPg((c) => c.query(`DROP TABLE IF EXISTS ${table}`))
    }
  })
})
