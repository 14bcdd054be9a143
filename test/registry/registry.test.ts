import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Frame } from '../../src/core/frame.js'
import { learners } from '../../src/learn/learners/index.js'
import { parseModelRef, Registry } from '../../src/registry/registry.js'
import type { ArtifactStore } from '../../src/stores/artifact-store.js'
import { openFilesystemArtifactStore } from '../../src/stores/filesystem/filesystem-artifact-store.js'
import type { MetadataStore } from '../../src/stores/metadata-store.js'
import { openSqliteMetadataStore } from '../../src/stores/sqlite/sqlite-metadata-store.js'
import { tempDir } from '../helpers/temp.js'

const dir = tempDir()
let metadata: MetadataStore
let artifacts: ArtifactStore
beforeEach(async () => {
  metadata = await openSqliteMetadataStore({ path: ':memory:' })
  artifacts = await openFilesystemArtifactStore({ root: join(dir, `artifacts-${Date.now()}`) })
})
afterEach(async () => {
  await metadata.close()
  await artifacts.close()
})

const frame = new Frame({
  x: { kind: 'number', values: Float64Array.from({ length: 200 }, (_, i) => i) },
  y: { kind: 'number', values: Float64Array.from({ length: 200 }, (_, i) => (i < 100 ? 0 : 1)) },
})
const fitModel = () => learners.gbdt({ nTrees: 5, maxDepth: 2 }).fit(frame, { label: 'y', task: 'binary' })
const by = (actor: string, reason?: string) => ({ actor, at: Date.now(), ...(reason === undefined ? {} : { reason }) })

