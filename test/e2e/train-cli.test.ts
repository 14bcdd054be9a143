import { type SpawnSyncReturns, spawn } from 'node:child_process'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KEEL_BIN, runKeel } from '../helpers/cli.js'
import { REPO_ROOT, writeProject } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'

const WEATHER = join(REPO_ROOT, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv')

function keel(args: string[], cwd: string): SpawnSyncReturns<string> {
  return runKeel(args, cwd, { KEEL_USER: 'trainer' }, 300_000)
}

interface Result {
  runId: string | null
  newRun: boolean
  cached: boolean
  selected: string
  ranking: { name: string; meanScore: number }[]
  test: Record<string, number>
  baseline: Record<string, number>
  gates: { passed: boolean; results: { gate: string; passed: boolean; detail: string }[] }
  version: { name: string; version: number; status: string; runId: string } | null
  alreadyRegistered: boolean
  steps: { step: string; status: string }[]
}

function trained(result: SpawnSyncReturns<string>): Result {
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout) as Result
}

/** Seattle's daily weather 2012–2015 (1,461 days): predict the kind of day from the measurements. */
const config = (forestTrees: number) => `{
  name: 'weather',
  datasets: {
    weather: dataset({ source: csv('seattle-weather.csv'), contract: contract({ columns: { weather: { type: 'category', nullable: false } } }) }),
  },
  models: {
    weather: model({
      data: 'weather',
      label: 'weather',
      exclude: ['date'],
      candidates: {
        logistic: { learner: 'logistic', params: { C: 1 } },
        forest: { learner: 'randomForest', params: { nTrees: ${forestTrees}, maxDepth: 6 } },
      },
      validation: { kind: 'kfold', folds: 4 },
      select: { metric: 'logLoss' },
      slices: ['weather'],
      gates: { beatBaseline: { metric: 'logLoss', by: 0.2 }, min: { accuracy: 0.6 } },
      card: { intendedUse: 'Teaching: the kind of day from its measurements.' },
    }),
    // a candidate that barely learns: the baseline gate must stop it
    weak: model({
      data: 'weather',
      label: 'weather',
      exclude: ['date', 'precipitation', 'temp_max', 'temp_min'],
      candidates: { stump: { learner: 'gbdt', params: { nTrees: 2, maxDepth: 1, learningRate: 0.01 } } },
      select: { metric: 'logLoss' },
      gates: { beatBaseline: { metric: 'logLoss', by: 0.2 } },
    }),
  },
}`

const IMPORTS = "import { contract, csv, dataset, defineProject, model } from 'keel'"

function writeConfig(dir: string, forestTrees: number): void {
  writeFileSync(join(dir, 'keel.config.ts'), `${IMPORTS}\nexport default defineProject(${config(forestTrees)})\n`)
}

