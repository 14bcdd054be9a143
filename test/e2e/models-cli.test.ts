import type { SpawnSyncReturns } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runKeel } from '../helpers/cli.js'
import { REPO_ROOT, writeProject } from '../helpers/project.js'
import { tempDir } from '../helpers/temp.js'

function keel(args: string[], cwd: string, user = 'trainer'): SpawnSyncReturns<string> {
  return runKeel(args, cwd, { KEEL_USER: user })
}

function json<T>(result: SpawnSyncReturns<string>): T {
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout) as T
}

const REGISTER = `import { Frame, learners, openProject } from 'keel'
const project = await openProject()
const x = Float64Array.from({ length: 300 }, (_, i) => i)
const frame = new Frame({ x: { kind: 'number', values: x }, y: { kind: 'number', values: x.map((v) => (v < 150 ? 0 : 1)) } })
const model = await learners.gbdt({ nTrees: 3, maxDepth: 2 }).fit(frame, { label: 'y', task: 'binary' })
await project.registry.register({ name: 'churn', model, createdBy: 'trainer', metrics: { auc: 0.9 } })
await project.registry.register({ name: 'churn', model, createdBy: 'trainer', metrics: { auc: 0.92 }, runId: 'run-7', lineage: { snapshots: ['snap-3f9a'] }, checkOnnxOn: frame })
await project.close()
`

