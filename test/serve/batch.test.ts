import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isKeelError } from '../../src/core/errors.js'
import { Frame } from '../../src/core/frame.js'
import { readFrame } from '../../src/data/readers/read-frame.js'
import { literal, sql } from '../../src/data/sql.js'
import { learners } from '../../src/learn/learners/index.js'
import type { Model } from '../../src/learn/model.js'
import { openProject, type Project } from '../../src/project.js'
import { openInput, parseBatchInput } from '../../src/serve/batch/input.js'
import { outputCopy } from '../../src/serve/batch/output.js'
import { rowHash } from '../../src/serve/batch/read.js'
import { openBatchSession } from '../../src/serve/batch/session.js'
import { scoreBatch } from '../../src/serve/batch.js'
import { instancesToFrame, signatureOf } from '../../src/serve/signature.js'
import { REPO_ROOT, writeProject } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'

const SEATTLE = join(REPO_ROOT, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv')
const dir = writeProject(tempDir('keel-batch-'))
const at = (name: string) => join(dir, name)

let project: Project
let duck: DuckDBConnection
let weather: Model
let mixed: Model

/** Rows of a query over the test's files, as plain values (BIGINT as number). */
async function query(text: string): Promise<Record<string, unknown>[]> {
  const rows = (await duck.runAndReadAll(text)).getRowObjectsJS()
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])))
}

/** An exact copy of the model whose `predict` can be watched or broken. */
function watched(model: Model, onPredict: (frame: Frame) => void): Model {
  return {
    kind: model.kind,
    task: model.task,
    label: model.label,
    features: model.features,
    classes: model.classes,
    save: () => model.save(),
    predict(frame) {
      onPredict(frame)
      return model.predict(frame)
    },
  }
}

/** Serves `model` for the next load, as the registry would have. */
function nextLoadReturns(model: Model): void {
  const original = project.registry.loadModel.bind(project.registry)
  project.registry.loadModel = async () => {
    project.registry.loadModel = original
    return model
  }
}

function mixedFrame(n: number): Frame {
  const plans = ['basic', 'pro']
  return Frame.fromRecords(
    Array.from({ length: n }, (_, i) => ({
      amount: (i * 37) % 100,
      plan: plans[i % 2],
      active: i % 3 === 0,
      signup: Date.UTC(2024, 0, 1) + ((i * 7919) % 400) * 3_600_000,
      y: (i * 37) % 100 > 40 !== (i % 3 === 0) ? 1 : 0,
    })),
    { amount: 'number', plan: 'category', active: 'boolean', signup: 'timestamp', y: 'number' },
  )
}

beforeAll(async () => {
  project = await openProject(dir, { search: false })
  duck = await (await DuckDBInstance.create(':memory:')).connect()
  await duck.run("SET TimeZone = 'UTC'")
  weather = await learners.gbdt({ nTrees: 10, maxDepth: 3, nThreads: 1 }).fit(await readFrame(SEATTLE), { label: 'weather', task: 'multiclass' })
  await project.registry.register({ name: 'weather', model: weather, createdBy: 'test' })
  const temps = (await readFrame(SEATTLE)).drop(['date'])
  await project.registry.register({
    name: 'temp',
    model: await learners.gbdt({ nTrees: 10, maxDepth: 3, nThreads: 1 }).fit(temps, { label: 'temp_max', task: 'regression' }),
    createdBy: 'test',
  })
  mixed = await learners.gbdt({ nTrees: 10, maxDepth: 3, nThreads: 1 }).fit(mixedFrame(300), { label: 'y', task: 'binary' })
  await project.registry.register({ name: 'mixed', model: mixed, createdBy: 'test' })
}, 60_000)

afterAll(async () => {
  duck?.closeSync()
  await project?.close()
})