describe('keel train (built CLI, real data)', () => {
  const dir = writeProject(tempDir('keel-train-e2e-'))
  copyFileSync(WEATHER, join(dir, 'seattle-weather.csv'))
  writeConfig(dir, 30)

  it('registers a version that beats the baseline, with its evaluation, nested trial runs and lineage', () => {
    const first = trained(keel(['train', 'weather', '--json'], dir))
    expect(first.newRun).toBe(true)
    expect(first.steps.every((s) => s.status === 'ran')).toBe(true)
    // selection is by validation score: the ranking is sorted by it, best first
    const scores = first.ranking.map((r) => r.meanScore)
    expect(scores).toEqual([...scores].sort((a, b) => a - b))
    expect(first.selected).toBe(first.ranking[0]?.name)
    expect(first.gates.passed).toBe(true)
    expect(first.test.logLoss).toBeLessThan((first.baseline.logLoss as number) - 0.2)
    expect(first.version).toMatchObject({ name: 'weather', version: 1, status: 'pending', runId: first.runId })

    const shown = JSON.parse(keel(['models', 'show', 'weather@1', '--json'], dir).stdout) as { details: { evaluation: Record<string, unknown>; card: string } }
    const evaluation = shown.details.evaluation as {
      confusionMatrix: { classes: string[]; matrix: number[][] }
      slices: Record<string, Record<string, { rows: number }>>
      importance: { features: { name: string }[] }
      gates: { passed: boolean }
    }
    expect(evaluation.confusionMatrix.classes).toEqual(['drizzle', 'fog', 'rain', 'snow', 'sun'])
    expect(evaluation.confusionMatrix.matrix.flat().reduce((a, b) => a + b, 0)).toBe(293)
    expect(Object.keys(evaluation.slices.weather ?? {})).toEqual(['drizzle', 'fog', 'rain', 'snow', 'sun'])
    expect(evaluation.importance.features.map((f) => f.name).sort()).toEqual(['precipitation', 'temp_max', 'temp_min', 'wind'])
    expect(evaluation.gates.passed).toBe(true)
    expect(shown.details.card).toContain('Teaching: the kind of day')
    expect(shown.details.card).toContain('| metric | value | baseline |')
    expect(shown.details.card).toMatch(/## Slices\n\nBy `weather`:/)
    expect(shown.details.card).toMatch(/Dataset "weather", snapshot [0-9a-f]{32}: 1168 training rows and 293 test rows \(4 features\)/)
    expect(shown.details.card).toMatch(/- Contract hash: `[0-9a-f]{64}`\n- Keel version: \d+\.\d+\.\d+/)
    // a logistic or forest model: either way an ONNX export was checked on the test rows and stored
    expect(keel(['models', 'export', 'weather@1', '--format', 'onnx', '--out', join(dir, 'w.onnx')], dir).status).toBe(0)

    const children = JSON.parse(keel(['runs', 'list', '--json'], dir).stdout) as { id: string; parentRunId: string | null; name: string }[]
    const trials = children.filter((r) => r.parentRunId === first.runId).map((r) => r.name)
    expect(trials.sort()).toEqual(['baseline-trial-0', 'forest-trial-0', 'logistic-trial-0'])
    const lineage = keel(['lineage', 'weather@1'], dir).stdout
    expect(lineage).toContain(`run ${first.runId}`)
    expect(lineage).toMatch(/snapshot [0-9a-f]{32}/)
    expect(lineage).toContain('seattle-weather.csv')
  })

  it('serves a second run with nothing changed from the cache: no new run, no new version', () => {
    const again = trained(keel(['train', 'weather', '--json'], dir))
    expect(again.cached).toBe(true)
    expect(again.newRun).toBe(false)
    expect(again.steps.filter((s) => s.status === 'ran').map((s) => s.step)).toEqual(['snapshot', 'gate', 'register'])
    expect(again.alreadyRegistered).toBe(true)
    expect(again.version?.version).toBe(1)
    const text = keel(['train', 'weather'], dir)
    expect(text.status).toBe(0)
    expect(text.stdout).toContain('nothing changed: every output came from the cache')
    expect(text.stdout).toContain('already registered as weather@1')
  })

  it('refits only what a changed hyperparameter touches, and registers a new run and version', () => {
    const before = JSON.parse(keel(['models', 'list', '--json'], dir).stdout) as unknown[]
    writeConfig(dir, 40)
    const changed = trained(keel(['train', 'weather', '--json'], dir))
    const status = Object.fromEntries(changed.steps.map((s) => [s.step, s.status]))
    expect(status).toMatchObject({ split: 'cached', baseline: 'cached', 'fit:logistic': 'cached', 'fit:forest': 'ran', evaluate: 'ran' })
    expect(changed.newRun).toBe(true)
    expect(changed.selected).toBe('forest')
    expect(changed.alreadyRegistered).toBe(false)
    expect(changed.version).toMatchObject({ version: 2, runId: changed.runId })
    expect(JSON.parse(keel(['models', 'list', '--json'], dir).stdout)).toHaveLength(before.length + 1)
  })

  it('stops a weak candidate set at the baseline gate with the numbers, and registers nothing', () => {
    const weak = keel(['train', 'weak'], dir)
    expect(weak.status).toBe(4)
    expect(weak.stdout).toContain('✗ beatBaseline: logLoss')
    expect(weak.stdout).toContain('nothing registered')
    expect(weak.stderr).toMatch(
      /^error GATES_FAILED: weak: candidate "stump" failed 1 gate\(s\): beatBaseline — logLoss [\d.]+ vs baseline [\d.]+: better by [\d.e-]+ \(needs more than 0 and at least 0\.2\)/,
    )
    const asJson = keel(['train', 'weak', '--json'], dir)
    expect(asJson.status).toBe(4)
    expect((JSON.parse(asJson.stdout) as Result).version).toBeNull()
    expect(JSON.parse(asJson.stderr)).toMatchObject({ error: { code: 'GATES_FAILED' } })
    const models = JSON.parse(keel(['models', 'list', '--json'], dir).stdout) as { name: string }[]
    expect(models.some((m) => m.name === 'weak')).toBe(false)
  })
})

describe('keel train --data --label (quick path)', () => {
  it('writes a contract and a model spec into keel.config.ts, trains, and the next run is served from cache', () => {
    const dir = writeProject(tempDir('keel-train-quick-'), "{ name: 'quick' }")
    copyFileSync(WEATHER, join(dir, 'weather.csv'))
    const first = keel(['train', '--data', 'weather.csv', '--label', 'weather', '--json'], dir)
    expect(first.status).toBe(0)
    const result = JSON.parse(first.stdout) as Result
    expect(result.version).toMatchObject({ name: 'weather', version: 1 })
    const text = readFileSync(join(dir, 'keel.config.ts'), 'utf8')
    expect(text).toContain("import { contract, csv, dataset, defineProject, model } from 'keel'")
    expect(text).toContain('export const weatherContract = contract({')
    expect(text).toContain("weather: { type: 'category', nullable: false, values: ['drizzle', 'fog', 'rain', 'snow', 'sun'] }")
    expect(text).toContain('weather: dataset({ source: csv("weather.csv"), contract: weatherContract })')
    expect(text).toContain("task: 'multiclass'")
    const again = trained(keel(['train', 'weather', '--json'], dir))
    expect(again.cached).toBe(true)
    expect(again.version?.version).toBe(1)
    const twice = keel(['train', '--data', 'weather.csv', '--label', 'weather'], dir)
    expect(twice.status).toBe(64)
    expect(twice.stderr).toContain('keel.config.ts already declares datasets.weather')
  })
})

describe('a killed keel train', () => {
  it('leaves no half-registered version, and the next run completes and registers', async () => {
    const dir = writeProject(tempDir('keel-train-kill-'))
    copyFileSync(WEATHER, join(dir, 'seattle-weather.csv'))
    const env = { ...process.env, KEEL_METADATA_URL: '', KEEL_ARTIFACTS_URL: '', KEEL_ENV: '', KEEL_USER: 'trainer' }
    // each attempt trains under another seed, so nothing is cached and it is killed with real work in flight
    for (const [seed, ms] of [
      [1, 600],
      [2, 1500],
      [3, 2500],
      [4, 3500],
      [5, 4500],
    ] as const) {
      writeFileSync(
        join(dir, 'keel.config.ts'),
        `${IMPORTS}\nexport default defineProject(${config(30).replace("exclude: ['date'],", `exclude: ['date'], seed: ${seed},`)})\n`,
      )
      await new Promise<void>((resolve) => {
        const child = spawn(process.execPath, [KEEL_BIN, 'train', 'weather', '--json'], { cwd: dir, env, stdio: 'ignore' })
        const timer = setTimeout(() => child.kill('SIGKILL'), ms)
        child.on('exit', () => {
          clearTimeout(timer)
          resolve()
        })
      })
      const versions = JSON.parse(keel(['models', 'list', '--json'], dir).stdout) as { name: string; version: number; runId: string }[]
      for (const v of versions) {
        const shown = keel(['models', 'show', `${v.name}@${v.version}`, '--json'], dir)
        expect(shown.status).toBe(0)
        const lineage = keel(['lineage', `${v.name}@${v.version}`], dir).stdout
        expect(lineage).toContain(`run ${v.runId}`)
        expect(lineage).toMatch(/snapshot [0-9a-f]{32}/)
        const exported = keel(['models', 'export', `${v.name}@${v.version}`, '--format', 'native', '--out', join(dir, `v${v.version}.bin`)], dir)
        expect(exported.status).toBe(0)
      }
    }
    const done = trained(keel(['train', 'weather', '--json'], dir))
    expect(done.version).not.toBeNull()
    expect(done.gates.passed).toBe(true)
  }, 240_000)
})