describe('keel models (built CLI, real project)', () => {
  const dir = writeProject(tempDir('keel-models-e2e-'), "{ name: 'models-e2e', registry: { approval: 'manual', separateApprover: true } }")
  writeFileSync(join(dir, 'register.ts'), REGISTER)

  it('lists, approves (by someone else), moves champion, rolls back, prints cards and the audit log', () => {
    const registered = keel(['exec', 'register.ts'], dir)
    expect(registered.stderr).toBe('')
    expect(registered.status).toBe(0)
    const list = json<{ version: number; status: string }[]>(keel(['models', 'list', '--json'], dir))
    expect(list.map((v) => [v.version, v.status])).toEqual([
      [2, 'pending'],
      [1, 'pending'],
    ])
    const refused = keel(['models', 'alias', 'churn', 'champion', '1'], dir)
    expect(refused.status).toBe(2)
    expect(refused.stderr).toMatch(/^error MODEL_APPROVAL_REFUSED: churn@1 is pending; only an approved version may be champion/)
    const self = keel(['models', 'approve', 'churn@1', '--reason', 'mine'], dir)
    expect(self.stderr).toMatch(/^error MODEL_APPROVAL_REFUSED: churn@1 was registered by trainer/)
    for (const v of ['1', '2'])
      expect(json<{ status: string }>(keel(['models', 'approve', `churn@${v}`, '--reason', 'reviewed', '--json'], dir, 'bob')).status).toBe('approved')
    expect(json<{ previous: number | null }>(keel(['models', 'alias', 'churn', 'champion', '1', '--json'], dir, 'bob')).previous).toBeNull()
    expect(json<{ previous: number | null }>(keel(['models', 'alias', 'churn', 'champion', '2', '--json'], dir, 'bob')).previous).toBe(1)
    expect(json<{ version: number }>(keel(['models', 'rollback', 'churn', '--reason', 'latency', '--json'], dir, 'ops')).version).toBe(1)
    expect(json<{ version: number; aliases: string[] }>(keel(['models', 'show', 'churn@champion', '--json'], dir))).toMatchObject({
      version: 1,
      aliases: ['champion'],
    })
    const compared = json<{ metrics: { metric: string; a: number; b: number; difference: number }[]; inputs: { onlyA: string[]; onlyB: string[] } }>(
      keel(['models', 'compare', 'churn@1', 'churn@2', '--json'], dir),
    )
    expect(compared.metrics).toEqual([{ metric: 'auc', a: 0.9, b: 0.92, difference: expect.closeTo(0.02, 12) }])
    expect(compared.inputs).toEqual({ onlyA: [], onlyB: [] })
    const card = keel(['models', 'card', 'churn@2'], dir)
    expect(card.stdout).toMatch(/^# churn\n/)
    expect(card.stdout).toContain('| auc | 0.92 |')
    const log = json<{ action: string; actor: string; reason: string | null }[]>(keel(['models', 'audit', 'churn', '--json'], dir))
    expect(log.map((e) => `${e.action}/${e.actor}`)).toEqual([
      'register/trainer',
      'register/trainer',
      'status/bob',
      'status/bob',
      'alias/bob',
      'alias/bob',
      'alias/ops',
    ])
    expect(log.at(-1)?.reason).toBe('latency')
    // any alias but champion can be removed, audited
    keel(['models', 'alias', 'churn', 'staging', '2'], dir, 'ops')
    expect(keel(['models', 'alias', 'churn', 'staging', '--remove'], dir, 'ops').stdout).toBe('churn@staging removed (was 2)\n')
    expect(json<{ aliases: string[] }>(keel(['models', 'show', 'churn@2', '--json'], dir)).aliases).toEqual([])
    const unremovable = keel(['models', 'alias', 'churn', 'champion', '--remove'], dir, 'ops')
    expect(unremovable.status).toBe(64)
    expect(unremovable.stderr).toMatch(/^error CLI_USAGE: the champion alias can be moved but not removed/)
    const lineage = json<{ kind: string; id: string; upstream: { kind: string; id: string }[] }>(keel(['lineage', 'churn@2', '--json'], dir))
    expect(lineage).toMatchObject({ kind: 'model', id: 'churn@2' })
    expect(lineage.upstream.map((u) => `${u.kind}:${u.id}`).sort()).toEqual(['run:run-7', 'snapshot:snap-3f9a'])
    expect(keel(['lineage', 'churn@2'], dir).stdout).toBe('model churn@2\n  ← run run-7\n  ← snapshot snap-3f9a\n')
    const exported = json<{ bytes: number }>(keel(['models', 'export', 'churn@2', '--format', 'onnx', '--out', 'churn.onnx', '--json'], dir))
    expect(exported.bytes).toBeGreaterThan(100)
    expect(readFileSync(join(dir, 'churn.onnx')).length).toBe(exported.bytes)
    const noOnnx = keel(['models', 'export', 'churn@1', '--out', 'x.onnx'], dir)
    expect(noOnnx.stderr).toMatch(/^error MODEL_NOT_FOUND: churn@1 has no onnx artifact/)
    const gc = json<{ dryRun: boolean; scanned: number; referenced: number; removed: unknown[] }>(keel(['gc', '--dry-run', '--min-age', '0s', '--json'], dir))
    expect(gc).toMatchObject({ dryRun: true, scanned: 2, referenced: 2, removed: [] })
    const imported = json<{ name: string; version: number }>(
      keel(
        ['models', 'import', join(REPO_ROOT, 'test', 'fixtures', 'xgboost-models', 'binary.json'), '--name', 'from-python', '--label', 'churned', '--json'],
        dir,
      ),
    )
    expect(imported).toMatchObject({ name: 'from-python', version: 1 })
    expect(
      json<{ signature: { inputs: { name: string }[] } }>(keel(['models', 'show', 'from-python', '--json'], dir)).signature.inputs.map((i) => i.name),
    ).toEqual(['f0', 'f1', 'f2', 'f3', 'f4'])
    const usage = keel(['models', 'approve', 'churn', '--reason', 'x'], dir)
    expect(usage.stderr).toMatch(/^error CLI_USAGE: approve needs an exact version: churn@<version>/)
    const champion = keel(['models', 'archive', 'churn@1', '--reason', 'old'], dir, 'ops')
    expect(champion.stderr).toMatch(/^error MODEL_APPROVAL_REFUSED: churn@1 holds champion/)
    expect(json<{ status: string }>(keel(['models', 'archive', 'churn@2', '--reason', 'superseded', '--json'], dir, 'ops')).status).toBe('archived')
  })
})