describe('scoreBatch on Seattle weather', () => {
  it('scores every row of a CSV into Parquet: row, the input columns, predicted and p_<class>, as model.predict does', async () => {
    const result = await scoreBatch(project, 'weather', { input: SEATTLE, output: at('weather.parquet') })
    expect(result.rows).toEqual({ in: 1461, scored: 1461, rejected: 0 })
    expect(result.rejects).toBeNull()
    expect(result.model).toEqual({ name: 'weather', version: 1, ref: 'weather' })
    const out = await query(`SELECT * FROM read_parquet('${at('weather.parquet')}') ORDER BY row`)
    expect(Object.keys(out[0] ?? {})).toEqual([
      'row',
      'date',
      'precipitation',
      'temp_max',
      'temp_min',
      'wind',
      'weather',
      'predicted',
      'p_drizzle',
      'p_fog',
      'p_rain',
      'p_snow',
      'p_sun',
    ])
    expect(out.map((r) => r.row)).toEqual(Array.from({ length: 1461 }, (_, i) => i + 1))
    // CSV cells pass through as the text they were
    expect(out[0]).toMatchObject({ date: '2012-01-01', precipitation: '0.0', temp_max: '12.8', weather: 'drizzle' })
    const expected = weather.predict(await readFrame(SEATTLE))
    const k = expected.classes.length
    for (const [i, r] of out.entries()) {
      const probabilities = expected.classes.map((c) => r[`p_${c}`] as number)
      expect(probabilities).toEqual(Array.from(expected.values.subarray(i * k, i * k + k)))
      expect(r.predicted).toBe(expected.classes[probabilities.indexOf(Math.max(...probabilities))])
    }
  })

  it('records a run in batch:<model> with params, counts, rate, tags and the model version as input', async () => {
    const result = await scoreBatch(project, 'weather@1', { input: SEATTLE, output: at('recorded.csv') })
    const details = await project.tracking.getRunDetails(result.runId)
    expect(details.run).toMatchObject({ experimentName: 'batch:weather', name: 'weather@1', status: 'finished' })
    expect(details.params).toMatchObject({ model: 'weather@1', version: 'weather@1', input: SEATTLE, output: at('recorded.csv'), chunk_rows: '50000' })
    const metrics = Object.fromEntries(details.metrics.map((m) => [m.key, m.latest.value]))
    expect(metrics).toMatchObject({ rows_in: 1461, scored: 1461, rejected: 0 })
    expect(metrics.rows_per_second).toBeGreaterThan(0)
    expect(metrics.seconds).toBeGreaterThan(0)
    expect(details.run.tags).toMatchObject({ model: 'weather', version: '1', task: 'multiclass' })
    const version = await project.registry.get('weather@1')
    expect(details.inputs).toEqual([{ kind: 'model', name: 'weather@1', ref: (version.details.artifacts as { native: string }).native }])
  })

  it('writes CSV with `prediction` for regression, the input cells exactly as they were', async () => {
    const result = await scoreBatch(project, 'temp', { input: SEATTLE, output: at('temp.csv') })
    expect(result.rows).toEqual({ in: 1461, scored: 1461, rejected: 0 })
    const lines = readFileSync(at('temp.csv'), 'utf8').trimEnd().split('\n')
    const source = readFileSync(SEATTLE, 'utf8').trimEnd().split('\n')
    expect(lines[0]).toBe(`row,${source[0]},prediction`)
    expect(lines).toHaveLength(source.length)
    for (let i = 1; i < lines.length; i++) expect(lines[i]?.startsWith(`${i},${source[i]},`)).toBe(true)
    const model = await project.registry.loadModel('temp')
    const expected = model.predict(await readFrame(SEATTLE))
    const predictions = lines.slice(1).map((l) => Number(l.split(',').at(-1)))
    for (const [i, p] of predictions.entries()) expect(p).toBeCloseTo(expected.values[i] as number, 12)
  })

  it('reads Parquet and writes Parquet, keeping the input column types', async () => {
    await duck.run(`COPY (SELECT * FROM read_csv('${SEATTLE}')) TO '${at('seattle.parquet')}' (FORMAT parquet)`)
    const result = await scoreBatch(project, 'weather', { input: at('seattle.parquet'), output: at('typed.parquet') })
    expect(result.rows).toEqual({ in: 1461, scored: 1461, rejected: 0 })
    const types = await query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${at('typed.parquet')}'))`)
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toMatchObject({
      row: 'BIGINT',
      date: 'DATE',
      precipitation: 'DOUBLE',
      weather: 'VARCHAR',
      predicted: 'VARCHAR',
      p_sun: 'DOUBLE',
    })
    const fromCsv = await query(`SELECT p_sun FROM read_parquet('${at('weather.parquet')}') ORDER BY row`)
    const fromParquet = await query(`SELECT p_sun FROM read_parquet('${at('typed.parquet')}') ORDER BY row`)
    expect(fromParquet).toEqual(fromCsv)
  })

  it('scores a sql: query over files', async () => {
    const result = await scoreBatch(project, 'weather', {
      input: `sql:SELECT * FROM read_csv('${SEATTLE}') WHERE weather = 'snow' ORDER BY date DESC`,
      output: at('snow.parquet'),
    })
    expect(result.rows).toEqual({ in: 26, scored: 26, rejected: 0 })
    const out = await query(`SELECT row, date FROM read_parquet('${at('snow.parquet')}')`)
    expect(out.map((r) => r.row)).toEqual(Array.from({ length: 26 }, (_, i) => i + 1))
    expect(String(out[0]?.date) > String(out[25]?.date)).toBe(true)
  })
})

