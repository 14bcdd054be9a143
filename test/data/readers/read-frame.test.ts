import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import { KeelError } from '../../../src/core/errors.js'
import type { Column, ColumnKind } from '../../../src/core/frame.js'
import { type ReadFrameOptions, readFrame } from '../../../src/data/readers/read-frame.js'
import { tempDir } from '../../helpers/temp.js'

const dir = tempDir('keel-read-frame-')

function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

async function duckdb(sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    await connection.run(sql)
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

async function failure(promise: Promise<unknown>): Promise<KeelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(KeelError)
  return error as KeelError
}

function as<K extends Column['kind']>(column: Column, kind: K): Extract<Column, { kind: K }> {
  expect(column.kind).toBe(kind)
  return column as Extract<Column, { kind: K }>
}

const PEOPLE = [
  'id,name,score,active,joined,signed_up',
  '1,"Smith, Ann",3.5,true,2024-01-02,2024-01-02 10:30:00',
  '2,"Say ""hi""",,false,,2024-03-04 00:00:00',
  '3,,7,,2023-12-31,',
  '4,Bo,-2.25,true,2024-02-29,2024-02-29 23:59:59',
].join('\n')

describe('readFrame on CSV', () => {
  it('infers kinds and keeps missing values, quoted commas and quotes', async () => {
    const frame = await readFrame(file('people.csv', PEOPLE))
    expect(frame.nRows).toBe(4)
    expect(frame.names).toEqual(['id', 'name', 'score', 'active', 'joined', 'signed_up'])
    expect([...as(frame.column('id'), 'number').values]).toEqual([1, 2, 3, 4])
    const name = as(frame.column('name'), 'category')
    expect([...name.codes].map((c) => (c < 0 ? null : name.levels[c]))).toEqual(['Smith, Ann', 'Say "hi"', null, 'Bo'])
    expect([...as(frame.column('score'), 'number').values]).toEqual([3.5, Number.NaN, 7, -2.25])
    expect([...as(frame.column('active'), 'boolean').values]).toEqual([1, 0, 255, 1])
    expect([...as(frame.column('joined'), 'timestamp').values]).toEqual([Date.UTC(2024, 0, 2), Number.NaN, Date.UTC(2023, 11, 31), Date.UTC(2024, 1, 29)])
    expect(as(frame.column('signed_up'), 'timestamp').values[0]).toBe(Date.UTC(2024, 0, 2, 10, 30))
  })

  it('rejects a ragged row, naming the file and the line', async () => {
    const path = file('ragged.csv', 'a,b,c\n1,x,true\n2,y,false\n3,w,true,9\n4,v,false\n')
    const error = await failure(readFrame(path))
    expect(error.code).toBe('DATA_READ_FAILED')
    expect(error.message).toContain(path)
    expect(error.message).toContain('line 4')
  })

  it('rejects a short row far beyond the sniffer sample', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => `${i},${i % 5},x${i % 3}`)
    rows.push('7,8')
    const path = file('short.csv', `a,b,c\n${rows.join('\n')}\n`)
    const error = await failure(readFrame(path))
    expect(error.code).toBe('DATA_READ_FAILED')
    expect(error.message).toMatch(/line 30002, column "c"/)
  })

  it('reads a numeric-looking column as category when the schema says so, leading zeros kept', async () => {
    const path = file('zips.csv', 'zip,"my ""n"""\n02134,1\n10001,2\n02134,3\n')
    const frame = await readFrame(path, { schema: { zip: 'category', 'my "n"': 'category' } })
    const zip = as(frame.column('zip'), 'category')
    expect(zip.levels).toEqual(['02134', '10001'])
    expect([...zip.codes]).toEqual([0, 1, 0])
    expect(as(frame.column('my "n"'), 'category').levels).toEqual(['1', '2', '3'])
  })

  it('fails on text that the schema declares a number, naming the line and column', async () => {
    const path = file('bad-number.csv', 'a,b\n1,2\n3,abc\n')
    const error = await failure(readFrame(path, { schema: { b: 'number' } }))
    expect(error.code).toBe('DATA_READ_FAILED')
    expect(error.message).toMatch(/line 3, column "b"/)
  })

  it('selects and orders columns, and names the ones the file lacks', async () => {
    const path = file('select.csv', PEOPLE)
    const frame = await readFrame(path, { columns: ['score', 'id'] })
    expect(frame.names).toEqual(['score', 'id'])
    for (const options of [{ columns: ['id', 'age'] }, { schema: { age: 'number' as const } }]) {
      const error = await failure(readFrame(path, options))
      expect(error.code).toBe('FRAME_COLUMN_UNKNOWN')
      expect(error.message).toContain('"age"')
      expect(error.message).toContain('id, name, score, active, joined, signed_up')
    }
  })

  it('honours delimiter, header, null values and limit', async () => {
    const path = file('semi.txt', '1;NA;a\n2;5;-\n3;6;b\n')
    const frame = await readFrame(path, { delimiter: ';', header: false, nullValues: ['NA', '-'], limit: 2 })
    expect(frame.nRows).toBe(2)
    const [first, second, third] = frame.names.map((n) => frame.column(n))
    expect([...as(first as Column, 'number').values]).toEqual([1, 2])
    expect([...as(second as Column, 'number').values]).toEqual([Number.NaN, 5])
    expect([...as(third as Column, 'category').codes]).toEqual([0, -1])
  })

  it('fails clearly on a missing file, a directory and an unknown extension', async () => {
    for (const path of [join(dir, 'absent.csv'), dir, file('data.bin', 'a\n1\n')]) {
      const error = await failure(readFrame(path))
      expect(error.code).toBe('DATA_READ_FAILED')
      expect(error.message).toContain(path)
    }
  })

  it('refuses invalid options before touching the file', async () => {
    const path = file('options.csv', 'a\n1\n')
    const cases: [ReadFrameOptions, string][] = [
      [{ limit: -1 }, 'limit'],
      [{ limit: 1.5 }, 'limit'],
      [{ schema: { a: 'string' as ColumnKind } }, 'schema.a'],
      [{ columns: [] }, 'columns'],
      [{ delimiter: '' }, 'delimiter'],
      [{ nullValues: [] }, 'nullValues'],
    ]
    for (const [options, what] of cases) {
      const error = await failure(readFrame(path, options))
      expect(error.code).toBe('DATA_READ_FAILED')
      expect(error.message).toContain(what)
    }
  })

  it('reads 100k rows exactly', async () => {
    const n = 100_000
    const lines = ['i,half,group,flag']
    for (let i = 0; i < n; i++) lines.push(i % 1000 === 7 ? `${i},,,` : `${i},${i / 2},g${i % 7},${i % 3 === 0}`)
    const frame = await readFrame(file('large.csv', `${lines.join('\n')}\n`))
    expect(frame.nRows).toBe(n)
    const i = as(frame.column('i'), 'number').values
    const half = as(frame.column('half'), 'number').values
    const group = as(frame.column('group'), 'category')
    const flag = as(frame.column('flag'), 'boolean').values
    for (const r of [0, 1, 2047, 2048, 54_321, 99_999]) {
      expect(i[r]).toBe(r)
      expect(half[r]).toBe(r / 2)
      expect(group.levels[group.codes[r] ?? -1]).toBe(`g${r % 7}`)
      expect(flag[r]).toBe(r % 3 === 0 ? 1 : 0)
    }
    expect(Number.isNaN(half[50_007] ?? 0)).toBe(true)
    expect(group.codes[50_007]).toBe(-1)
    expect(flag[50_007]).toBe(255)
    expect(group.levels.length).toBe(7)
    expect(half.filter(Number.isNaN).length).toBe(n / 1000)
  })
})

