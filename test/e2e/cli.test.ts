import { type SpawnSyncReturns, spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sha256 } from '../../src/core/hash.js'
import { freshSchema } from '../helpers/postgres.js'
import { REPO_ROOT } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'

const BIN = join(REPO_ROOT, 'bin', 'keel.js')
const dir = tempDir('keel-e2e-')

/** Runs the built CLI as a user would. */
function keel(args: string[], cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const clean = { ...process.env, KEEL_METADATA_URL: '', KEEL_ARTIFACTS_URL: '', KEEL_ENV: '', NO_COLOR: '1' }
  return spawnSync(process.execPath, [BIN, ...args], { cwd, env: { ...clean, ...env }, encoding: 'utf8', timeout: 60_000 })
}

function json<T = unknown>(result: SpawnSyncReturns<string>): T {
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout) as T
}

/** One clear line on stderr, a non-zero exit, no stack trace. */
function expectCleanError(result: SpawnSyncReturns<string>, code: string): void {
  expect(result.status).not.toBe(0)
  const lines = result.stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(new RegExp(`^error ${code}: `))
  expect(result.stderr).not.toMatch(/\n\s+at /)
}

const SCRIPT = `import { openProject } from 'keel'
const project = await openProject()
const run = await project.tracking.startRun({ experiment: 'e2e', name: 'scripted', tags: { via: 'api' } })
await run.logParams({ lr: 0.05, depth: 4 })
for (let step = 0; step < 5; step++) await run.logMetric('loss', 1 / (step + 1), { step })
await run.logMetric('auc', 0.83)
await run.logArtifact('model.json', Buffer.from('{"w":[1,2,3]}'))
await run.end('finished')
console.log(run.id)
await project.close()
`

interface Shown {
  run: { id: string; status: string; name: string; tags: Record<string, string> }
  params: Record<string, string>
  metrics: { key: string; latest: { value: number }; history: { step: number; value: number }[] }[]
  artifacts: { name: string; sha256: string; size: number }[]
}

function scriptedRun(root: string, env: Record<string, string> = {}): Shown {
  writeFileSync(join(root, 'log-run.ts'), SCRIPT)
  const exec = keel(['exec', 'log-run.ts'], root, env)
  expect(exec.stderr).toBe('')
  expect(exec.status).toBe(0)
  const id = exec.stdout.trim()
  return json<Shown>(keel(['runs', 'show', id, '--json'], root, env))
}

function expectScriptedRun(shown: Shown): void {
  expect(shown.run).toMatchObject({ status: 'finished', name: 'scripted', tags: { via: 'api' } })
  expect(shown.params).toEqual({ depth: '4', lr: '0.05' })
  const loss = shown.metrics.find((m) => m.key === 'loss')
  expect(loss?.history.map((p) => [p.step, p.value])).toEqual([
    [0, 1],
    [1, 0.5],
    [2, 1 / 3],
    [3, 0.25],
    [4, 0.2],
  ])
  expect(shown.artifacts).toEqual([expect.objectContaining({ name: 'model.json', size: 13, sha256: sha256('{"w":[1,2,3]}') })])
}

describe('keel init and the tracking CLI (SQLite)', () => {
  const root = join(dir, 'p')

  it('scaffolds a project whose run list starts empty', () => {
    const init = keel(['init', root], dir)
    expect(init.status).toBe(0)
    for (const f of ['keel.config.ts', '.gitignore', 'package.json', 'examples/track.ts', '.keel/keel.db']) expect(existsSync(join(root, f)), f).toBe(true)
    expect(readFileSync(join(root, '.gitignore'), 'utf8')).toContain('.keel/')
    expect(json(keel(['runs', 'list', '--json'], root))).toEqual([])
  })

  it('shows a run logged through the public API', () => {
    expectScriptedRun(scriptedRun(root))
  })

  it('runs the example and lists, shows and compares runs for people', () => {
    expect(keel(['exec', 'examples/track.ts'], root).status).toBe(0)
    const runs = json<{ id: string; name: string }[]>(keel(['runs', 'list', '--json'], root))
    expect(runs.map((r) => r.name)).toEqual(['logistic-regression', 'scripted'])
    const [a, b] = runs.map((r) => r.id) as [string, string]
    expect(keel(['runs', 'list'], root).stdout).toMatch(/RUN ID\s+EXPERIMENT\s+NAME\s+STATUS/)
    const shown = keel(['runs', 'show', a.slice(0, 22)], root)
    expect(shown.stdout).toMatch(/Metrics\nKEY\s+LATEST/)
    expect(shown.stdout).toContain('model/weights.json')
    const compared = keel(['runs', 'compare', a, b], root)
    expect(compared.status).toBe(0)
    expect(compared.stdout).toMatch(/^\*\s+param\.depth\s+-\s+4$/m)
    const comparison = json<{ params: { key: string; differs: boolean }[] }>(keel(['runs', 'compare', a, b, '--json'], root))
    expect(comparison.params.find((p) => p.key === 'epochs')).toMatchObject({ differs: true })
  })

  it('filters the run list', () => {
    const e2e = json<{ name: string }[]>(keel(['runs', 'list', '--experiment', 'e2e', '--json'], root))
    expect(e2e.map((r) => r.name)).toEqual(['scripted'])
    expect(json(keel(['runs', 'list', '--status', 'failed', '--json'], root))).toEqual([])
  })

  it('writes an artifact to a file and refuses it once tampered', () => {
    const [run] = json<{ id: string }[]>(keel(['runs', 'list', '--experiment', 'e2e', '--json'], root))
    const out = join(dir, 'model-copy.json')
    const written = json<{ sha256: string }>(keel(['runs', 'artifact', run?.id ?? '', 'model.json', '--out', out, '--json'], root))
    expect(readFileSync(out, 'utf8')).toBe('{"w":[1,2,3]}')
    appendFileSync(join(root, '.keel', 'artifacts', 'objects', written.sha256.slice(0, 2), written.sha256), ' ')
    expectCleanError(keel(['runs', 'artifact', run?.id ?? '', 'model.json', '--out', join(dir, 'again.json')], root), 'ARTIFACT_TAMPERED')
    expect(existsSync(join(dir, 'again.json'))).toBe(false)
  })

  it('refuses to init over an existing project', () => {
    expectCleanError(keel(['init', root], dir), 'INIT_TARGET_NOT_EMPTY')
  })

  it('has --help and --json on every command', () => {
    for (const cmd of [['init'], ['runs', 'list'], ['runs', 'show'], ['runs', 'compare'], ['runs', 'artifact'], ['config'], ['exec']]) {
      const help = keel([...cmd, '--help'], root)
      expect(help.status, cmd.join(' ')).toBe(0)
      expect(help.stdout, cmd.join(' ')).toContain('--json')
    }
  })
})