describe('validation and rejects', () => {
  const CSV = [
    'id,amount,plan,active,signup',
    '1,12.5,basic,true,2024-01-02',
    '2," 7 ",pro,FALSE,2024-01-02T10:00:00Z',
    '3,1e3,enterprise,True,1704189600000',
    '4,,,,',
    '5,abc,basic,true,2024-01-02',
    '6,5,basic,yes,2024-01-02',
    '7,5,basic,true,yesterday',
    '8,NaN,basic,maybe,2024-13-45',
    '9,Infinity,basic,true,2024-01-02',
    '10,3,pro,false,2024-01-02T12:00:00+02:00',
    '11,1,basic,true,2024-01-02,extra',
    '12,4,basic,true,2024-01-02',
    '13,5',
    '14,-2.5,"pro","true","2024-01-02 08:30:00"',
  ].join('\n')
  /** The accepted rows as JSON instances, which the serving signature's own rules turn into a frame. */
  const accepted: Record<number, Record<string, unknown>> = {
    1: { amount: 12.5, plan: 'basic', active: true, signup: '2024-01-02T00:00:00Z' },
    2: { amount: 7, plan: 'pro', active: false, signup: '2024-01-02T10:00:00Z' },
    3: { amount: 1000, plan: 'enterprise', active: true, signup: 1704189600000 },
    4: { amount: null, plan: null, active: null, signup: null },
    10: { amount: 3, plan: 'pro', active: false, signup: '2024-01-02T10:00:00Z' },
    12: { amount: 4, plan: 'basic', active: true, signup: '2024-01-02T00:00:00Z' },
    14: { amount: -2.5, plan: 'pro', active: true, signup: '2024-01-02T08:30:00Z' },
  }

  it('rejects rows with values that do not fit, and malformed lines, with row, field, reason and raw values; empty cells are missing values', async () => {
    writeFileSync(at('mixed.csv'), `${CSV}\n`)
    const result = await scoreBatch(project, 'mixed', { input: at('mixed.csv'), output: at('mixed-out.csv') })
    expect(result.rows).toEqual({ in: 14, scored: 7, rejected: 7 })
    expect(result.rows.scored + result.rows.rejected).toBe(result.rows.in)
    expect(result.rejects).toBe(at('mixed-out.rejects.csv'))
    const out = await query(`SELECT * FROM read_csv('${at('mixed-out.csv')}', all_varchar = true) ORDER BY CAST(row AS INTEGER)`)
    expect(out.map((r) => Number(r.row))).toEqual([1, 2, 3, 4, 10, 12, 14])
    expect(out.map((r) => r.id)).toEqual(['1', '2', '3', '4', '10', '12', '14'])
    const version = await project.registry.get('mixed')
    const expected = instancesToFrame(
      out.map((r) => accepted[Number(r.row)]),
      signatureOf(version).inputs,
    )
    if ('errors' in expected) throw new Error(JSON.stringify(expected.errors))
    const p = mixed.predict(expected.frame)
    for (const [i, r] of out.entries()) expect(Number(r.p_1)).toBeCloseTo(p.values[i * 2 + 1] as number, 12)

    const rejects = await query(`SELECT * FROM read_csv('${at('mixed-out.rejects.csv')}', all_varchar = true)`)
    expect(Object.keys(rejects[0] ?? {})).toEqual(['row', 'field', 'reason', 'id', 'amount', 'plan', 'active', 'signup'])
    expect(rejects.map((r) => [Number(r.row), r.field])).toEqual([
      [5, 'amount'],
      [6, 'active'],
      [7, 'signup'],
      [8, 'amount;active;signup'],
      [9, 'amount'],
      [11, null],
      [13, null],
    ])
    expect(rejects[0]).toMatchObject({ reason: 'amount: must be a finite number; got "abc"', id: '5', amount: 'abc', plan: 'basic', active: 'true' })
    expect(rejects[1]?.reason).toBe('active: must be true or false; got "yes"')
    expect(rejects[2]?.reason).toBe('signup: must be an ISO 8601 time or epoch milliseconds; got "yesterday"')
    expect(String(rejects[3]?.reason).split(' | ')).toEqual([
      'amount: must be a finite number; got "NaN"',
      'active: must be true or false; got "maybe"',
      'signup: must be an ISO 8601 time or epoch milliseconds; got "2024-13-45"',
    ])
    expect(rejects[5]?.reason).toMatch(/^malformed CSV line \(TOO MANY COLUMNS.*\): 11,1,basic,true,2024-01-02,extra$/)
    expect(rejects[6]?.reason).toMatch(/^malformed CSV line \(MISSING COLUMNS.*\): 13,5$/)
    expect(rejects[6]?.id).toBeNull()
    // the files agree with the counts too
    expect(out.length + rejects.length).toBe(CSV.split('\n').length - 1)
    const details = await project.tracking.getRunDetails(result.runId)
    expect(Object.fromEntries(details.metrics.map((m) => [m.key, m.latest.value]))).toMatchObject({ rows_in: 14, scored: 7, rejected: 7 })
  })

  it('removes an old rejects file when a rerun rejects nothing, so rejects always belong to their output', async () => {
    writeFileSync(at('clean.csv'), `${CSV.split('\n').slice(0, 5).join('\n')}\n`)
    writeFileSync(at('clean-out.rejects.csv'), 'row,field,reason\n1,x,old\n')
    const result = await scoreBatch(project, 'mixed', { input: at('clean.csv'), output: at('clean-out.parquet') })
    expect(result.rows).toEqual({ in: 4, scored: 4, rejected: 0 })
    expect(existsSync(at('clean-out.rejects.csv'))).toBe(false)
  })

  it('fails before scoring when a column the model takes is absent, naming it; nothing is written and the run is failed', async () => {
    writeFileSync(at('no-wind.csv'), 'date,precipitation,temp_max,temp_min,weather\n2012-01-01,0.0,12.8,5.0,drizzle\n')
    const error = await scoreBatch(project, 'weather', { input: at('no-wind.csv'), output: at('no-wind.parquet') }).catch((e: unknown) => e)
    expect(isKeelError(error) && error.code).toBe('BATCH_INPUT_INVALID')
    expect((error as Error).message).toBe(
      'the input has no column "wind", which the model takes (input columns: date, precipitation, temp_max, temp_min, weather)',
    )
    expect(existsSync(at('no-wind.parquet'))).toBe(false)
    const [run] = await project.tracking.listRuns({ experiment: 'batch:weather', limit: 1 })
    expect(run).toMatchObject({ status: 'failed' })
    expect(run?.tags).toMatchObject({ error_code: 'BATCH_INPUT_INVALID' })
  })

  it('refuses input types that can never hold the model kind, and input columns the output would overwrite', async () => {
    await duck.run(`COPY (SELECT * REPLACE (temp_max > 10 AS temp_max) FROM read_csv('${SEATTLE}')) TO '${at('bool-temp.parquet')}' (FORMAT parquet)`)
    await expect(scoreBatch(project, 'weather', { input: at('bool-temp.parquet'), output: at('x.parquet') })).rejects.toThrow(
      /"temp_max" is BOOLEAN, but the model takes a finite number/,
    )
    writeFileSync(at('clash.csv'), 'row,date,precipitation,temp_max,temp_min,wind,p_sun\n1,2012-01-01,0,1,1,1,0.5\n')
    await expect(scoreBatch(project, 'weather', { input: at('clash.csv'), output: at('x.parquet') })).rejects.toThrow(
      /the input has columns "row", "p_sun", which the output uses/,
    )
    expect(existsSync(at('x.parquet'))).toBe(false)
  })
})

