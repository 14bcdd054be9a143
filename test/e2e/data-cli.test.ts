import type { SpawnSyncReturns } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runKeel } from '../helpers/cli.js'
import { REPO_ROOT, writeProject } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'

const WEATHER = readFileSync(join(REPO_ROOT, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv'), 'utf8')
  .trimEnd()
  .split('\n')

function keel(args: string[], cwd: string): SpawnSyncReturns<string> {
  return runKeel(args, cwd, {}, 120_000)
}

function json<T>(result: SpawnSyncReturns<string>): T {
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout) as T
}

const CONFIG = `{
  name: 'data-e2e',
  datasets: {
    weather: dataset({
      source: csv('data/weather*.csv'),
      contract: contract({
        columns: {
          date: { type: 'date', nullable: false },
          precipitation: { type: 'float', min: 0 },
          temp_max: { type: 'float', max: 50 },
          wind: { type: 'float' },
          weather: { type: 'category', values: ['drizzle', 'rain', 'sun', 'snow', 'fog'] },
        },
        rows: { min: 1 },
        policy: 'quarantine',
      }),
      clean: [dedupe({ keys: ['date'] }), fillMissing({ wind: 'median' })],
    }),
    strict: dataset({ source: csv('data/weather*.csv'), contract: contract({ columns: { temp_max: { type: 'float', max: 30 } } }) }),
  },
}`

describe('keel data (built CLI, real project)', () => {
  const dir = writeProject(tempDir('keel-data-e2e-'), CONFIG)
  writeFileSync(
    join(dir, 'keel.config.ts'),
    `import { contract, csv, dataset, dedupe, defineProject, fillMissing } from 'keel'\nexport default defineProject(${CONFIG})\n`,
  )
  mkdirSync(join(dir, 'data'))
  const writeData = (lines: readonly string[]) => writeFileSync(join(dir, 'data', 'weather.csv'), `${lines.join('\n')}\n`)

  it('lists, validates, snapshots once, shows, diffs and traces lineage', () => {
    const rows = [...WEATHER]
    rows[5] = rows[4] as string // a duplicate date, removed by dedupe
    rows[7] = (rows[7] as string).replace(/,([a-z]+)$/, ',hail') // not an allowed category: quarantined
    writeData(rows)
    const listed = json<{ name: string; latest: unknown }[]>(keel(['data', 'list', '--json'], dir))
    expect(listed.map((d) => [d.name, d.latest])).toEqual([
      ['strict', null],
      ['weather', null],
    ])

    const validated = json<{
      passed: boolean
      report: { rows: object; checks: { name: string; failing: number; examples: { file: string; row: number }[] }[] }
    }>(keel(['data', 'validate', 'weather', '--json'], dir))
    expect(validated.passed).toBe(true)
    expect(validated.report.rows).toEqual({ input: 1461, clean: 1460, quarantined: 1 })
    const values = validated.report.checks.find((c) => c.name.startsWith('weather: one of'))
    expect(values).toMatchObject({ failing: 1, examples: [{ file: 'data/weather.csv', row: 7 }] })

    type Snap = { created: boolean; snapshot: { id: string; rows: number; quarantined: number } }
    const first = json<Snap>(keel(['data', 'snapshot', 'weather', '--json'], dir))
    expect(first.created).toBe(true)
    // 1,460 clean rows, one of them a duplicate date
    expect(first.snapshot).toMatchObject({ rows: 1459, quarantined: 1 })
    const again = json<Snap>(keel(['data', 'snapshot', 'weather', '--json'], dir))
    expect(again).toMatchObject({ created: false, snapshot: { id: first.snapshot.id } })

    writeFileSync(join(dir, 'data', 'weather-2016.csv'), `${WEATHER[0]}\n2016-01-01,1.5,9.0,3.0,,rain\n`)
    const second = json<Snap>(keel(['data', 'snapshot', 'weather', '--json'], dir))
    expect(second.snapshot.rows).toBe(1460)

    const shown = json<{ id: string; details: { stats: { name: string; missing: number }[]; steps: { component: string }[] } }>(
      keel(['data', 'show', second.snapshot.id.slice(0, 8), '--json'], dir),
    )
    expect(shown.id).toBe(second.snapshot.id)
    expect(shown.details.steps.map((s) => s.component)).toEqual(['dedupe', 'fillMissing'])
    expect(shown.details.stats.find((s) => s.name === 'wind')?.missing).toBe(0)

    const diff = json<{ rows: number[]; columns: { column: string; change: string }[] }>(
      keel(['data', 'diff', first.snapshot.id, second.snapshot.id, '--json'], dir),
    )
    expect(diff.rows).toEqual([1459, 1460])
    expect(diff.columns.every((c) => c.change === 'same')).toBe(true)

    const lineage = json<{ kind: string; upstream: { kind: string; id: string }[] }>(keel(['data', 'lineage', second.snapshot.id, '--json'], dir))
    expect(lineage.kind).toBe('snapshot')
    expect(lineage.upstream.map((u) => `${u.kind}:${u.id.split(':').at(-1)}`).sort()).toEqual([
      'dataset:weather',
      'file:data/weather-2016.csv',
      'file:data/weather.csv',
    ])

    const components = json<{ name: string }[]>(keel(['data', 'components', '--json'], dir))
    expect(components.map((c) => c.name)).toContain('hashPii')
    const human = keel(['data', 'list'], dir)
    expect(human.status).toBe(0)
    expect(human.stdout).toMatch(/weather\s+csv\s+yes\s+2\s+/)
  })

  it('proposes a contract from a file or a declared dataset, as TypeScript', () => {
    const fromFile = keel(['contract', 'infer', 'data/weather.csv'], dir)
    expect(fromFile.status).toBe(0)
    expect(fromFile.stdout).toMatch(/^export const weatherContract = contract\(\{/m)
    expect(fromFile.stdout).toMatch(/date: \{ type: 'date', nullable: false/)
    expect(fromFile.stdout).toMatch(/weather: \{ type: 'category'/)
    const fromDataset = json<{ name: string; rows: number; text: string }>(keel(['contract', 'infer', 'weather', '--json'], dir))
    expect(fromDataset.name).toBe('weather')
    expect(fromDataset.rows).toBeGreaterThan(1400)
  })

  it('fails a contract with exit code 4 and one error line, writing nothing', () => {
    const failed = keel(['data', 'snapshot', 'strict', '--json'], dir)
    expect(failed.status).toBe(4)
    expect(JSON.parse(failed.stderr)).toMatchObject({ error: { code: 'CONTRACT_FAILED', message: expect.stringMatching(/temp_max: max 30 \(\d+ rows\)/) } })
    const human = keel(['data', 'validate', 'strict'], dir)
    expect(human.status).toBe(4)
    expect(human.stdout).toMatch(/FAIL\s+temp_max: max 30/)
    const unknown = keel(['data', 'snapshot', 'nope'], dir)
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toMatch(/^error DATASET_UNKNOWN: no dataset "nope" in keel.config.ts \(declared: weather, strict\)/)
  })
})