describe('readFrame on Parquet', () => {
  it('maps integer, decimal, text, boolean, date and timestamp columns', async () => {
    const path = join(dir, 'typed.parquet')
    await duckdb(`COPY (
      SELECT * FROM (VALUES
        (9007199254740993::BIGINT, 12.34::DECIMAL(10, 2), 'a', true, DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05.678'),
        (NULL, NULL, NULL, NULL, NULL, NULL),
        (-5::BIGINT, 0.5::DECIMAL(10, 2), 'b', false, DATE '1969-12-31', TIMESTAMP '1970-01-01 00:00:00')
      ) AS t(big, price, code, ok, day, seen)
    ) TO '${path}' (FORMAT parquet)`)
    const frame = await readFrame(path)
    expect(frame.nRows).toBe(3)
    expect([...as(frame.column('big'), 'number').values]).toEqual([9007199254740992, Number.NaN, -5])
    expect([...as(frame.column('price'), 'number').values]).toEqual([12.34, Number.NaN, 0.5])
    const code = as(frame.column('code'), 'category')
    expect([...code.codes]).toEqual([0, -1, 1])
    expect(code.levels).toEqual(['a', 'b'])
    expect([...as(frame.column('ok'), 'boolean').values]).toEqual([1, 255, 0])
    expect([...as(frame.column('day'), 'timestamp').values]).toEqual([Date.UTC(2024, 0, 2), Number.NaN, -86_400_000])
    expect([...as(frame.column('seen'), 'timestamp').values]).toEqual([Date.UTC(2024, 0, 2, 3, 4, 5, 678), Number.NaN, 0])
  })

  it('applies schema overrides and column selection with casts', async () => {
    const path = join(dir, 'zips.parquet')
    await duckdb(`COPY (SELECT range AS zip, range * 2 AS n FROM range(3)) TO '${path}' (FORMAT parquet)`)
    const frame = await readFrame(path, { format: 'parquet', columns: ['zip'], schema: { zip: 'category' } })
    expect(frame.names).toEqual(['zip'])
    expect(as(frame.column('zip'), 'category').levels).toEqual(['0', '1', '2'])
  })

  it('refuses a Parquet column type Frame cannot hold, suggesting a schema override', async () => {
    const path = join(dir, 'lists.parquet')
    await duckdb(`COPY (SELECT [1, 2] AS xs, 1 AS n) TO '${path}' (FORMAT parquet)`)
    const error = await failure(readFrame(path))
    expect(error.code).toBe('DATA_READ_FAILED')
    expect(error.message).toContain('"xs"')
    const frame = await readFrame(path, { schema: { xs: 'category' } })
    expect(as(frame.column('xs'), 'category').levels).toEqual(['[1, 2]'])
  })

  it('reports a corrupt Parquet file as DATA_READ_FAILED', async () => {
    const error = await failure(readFrame(file('broken.parquet', 'not parquet at all')))
    expect(error.code).toBe('DATA_READ_FAILED')
    expect(error.message).toContain('broken.parquet')
  })
})
