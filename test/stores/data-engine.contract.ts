import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ident, literal, sql } from '../../src/data/sql.js'
import type { DataEngine, DataEngineOptions } from '../../src/stores/data-engine.js'
import { tempDir } from '../helpers/temp.js'

/** The behaviour every DataEngine backend must have. */
export function describeDataEngine(name: string, open: (options?: DataEngineOptions) => Promise<DataEngine>): void {
  describe(`DataEngine contract: ${name}`, () => {
    it('binds values, returns typed rows, describes queries and loads streamed text rows', async () => {
      const engine = await open()
      try {
        const hostile = "x'); DROP TABLE t; --"
        await engine.run(sql`CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(n, s)`)
        const { columns, rows } = await engine.all(sql`SELECT n, s, ${hostile} AS h, DATE '2024-01-02' AS d FROM t WHERE n >= ${1} ORDER BY n`)
        expect(columns.map((c) => c.type)).toEqual(['INTEGER', 'VARCHAR', 'VARCHAR', 'DATE'])
        expect(rows).toEqual([
          [1, 'a', hostile, '2024-01-02T00:00:00.000Z'],
          [2, 'b', hostile, '2024-01-02T00:00:00.000Z'],
        ])
        expect(await engine.describe(sql`SELECT s, n + 0.5 AS x FROM t`)).toEqual([
          { name: 's', type: 'VARCHAR' },
          { name: 'x', type: 'DECIMAL(12,1)' },
        ])
        async function* batches() {
          yield [
            ['1', null],
            ['2', 'two'],
          ]
          yield [["it's", 'x']]
        }
        expect(await engine.load('loaded', ['a "quoted" name', 'b'], batches())).toBe(3)
        expect((await engine.all(sql`SELECT * FROM ${ident('loaded')}`)).rows).toEqual([
          ['1', null],
          ['2', 'two'],
          ["it's", 'x'],
        ])
        const limit = await engine.all(sql`SELECT current_setting('memory_limit')`)
        expect(String(limit.rows[0]?.[0])).toBe('953.6 MiB')
      } finally {
        await engine.close()
      }
    })

    it('reports engine errors as KeelErrors with the statement kept for debugging, and refuses use after close', async () => {
      const dir = tempDir()
      const engine = await open({ tempDirectory: dir, memoryLimit: '256MB' })
      await expect(engine.all(sql`SELECT * FROM read_csv(${literal(`${dir}/missing.csv`)})`)).rejects.toMatchObject({
        code: 'DATA_READ_FAILED',
        cause: { statement: expect.stringContaining('missing.csv') },
      })
      await engine.close()
      await expect(engine.all(sql`SELECT 1`)).rejects.toMatchObject({ code: 'INTERNAL' })
      expect(existsSync(dir)).toBe(true)
    })

    it('reports progress of labelled statements, ending at 100', async () => {
      const seen: [number, string][] = []
      const engine = await open({ onProgress: (percent, label) => seen.push([percent, label]) })
      try {
        await engine.run(sql`CREATE TABLE big AS SELECT range AS n FROM range(200000)`, 'making')
        await engine.run(sql`CREATE TABLE quiet AS SELECT 1 AS n`)
      } finally {
        await engine.close()
      }
      expect(seen.at(-1)).toEqual([100, 'making'])
      expect(seen.every(([p, label]) => p >= 0 && p <= 100 && label === 'making')).toBe(true)
    })
  })
}
