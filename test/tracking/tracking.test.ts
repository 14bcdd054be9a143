import { execFileSync, spawn } from 'node:child_process'
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256 } from '../../src/core/hash.js'
import { openProject, type Project } from '../../src/project.js'
import { writeProject } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'

const dir = tempDir()
let project: Project

beforeAll(async () => {
  const root = writeProject(join(dir, 'proj'), "{ name: 'tracking', tracking: { defaultExperiment: 'exp-default' } }")
  execFileSync('git', ['init', '-q'], { cwd: root })
  execFileSync('git', ['-c', 'user.email=k@example.com', '-c', 'user.name=k', 'commit', '-q', '--allow-empty', '-m', 'init'], { cwd: root })
  project = await openProject(root)
})
afterAll(() => project.close())

describe('tracking', () => {
  it('records experiment, git commit and config hash on a new run', async () => {
    const run = await project.tracking.startRun({ name: 'first', tags: { owner: 'ana', attempt: 2 } })
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: project.config.root }).toString().trim()
    const configText = readFileSync(project.config.configPath)
    expect(run.info).toMatchObject({
      name: 'first',
      experimentName: 'exp-default',
      status: 'running',
      gitCommit: head,
      configHash: sha256(configText),
      tags: { owner: 'ana', attempt: '2' },
    })
    await run.end()
  })

  it('numbers metric steps per key when none is given', async () => {
    const run = await project.tracking.startRun({ experiment: 'steps' })
    await run.logMetric('loss', 3)
    await run.logMetric('loss', 2)
    await run.logMetric('acc', 0.5)
    await run.logMetric('loss', 1, { step: 10 })
    await run.logMetric('loss', 0.5)
    const history = await project.tracking.getMetricHistory(run.id, 'loss')
    expect(history.map((p) => p.step)).toEqual([0, 1, 10, 11])
    expect((await project.tracking.getMetricHistory(run.id, 'acc')).map((p) => p.step)).toEqual([0])
    await run.end()
  })

  it('stores params as text and refuses to change one', async () => {
    const run = await project.tracking.startRun()
    await run.logParams({ lr: 0.1, layers: [64, 32], deep: true, name: 'gbdt', none: null })
    await expect(run.logParam('lr', 0.2)).rejects.toMatchObject({ code: 'PARAM_CONFLICT' })
    await expect(run.logParam('bad key!', 1)).rejects.toMatchObject({ code: 'RUN_INVALID_INPUT' })
    await expect(run.logMetric('m', Number('x'), { step: 1.5 })).rejects.toMatchObject({ code: 'RUN_INVALID_INPUT' })
    const details = await project.tracking.getRunDetails(run.id)
    expect(details.params).toEqual({ deep: 'true', layers: '[64,32]', lr: '0.1', name: 'gbdt', none: 'null' })
    await run.end()
  })

  it('ends a run with withRun: finished on success, failed on error', async () => {
    const ok = await project.tracking.withRun({ experiment: 'with' }, async (run) => run.id)
    expect((await project.tracking.getRun(ok)).status).toBe('finished')
    let failedId = ''
    await expect(
      project.tracking.withRun({ experiment: 'with' }, async (run) => {
        failedId = run.id
        throw new Error('training diverged')
      }),
    ).rejects.toThrow('training diverged')
    expect((await project.tracking.getRun(failedId)).status).toBe('failed')
  })

  it('refuses writes after end and a second end', async () => {
    const run = await project.tracking.startRun()
    await run.end('killed')
    await expect(run.logMetric('x', 1)).rejects.toMatchObject({ code: 'RUN_NOT_ACTIVE' })
    await expect(run.end()).rejects.toMatchObject({ code: 'RUN_NOT_ACTIVE' })
    await run.setTags({ reviewed: 'yes' })
    expect((await project.tracking.getRun(run.id)).tags).toEqual({ reviewed: 'yes' })
  })

  it('nests runs and lists the children of a parent', async () => {
    const parent = await project.tracking.startRun({ experiment: 'search', name: 'search' })
    const trials = []
    for (let i = 0; i < 3; i++) trials.push(await project.tracking.startRun({ experiment: 'search', name: `trial-${i}`, parentRunId: parent.id }))
    const details = await project.tracking.getRunDetails(parent.id)
    expect(details.children).toEqual(trials.map((t) => t.id))
    expect((await project.tracking.listRuns({ parentRunId: parent.id })).map((r) => r.name)).toEqual(['trial-2', 'trial-1', 'trial-0'])
    await expect(project.tracking.startRun({ parentRunId: 'nope' })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' })
  })

  it('finds runs by a unique id prefix and says when a prefix is ambiguous', async () => {
    const run = await project.tracking.startRun()
    expect((await project.tracking.getRun(run.id.slice(0, 24))).id).toBe(run.id)
    await expect(project.tracking.getRun('0')).rejects.toMatchObject({ code: 'RUN_ID_AMBIGUOUS' })
    await expect(project.tracking.getRun('zzzzzz')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' })
    await expect(project.tracking.getRun('../x')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' })
  })

  it('logs artifacts from bytes and from paths and reads them back verified', async () => {
    const run = await project.tracking.startRun({ experiment: 'artifacts' })
    const file = join(dir, 'weights.bin')
    writeFileSync(file, Buffer.alloc(10_000, 1))
    const a = await run.logArtifact('model/weights.bin', file)
    const b = await run.logArtifact('notes.txt', Buffer.from('hello'))
    expect(a).toMatchObject({ name: 'model/weights.bin', size: 10_000, sha256: sha256(Buffer.alloc(10_000, 1)) })
    expect(Buffer.from(await project.tracking.getArtifact(run.id, 'notes.txt')).toString()).toBe('hello')
    const out = join(dir, 'copy.bin')
    await project.tracking.downloadArtifact(run.id, 'model/weights.bin', out)
    expect(readFileSync(out).length).toBe(10_000)
    await expect(run.logArtifact('../escape', Buffer.from('x'))).rejects.toMatchObject({ code: 'ARTIFACT_NAME_INVALID' })
    await expect(run.logArtifact('notes.txt', Buffer.from('other'))).rejects.toMatchObject({ code: 'ARTIFACT_EXISTS' })
    await expect(project.tracking.getArtifact(run.id, 'missing')).rejects.toMatchObject({ code: 'ARTIFACT_NOT_FOUND' })
    appendFileSync(join(project.config.root, '.keel', 'artifacts', 'objects', b.sha256.slice(0, 2), b.sha256), '!')
    await expect(project.tracking.getArtifact(run.id, 'notes.txt')).rejects.toMatchObject({ code: 'ARTIFACT_TAMPERED' })
    await run.end()
  })

  it('records inputs for lineage', async () => {
    const run = await project.tracking.startRun()
    await run.logInputs([{ kind: 'snapshot', name: 'customers', ref: 'a'.repeat(64) }])
    expect((await project.tracking.getRunDetails(run.id)).inputs).toEqual([{ kind: 'snapshot', name: 'customers', ref: 'a'.repeat(64) }])
    await run.end()
  })

  it('compares runs and marks what differs', async () => {
    const a = await project.tracking.startRun({ experiment: 'cmp' })
    const b = await project.tracking.startRun({ experiment: 'cmp' })
    await a.logParams({ lr: 0.1, depth: 6 })
    await b.logParams({ lr: 0.3, depth: 6, extra: 'x' })
    await a.logMetric('auc', 0.9)
    await b.logMetric('auc', 0.9)
    await b.logMetric('nan', Number.NaN)
    const c = await project.tracking.compareRuns([a.id, b.id])
    expect(c.params).toEqual([
      { key: 'depth', values: ['6', '6'], differs: false },
      { key: 'extra', values: [null, 'x'], differs: true },
      { key: 'lr', values: ['0.1', '0.3'], differs: true },
    ])
    expect(c.metrics).toEqual([
      { key: 'auc', values: [0.9, 0.9], differs: false },
      { key: 'nan', values: [null, Number.NaN], differs: true },
    ])
  })

  it('reports an unknown experiment filter', async () => {
    await expect(project.tracking.listRuns({ experiment: 'never' })).rejects.toMatchObject({ code: 'EXPERIMENT_NOT_FOUND' })
  })
})

describe('a process that dies mid-run', () => {
  it('leaves the run running and every batch whole', async () => {
    const root = writeProject(join(dir, 'crash'))
    mkdirSync(join(root, 'scripts'))
    // logs batches of 500 points (three INSERT statements each) until it is killed
    writeFileSync(
      join(root, 'scripts', 'crash.mjs'),
      `import { openProject } from 'keel'
const project = await openProject(process.argv[2])
const run = await project.tracking.startRun({ name: 'doomed' })
await run.logParams({ lr: 0.1 })
console.log(run.id)
for (let step = 0; ; step++) {
  const values = Object.fromEntries(Array.from({ length: 500 }, (_, i) => ['m' + i, step]))
  await run.logMetrics(values, { step })
}
`,
    )
    const child = spawn(process.execPath, [join(root, 'scripts', 'crash.mjs'), root], { stdio: ['ignore', 'pipe', 'inherit'] })
    const runId = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())))
    await new Promise((r) => setTimeout(r, 400))
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    const reopened = await openProject(root)
    try {
      const details = await reopened.tracking.getRunDetails(runId)
      expect(details.run.status).toBe('running')
      expect(details.run.endTime).toBeNull()
      expect(details.params).toEqual({ lr: '0.1' })
      expect(details.metrics).toHaveLength(500)
      const steps = details.metrics.map((m) => m.history.length)
      expect(steps[0]).toBeGreaterThan(0)
      // every batch of 500 points landed whole or not at all
      expect(new Set(steps).size).toBe(1)
    } finally {
      await reopened.close()
    }
  })
})
