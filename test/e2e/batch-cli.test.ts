import type { SpawnSyncReturns } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runKeel } from '../helpers/cli.js'
import { REPO_ROOT, writeProject } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'

const SEATTLE = join(REPO_ROOT, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv')

function keel(args: string[], cwd: string): SpawnSyncReturns<string> {
  return runKeel(args, cwd, { KEEL_USER: 'tester' }, 120_000)
}

const REGISTER = `import { learners, openProject, readFrame } from 'keel'
const project = await openProject()
const frame = await readFrame(${JSON.stringify(SEATTLE)})
const model = await learners.gbdt({ nTrees: 10, maxDepth: 3, nThreads: 1 }).fit(frame, { label: 'weather', task: 'multiclass' })
await project.registry.register({ name: 'weather', model, createdBy: 'tester' })
await project.close()
`

interface Result {
  runId: string
  model: { name: string; version: number; ref: string }
  output: string
  rejects: string | null
  rows: { in: number; scored: number; rejected: number }
}

describe('keel batch (built CLI, real project)', () => {
  const dir = writeProject(tempDir('keel-batch-e2e-'), "{ name: 'batch-e2e' }")
  writeFileSync(join(dir, 'register.ts'), REGISTER)

  it('scores a file, prints the result (JSON or text), writes rejects, records runs, and refuses a file without a model column', () => {
    const registered = keel(['exec', 'register.ts'], dir)
    expect(registered.stderr).toBe('')
    expect(registered.status).toBe(0)

    const scored = keel(['batch', 'weather@1', '--input', SEATTLE, '--output', 'scores.parquet', '--json'], dir)
    expect(scored.stderr).toBe('')
    expect(scored.status).toBe(0)
    const result = JSON.parse(scored.stdout) as Result
    expect(result).toMatchObject({ model: { name: 'weather', version: 1, ref: 'weather@1' }, output: join(dir, 'scores.parquet'), rejects: null })
    expect(result.rows).toEqual({ in: 1461, scored: 1461, rejected: 0 })
    expect(existsSync(join(dir, 'scores.parquet'))).toBe(true)

    const source = readFileSync(SEATTLE, 'utf8').trimEnd().split('\n')
    writeFileSync(join(dir, 'today.csv'), [...source.slice(0, 4), '2015-13-01,0.0,12.8,5.0,4.7,sun', '2016-01-01,1.0,"warm",5.0,4.7,sun'].join('\n'))
    const text = keel(['batch', 'weather', '--input', 'today.csv', '--output', 'today-scored.csv', '--rejects', 'bad.csv'], dir)
    expect(text.stderr).toBe('')
    expect(text.status).toBe(0)
    expect(text.stdout).toMatch(
      /^batch weather@1: 5 rows in [\d.]+s \([\d,]+ rows\/s\)\n {2}3 scored → .*today-scored\.csv\n {2}2 rejected → .*bad\.csv\nrun \w+ · keel runs show \w+\n$/,
    )
    const rejects = readFileSync(join(dir, 'bad.csv'), 'utf8').trimEnd().split('\n')
    expect(rejects[0]).toBe('row,field,reason,date,precipitation,temp_max,temp_min,wind,weather')
    expect(rejects[1]).toBe('4,date,"date: must be an ISO 8601 time or epoch milliseconds; got ""2015-13-01""",2015-13-01,0.0,12.8,5.0,4.7,sun')
    expect(rejects[2]).toBe('5,temp_max,"temp_max: must be a finite number; got ""warm""",2016-01-01,1.0,warm,5.0,4.7,sun')

    const runs = JSON.parse(keel(['runs', 'list', '--experiment', 'batch:weather', '--json'], dir).stdout) as { id: string; status: string }[]
    expect(runs.map((r) => r.status)).toEqual(['finished', 'finished'])
    expect(runs.map((r) => r.id)).toContain(result.runId)

    writeFileSync(join(dir, 'no-wind.csv'), 'date,precipitation,temp_max,temp_min\n2012-01-01,0.0,12.8,5.0\n')
    const refused = keel(['batch', 'weather', '--input', 'no-wind.csv', '--output', 'no-wind.parquet'], dir)
    expect(refused.status).toBe(2)
    expect(refused.stderr).toMatch(
      /^error BATCH_INPUT_INVALID: the input has no column "wind", which the model takes \(input columns: date, precipitation, temp_max, temp_min\)\./,
    )
    expect(existsSync(join(dir, 'no-wind.parquet'))).toBe(false)

    const json = keel(['batch', 'weather', '--input', 'no-wind.csv', '--output', 'x.txt', '--json'], dir)
    expect(json.status).toBe(2)
    expect(JSON.parse(json.stderr).error.code).toBe('BATCH_INPUT_INVALID')

    const help = keel(['batch', '--help'], dir)
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/--input <source>/)
    expect(help.stdout).toMatch(/--json/)
  })
})