describe('chunks, atomicity and the counts', () => {
  const big = at('big.csv')

  beforeAll(async () => {
    // 1461 × 137 = 200,157 rows; every 9,973rd has a temp_max that is not a number
    await duck.run(`COPY (
      SELECT s.* REPLACE (CASE WHEN id % 9973 = 0 THEN 'oops' ELSE s.temp_max END AS temp_max)
      FROM (SELECT row_number() OVER (ORDER BY r.range, s.date) AS id, s.* FROM read_csv('${SEATTLE}', all_varchar = true) s, range(137) r) s ORDER BY id
    ) TO '${big}' (HEADER)`)
  }, 60_000)

  it('scores 200k rows in bounded chunks, in order, and the counts add up', async () => {
    const sizes: number[] = []
    nextLoadReturns(watched(weather, (frame) => sizes.push(frame.nRows)))
    const events: number[] = []
    const result = await scoreBatch(project, 'weather', {
      input: big,
      output: at('big.parquet'),
      chunkRows: 20_000,
      onProgress: (e) => e.phase === 'scoring' && events.push(e.done),
    })
    expect(result.rows).toEqual({ in: 200_157, scored: 200_137, rejected: 20 })
    expect(Math.max(...sizes)).toBeLessThanOrEqual(20_000)
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(200_137)
    expect(events.at(-1)).toBe(200_157)
    const [summary] = await query(`SELECT count(*) AS n, count(*) FILTER (WHERE row <> CAST(id AS BIGINT)) AS misnumbered,
      bool_and(row > lag) AS ordered FROM (SELECT row, id, lag(row, 1, 0) OVER () AS lag FROM read_parquet('${at('big.parquet')}'))`)
    expect(summary).toEqual({ n: 200_137, misnumbered: 0, ordered: true })
    const rejects = await query(`SELECT row, field FROM read_csv('${at('big.rejects.csv')}')`)
    expect(rejects.map((r) => r.row)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 9973))
    expect(new Set(rejects.map((r) => r.field))).toEqual(new Set(['temp_max']))
  })

  it('leaves no output, no temporary file and the previous output untouched when scoring fails', async () => {
    writeFileSync(at('kept.parquet'), 'previous output')
    let calls = 0
    nextLoadReturns(
      watched(weather, () => {
        if (++calls === 3) throw new Error('model crashed on chunk 3')
      }),
    )
    await expect(scoreBatch(project, 'weather', { input: big, output: at('kept.parquet'), chunkRows: 20_000 })).rejects.toThrow('model crashed on chunk 3')
    expect(readFileSync(at('kept.parquet'), 'utf8')).toBe('previous output')
    expect(existsSync(at('kept.rejects.csv'))).toBe(false)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    const [run] = await project.tracking.listRuns({ experiment: 'batch:weather', limit: 1 })
    expect(run).toMatchObject({ status: 'failed' })
    expect(run?.tags.error).toBe('model crashed on chunk 3')
  })

  it('notices an input file that changes while it is scored, and writes nothing', async () => {
    writeFileSync(at('growing.csv'), readFileSync(SEATTLE))
    let appended = false
    const error = await scoreBatch(project, 'weather', {
      input: at('growing.csv'),
      output: at('growing.parquet'),
      chunkRows: 500,
      onProgress: (e) => {
        if (e.phase !== 'scoring' || appended) return
        appendFileSync(at('growing.csv'), '2016-01-01,0.0,10.0,5.0,3.0,sun\n')
        appended = true
      },
    }).catch((e: unknown) => e)
    expect(isKeelError(error) && error.code).toBe('DATA_READ_FAILED')
    expect((error as Error).message).toBe(`${at('growing.csv')} changed while it was being scored; nothing was written`)
    expect(existsSync(at('growing.parquet'))).toBe(false)
  })

  it('refuses unknown output formats, missing directories and writing over the input before anything runs', async () => {
    const fail = (output: string, input = SEATTLE) => scoreBatch(project, 'weather', { input, output }).catch((e: unknown) => e as Error & { code: string })
    expect(await fail(at('out.json'))).toMatchObject({
      code: 'BATCH_INPUT_INVALID',
      message: `cannot tell the output format of "${at('out.json')}" from its extension`,
    })
    expect(await fail(at('missing/out.parquet'))).toMatchObject({ code: 'BATCH_WRITE_FAILED', message: `cannot write to ${at('missing')}: no such directory` })
    expect(await fail(at('big.csv'), at('big.csv'))).toMatchObject({
      code: 'BATCH_INPUT_INVALID',
      message: `${at('big.csv')} is the input; write the output elsewhere`,
    })
    await expect(scoreBatch(project, 'weather', { input: SEATTLE, output: at('x.parquet'), memoryLimit: 'lots' })).rejects.toMatchObject({
      code: 'BATCH_INPUT_INVALID',
      message: 'memoryLimit must look like 512MB or 2GB; got "lots"',
    })
    expect(await fail(at('x.parquet'), at('nothing.csv'))).toMatchObject({
      code: 'DATA_READ_FAILED',
      message: `cannot read ${at('nothing.csv')}: no such file`,
    })
  })

  it('stops when aborted: BATCH_INTERRUPTED, nothing written', async () => {
    const abort = new AbortController()
    const error = await scoreBatch(project, 'weather', {
      input: big,
      output: at('aborted.parquet'),
      chunkRows: 20_000,
      signal: abort.signal,
      onProgress: (e) => e.phase === 'scoring' && e.done > 50_000 && abort.abort(),
    }).catch((e: unknown) => e)
    expect(isKeelError(error) && error.code).toBe('BATCH_INTERRUPTED')
    expect(existsSync(at('aborted.parquet'))).toBe(false)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})

describe('the output join', () => {
  it('stops rather than write an input row beside another row’s predictions', async () => {
    writeFileSync(at('three.csv'), 'a,b\n1,x\n2,y\n3,z\n')
    const session = await openBatchSession()
    try {
      const input = await openInput(session, parseBatchInput(at('three.csv')))
      const part = (name: string, hash: string, rows = 3) => {
        const path = at(name)
        return session
          .run(sql`COPY (SELECT CAST(row_number() OVER () AS DOUBLE) AS row, true AS ok, ${hash === 'right' ? rowHash(['a', 'b']) : sql`0.0`} AS hash, 0.5 AS v0
          FROM (SELECT * FROM ${input.scan} LIMIT ${literal(String(rows))}::INTEGER)) TO ${literal(path)} (FORMAT parquet)`)
          .then(() => path)
      }
      const copy = async (parts: string[]) => session.all(outputCopy(input, parts, ['prediction'], [], literal(at('joined.csv')), 'csv'))
      expect(await copy([await part('right.parquet', 'right')])).toEqual([[3n]])
      await expect(copy([await part('wrong.parquet', 'wrong')])).rejects.toThrow(/the input changed while it was being scored/)
      await expect(copy([await part('short.parquet', 'right', 2)])).rejects.toThrow(/the input changed while it was being scored/)
    } finally {
      session.close()
    }
  })
})