describe('the tracking CLI on PostgreSQL', () => {
  const schema = freshSchema()
  afterAll(() => schema.drop())

  it('behaves the same with KEEL_METADATA_URL pointing at PostgreSQL', () => {
    const root = join(dir, 'pg')
    expect(keel(['init', root], dir, { KEEL_METADATA_URL: schema.url }).status).toBe(0)
    expect(json(keel(['runs', 'list', '--json'], root, { KEEL_METADATA_URL: schema.url }))).toEqual([])
    expectScriptedRun(scriptedRun(root, { KEEL_METADATA_URL: schema.url }))
    // the embedded store saw none of it
    expect(json(keel(['runs', 'list', '--json'], root))).toEqual([])
  })
})

describe('bad input gives one clear line and a non-zero exit', () => {
  it('a malformed keel.config.ts', () => {
    const root = join(dir, 'malformed')
    expect(keel(['init', root], dir).status).toBe(0)
    writeFileSync(join(root, 'keel.config.ts'), "import { defineProject } from 'keel'\nexport default defineProject({ name: 'x',, })\n")
    expectCleanError(keel(['runs', 'list'], root), 'CONFIG_LOAD_FAILED')
    writeFileSync(join(root, 'keel.config.ts'), "import { defineProject } from 'keel'\nexport default defineProject({ name: 'x', enviroments: {} } as never)\n")
    const invalid = keel(['runs', 'list'], root)
    expectCleanError(invalid, 'CONFIG_INVALID')
    expect(invalid.stderr).toContain('unknown key `enviroments`')
  })

  it('an unknown run id', () => {
    const root = join(dir, 'p')
    expectCleanError(keel(['runs', 'show', 'zzzzzzzz'], root), 'RUN_NOT_FOUND')
    const asJson = keel(['runs', 'show', 'zzzzzzzz', '--json'], root)
    expect(asJson.status).toBe(2)
    expect(JSON.parse(asJson.stderr)).toMatchObject({ error: { code: 'RUN_NOT_FOUND' } })
  })

  it('an unreachable PostgreSQL URL', () => {
    const result = keel(['runs', 'list'], join(dir, 'p'), { KEEL_METADATA_URL: 'postgres://keel:hunter2@127.0.0.1:1/keel' })
    expectCleanError(result, 'METADATA_UNREACHABLE')
    expect(result.stderr).not.toContain('hunter2')
  })

  it('an unknown environment, command or option', () => {
    expectCleanError(keel(['runs', 'list', '--env', 'staging'], join(dir, 'p')), 'CONFIG_ENV_UNKNOWN')
    expectCleanError(keel(['runz'], join(dir, 'p')), 'CLI_USAGE')
    expect(keel(['runs', 'list', '--bogus'], join(dir, 'p')).status).toBe(64)
  })

  it('no project at all', () => {
    expectCleanError(keel(['runs', 'list'], dir), 'CONFIG_NOT_FOUND')
  })
})

describe('keel config', () => {
  it('shows the selected environment with the password hidden', () => {
    const root = join(dir, 'p')
    const shown = json<{ env: string; metadataUrl: string }>(
      keel(['config', '--env', 'production', '--json'], root, { DATABASE_URL: 'postgres://app:pw123@db:5432/keel' }),
    )
    expect(shown).toMatchObject({ env: 'production', metadataUrl: 'postgres://app:***@db:5432/keel' })
  })
})