describe('Registry', () => {
  it('registers versions with signature, metrics, lineage and a model card, and loads the exact model back', async () => {
    const registry = new Registry(metadata, artifacts)
    const model = await fitModel()
    const v1 = await registry.register({
      name: 'churn',
      model,
      createdBy: 'ann',
      runId: 'run1',
      metrics: { auc: 0.97 },
      lineage: { snapshots: ['snap1'], configHash: 'c1', gitCommit: 'abc' },
      card: { intendedUse: 'Rank customers for retention calls.' },
    })
    expect(v1).toMatchObject({ name: 'churn', version: 1, status: 'pending', runId: 'run1', metrics: { auc: 0.97 } })
    expect(v1.signature).toEqual({ inputs: [{ name: 'x', kind: 'number' }], output: { task: 'binary', label: 'y', classes: ['0', '1'] } })
    const card = await registry.card('churn@1')
    expect(card).toMatch(/^# churn\n/)
    expect(card).toContain('Rank customers for retention calls.')
    expect(card).toContain('| auc | 0.97 |')
    expect(card).toContain('Training snapshots: `snap1`')
    expect(card).toMatch(/## Limitations\n\n_Not stated in the model spec._/)
    const loaded = await registry.loadModel('churn')
    expect(Array.from(loaded.predict(frame).values)).toEqual(Array.from(model.predict(frame).values))
    expect((await metadata.lineageEdges('model', 'churn@1', 'up')).map((e) => `${e.fromKind}:${e.fromId}`).sort()).toEqual(['run:run1', 'snapshot:snap1'])
    await expect(registry.get('churn@2')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' })
    await expect(registry.get('nope')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' })
  })

  it('archives a version that holds no alias; an archived version may hold no alias and is never approved again', async () => {
    const registry = new Registry(metadata, artifacts, { approval: 'manual', separateApprover: false })
    const model = await fitModel()
    for (let i = 0; i < 2; i++) await registry.register({ name: 'retired', model, createdBy: 'ann' })
    await registry.setAlias('retired', 'challenger', 1, by('ann'))
    await expect(registry.archive('retired@1', by('ann', 'old'))).rejects.toMatchObject({ code: 'MODEL_APPROVAL_REFUSED', message: /holds challenger/ })
    expect((await registry.archive('retired@2', by('ann', 'superseded'))).status).toBe('archived')
    await expect(registry.setAlias('retired', 'challenger', 2, by('ann'))).rejects.toMatchObject({ message: /is archived/ })
    await expect(registry.approve('retired@2', by('bob'))).rejects.toMatchObject({ message: /is archived/ })
    expect((await registry.audit('retired')).at(-1)).toMatchObject({
      action: 'status',
      version: 2,
      reason: 'superseded',
      details: { from: 'pending', to: 'archived' },
    })
  })

  it('lets only approved versions be champion, enforces a separate approver, and rolls champion back', async () => {
    const registry = new Registry(metadata, artifacts, { approval: 'manual', separateApprover: true })
    const model = await fitModel()
    for (let i = 0; i < 3; i++) await registry.register({ name: 'churn', model, createdBy: 'ann' })
    await expect(registry.setAlias('churn', 'champion', 1, by('bob'))).rejects.toMatchObject({ code: 'MODEL_APPROVAL_REFUSED', message: /is pending/ })
    await expect(registry.approve('churn@1', by('ann', 'mine'))).rejects.toMatchObject({ code: 'MODEL_APPROVAL_REFUSED', message: /registered by ann/ })
    await registry.approve('churn@1', by('bob', 'looks good'))
    await registry.approve('churn@2', by('bob', 'better'))
    expect(await registry.setAlias('churn', 'champion', 1, by('bob'))).toBeNull()
    expect(await registry.setAlias('churn', 'champion', 2, by('bob'))).toBe(1)
    // any version may be challenger
    await registry.setAlias('churn', 'challenger', 3, by('carol'))
    expect((await registry.get('churn@champion')).version).toBe(2)
    expect(await registry.rollback('churn', by('dave'))).toBe(1)
    expect((await registry.get('churn@champion')).version).toBe(1)
    await expect(registry.reject('churn@1', by('bob', 'bad'))).rejects.toMatchObject({ message: /is the champion/ })
    const log = await registry.audit('churn')
    expect(log.map((e) => `${e.action}:${e.version}:${e.actor}`)).toEqual([
      'register:1:ann',
      'register:2:ann',
      'register:3:ann',
      'status:1:bob',
      'status:2:bob',
      'alias:1:bob',
      'alias:2:bob',
      'alias:3:carol',
      'alias:1:dave',
    ])
    expect(log.at(-1)?.reason).toBe('rollback from version 2')
  })

  it('stores an ONNX export checked by ONNX Runtime when given rows to check on', async () => {
    const registry = new Registry(metadata, artifacts)
    const model = await fitModel()
    const v = await registry.register({ name: 'churn', model, createdBy: 'ann', checkOnnxOn: frame })
    const stored = v.details.artifacts as { onnx?: string; onnxMaxDifference?: number }
    expect(stored.onnx).toMatch(/^[0-9a-f]{64}$/)
    expect(stored.onnxMaxDifference).toBeLessThan(1e-5)
    const ort = await import('onnxruntime-node')
    const session = await ort.InferenceSession.create(await registry.artifact('churn@1', 'onnx'))
    expect(session.inputNames).toEqual(['features'])
    const plain = await registry.register({ name: 'churn', model, createdBy: 'ann' })
    await expect(registry.artifact(`churn@${plain.version}`, 'onnx')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' })
  })

  it('registers versions that passed their gates as approved under auto approval', async () => {
    const registry = new Registry(metadata, artifacts, { approval: 'auto', separateApprover: false })
    const model = await fitModel()
    expect((await registry.register({ name: 'm', model, createdBy: 'ci', gatesPassed: true })).status).toBe('approved')
    expect((await registry.register({ name: 'm', model, createdBy: 'ci', gatesPassed: false })).status).toBe('pending')
    expect((await registry.register({ name: 'm', model, createdBy: 'ci' })).status).toBe('pending')
  })

  it('parses model references', () => {
    expect(parseModelRef('churn')).toEqual({ name: 'churn' })
    expect(parseModelRef('churn@3')).toEqual({ name: 'churn', version: 3 })
    expect(parseModelRef('churn@champion')).toEqual({ name: 'churn', alias: 'champion' })
    for (const bad of ['', '@1', 'a@', 'a@b@c', '9lives']) expect(() => parseModelRef(bad)).toThrow(/not a model reference/)
  })
})
