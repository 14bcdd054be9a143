import { describe, expect, it } from 'vitest'
import { newId } from '../../src/core/ids.js'
import type { MetricPoint, Run } from '../../src/core/types.js'
import type { MetadataStore, NewRun, PredictionRecord } from '../../src/stores/metadata-store.js'
import { disposedAfterEach, type Skip, skippable } from '../helpers/fresh.js'

export interface OpenedStore {
  readonly store: MetadataStore
  /** Closes the store and removes what it created. */
  readonly dispose: () => Promise<void>
}

export type { Skip }

/** A logged prediction of model m, version 1, with plain values; tests set what they look at. */
function prediction(id: string, at: number, fields: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    id,
    deployment: 'd',
    model: 'm',
    version: 1,
    alias: 'champion',
    at,
    inputs: null,
    inputsHash: 'h',
    output: '1',
    latencyMs: 1,
    fallback: false,
    shadow: null,
    sampleRate: 1,
    ...fields,
  }
}

/**
 * The behaviour every MetadataStore backend must have. `open` returns a new,
 * empty store each time.
 */
export function describeMetadataStore(name: string, open: () => Promise<OpenedStore>, skip: readonly Skip[] = []): void {
  describe(`MetadataStore contract: ${name}`, () => {
    const openDisposed = disposedAfterEach(open)
    const fresh = async () => (await openDisposed()).store
    const test = skippable(skip)
    let clock = 1_700_000_000_000
    const newRun = async (store: MetadataStore, overrides: Partial<NewRun> = {}): Promise<Run> => {
      const exp = await store.ensureExperiment(overrides.experimentId ?? 'exp', newId(), clock)
      clock += 1000
      return store.createRun({
        id: newId(clock),
        experimentId: exp.id,
        name: 'r',
        startTime: clock,
        parentRunId: null,
        gitCommit: null,
        gitDirty: null,
        configHash: null,
        tags: {},
        ...overrides,
        ...(overrides.experimentId === undefined ? {} : { experimentId: exp.id }),
      })
    }
    const point = (key: string, value: number, step: number, timestamp = 1): MetricPoint => ({ key, value, step, timestamp })

    test('creates an experiment once and returns it again by name', async () => {
      const store = await fresh()
      const a = await store.ensureExperiment('churn', newId(), 1)
      const b = await store.ensureExperiment('churn', newId(), 2)
      expect(b).toEqual(a)
      expect(await store.getExperiment('churn')).toEqual(a)
      expect(await store.getExperiment('missing')).toBeUndefined()
      expect((await store.listExperiments()).map((e) => e.name)).toEqual(['churn'])
    })

    test('concurrent ensureExperiment calls agree on one experiment', async () => {
      const store = await fresh()
      const all = await Promise.all(Array.from({ length: 8 }, (_, i) => store.ensureExperiment('same', newId(), i)))
      expect(new Set(all.map((e) => e.id)).size).toBe(1)
    })

    test('round-trips every field of a run', async () => {
      const store = await fresh()
      const exp = await store.ensureExperiment('e', newId(), 1)
      const input: NewRun = {
        id: newId(),
        experimentId: exp.id,
        name: 'trial 1',
        startTime: 1_700_000_000_123,
        parentRunId: null,
        gitCommit: 'a'.repeat(40),
        gitDirty: true,
        configHash: 'b'.repeat(64),
        tags: { owner: 'ana', 'team/area': 'risk' },
      }
      const created = await store.createRun(input)
      const expected: Run = { ...input, experimentName: 'e', status: 'running', endTime: null }
      expect(created).toEqual(expected)
      expect(await store.getRun(input.id)).toEqual(expected)
      expect(await store.getRun('nope')).toBeUndefined()
    })

    test('refuses a run whose parent does not exist', async () => {
      const store = await fresh()
      await expect(newRun(store, { parentRunId: 'missing' })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' })
    })

    test('lists runs newest first, filtered by experiment, status, parent and id prefix', async () => {
      const store = await fresh()
      const a = await newRun(store, { experimentId: 'one' })
      const b = await newRun(store, { experimentId: 'two' })
      const c = await newRun(store, { experimentId: 'one', parentRunId: a.id })
      await store.endRun(b.id, 'failed', clock)
      expect((await store.listRuns()).map((r) => r.id)).toEqual([c.id, b.id, a.id])
      expect((await store.listRuns({ experimentId: a.experimentId })).map((r) => r.id)).toEqual([c.id, a.id])
      expect((await store.listRuns({ status: 'failed' })).map((r) => r.id)).toEqual([b.id])
      expect((await store.listRuns({ parentRunId: a.id })).map((r) => r.id)).toEqual([c.id])
      expect((await store.listRuns({ idPrefix: c.id.slice(0, 20) })).map((r) => r.id)).toEqual([c.id])
      expect(await store.listRuns({ idPrefix: 'zzzz' })).toEqual([])
      expect(await store.listRuns({ limit: 2 })).toHaveLength(2)
    })

    test('keeps params immutable: the same value again is fine, another value is a conflict', async () => {
      const store = await fresh()
      const run = await newRun(store)
      await store.logBatch(run.id, { params: { lr: '0.1', depth: '6' } })
      await store.logBatch(run.id, { params: { lr: '0.1' } })
      await expect(store.logBatch(run.id, { params: { lr: '0.2' } })).rejects.toMatchObject({ code: 'PARAM_CONFLICT' })
      expect((await store.getRunData(run.id)).params).toEqual({ depth: '6', lr: '0.1' })
    })

    test('applies a batch atomically: a conflict anywhere stores nothing of it', async () => {
      const store = await fresh()
      const run = await newRun(store)
      await store.logBatch(run.id, { params: { lr: '0.1' } })
      const batch = { metrics: [point('loss', 1, 0)], tags: { t: 'x' }, params: { a: '1', lr: '0.5' } }
      await expect(store.logBatch(run.id, batch)).rejects.toMatchObject({ code: 'PARAM_CONFLICT' })
      const data = await store.getRunData(run.id)
      expect(data.metrics).toEqual([])
      expect(data.params).toEqual({ lr: '0.1' })
      expect((await store.getRun(run.id))?.tags).toEqual({})
    })

    test('keeps the full metric history in step order and reports the latest point', async () => {
      const store = await fresh()
      const run = await newRun(store)
      await store.logBatch(run.id, { metrics: [point('loss', 0.9, 0, 10), point('loss', 0.5, 2, 30), point('loss', 0.7, 1, 20)] })
      // same step, later timestamp wins; same step and timestamp, later write wins
      await store.logBatch(run.id, { metrics: [point('auc', 0.6, 5, 100), point('auc', 0.7, 5, 200), point('auc', 0.8, 5, 200)] })
      const history = await store.getMetricHistory(run.id, 'loss')
      expect(history.map((p) => [p.step, p.value])).toEqual([
        [0, 0.9],
        [1, 0.7],
        [2, 0.5],
      ])
      const latest = (await store.getRunData(run.id)).metrics
      expect(latest).toEqual([point('auc', 0.8, 5, 200), point('loss', 0.5, 2, 30)])
    })

    test('stores NaN and infinities exactly', async () => {
      const store = await fresh()
      const run = await newRun(store)
      await store.logBatch(run.id, { metrics: [point('nan', Number.NaN, 0), point('pinf', Number.POSITIVE_INFINITY, 0)] })
      await store.logBatch(run.id, { metrics: [point('ninf', Number.NEGATIVE_INFINITY, 0)] })
      await store.logBatch(run.id, { metrics: [point('nan1', Number.NaN, 0)] })
      const values = Object.fromEntries((await store.getRunData(run.id)).metrics.map((m) => [m.key, m.value]))
      expect(values).toEqual({ nan: Number.NaN, nan1: Number.NaN, pinf: Number.POSITIVE_INFINITY, ninf: Number.NEGATIVE_INFINITY })
    })

    test('stores a large metric batch whole', async () => {
      const store = await fresh()
      const run = await newRun(store)
      const points = Array.from({ length: 2_345 }, (_, i) => point('loss', 1 / (i + 1), i, i))
      await store.logBatch(run.id, { metrics: points })
      const history = await store.getMetricHistory(run.id, 'loss')
      expect(history).toHaveLength(2_345)
      expect(history[2_344]).toEqual(points[2_344])
    })

    test('stores every write of many concurrent batches', async () => {
      const store = await fresh()
      const run = await newRun(store)
      await Promise.all(Array.from({ length: 40 }, (_, i) => store.logBatch(run.id, { metrics: [point('m', i, i)], params: { [`p${i}`]: String(i) } })))
      expect(await store.getMetricHistory(run.id, 'm')).toHaveLength(40)
      expect(Object.keys((await store.getRunData(run.id)).params)).toHaveLength(40)
    })

    test('upserts tags, also after the run ended; other data after the end is refused', async () => {
      const store = await fresh()
      const run = await newRun(store, { tags: { stage: 'dev' } })
      await store.logBatch(run.id, { tags: { stage: 'review', note: 'x' } })
      expect(await store.endRun(run.id, 'finished', clock + 5)).toBe(true)
      await store.logBatch(run.id, { tags: { note: 'after' } })
      expect((await store.getRun(run.id))?.tags).toEqual({ note: 'after', stage: 'review' })
      await expect(store.logBatch(run.id, { metrics: [point('late', 1, 0)] })).rejects.toMatchObject({ code: 'RUN_NOT_ACTIVE' })
      await expect(store.logBatch(run.id, { params: { late: '1' } })).rejects.toMatchObject({ code: 'RUN_NOT_ACTIVE' })
    })

    test('ends a run once', async () => {
      const store = await fresh()
      const run = await newRun(store)
      expect(await store.endRun(run.id, 'failed', 99)).toBe(true)
      expect(await store.endRun(run.id, 'finished', 100)).toBe(false)
      expect(await store.getRun(run.id)).toMatchObject({ status: 'failed', endTime: 99 })
      await expect(store.endRun('missing', 'finished', 1)).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' })
    })

    test('reports writes to an unknown run', async () => {
      const store = await fresh()
      await expect(store.logBatch('missing', { params: { a: '1' } })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' })
      await expect(store.logBatch('missing', { metrics: [point('a', 1, 0)] })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' })
      await expect(store.getRunData('missing')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' })
    })

    test('records artifacts by name once; the same name with other content is refused', async () => {
      const store = await fresh()
      const run = await newRun(store)
      const a = { name: 'model/a.bin', sha256: 'a'.repeat(64), size: 3, createdAt: 5 }
      await store.logBatch(run.id, { artifacts: [a] })
      await store.logBatch(run.id, { artifacts: [a] })
      await expect(store.logBatch(run.id, { artifacts: [{ ...a, sha256: 'b'.repeat(64) }] })).rejects.toMatchObject({ code: 'ARTIFACT_EXISTS' })
      expect((await store.getRunData(run.id)).artifacts).toEqual([a])
    })

    test('records inputs for lineage without duplicates', async () => {
      const store = await fresh()
      const run = await newRun(store)
      const input = { kind: 'snapshot', name: 'customers', ref: 'c'.repeat(64) }
      await store.logBatch(run.id, { inputs: [input, input] })
      await store.logBatch(run.id, { inputs: [input, { kind: 'run', name: 'parent', ref: 'x' }] })
      expect((await store.getRunData(run.id)).inputs).toEqual([{ kind: 'run', name: 'parent', ref: 'x' }, input])
    })

    test('refuses use after close', async () => {
      const store = await fresh()
      await store.close()
      await expect(store.listRuns()).rejects.toMatchObject({ code: 'STORE_CLOSED' })
      await store.close()
    })

    it('stores a snapshot once, finds it by id and dataset, and keeps its lineage edges', async () => {
      const store = await fresh()
      const snapshot = {
        id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
        dataset: 'orders',
        createdAt: 1_700_000_000_000,
        contentHash: 'f'.repeat(64),
        rows: 120,
        columns: 4,
        quarantined: 3,
        artifactSha256: 'e'.repeat(64),
        quarantineSha256: null,
        configHash: 'c'.repeat(64),
        details: { schema: [{ name: 'id', type: 'BIGINT' }], report: { passed: true }, nested: { n: 1.5, s: 'ü "quoted"' } },
      }
      const edges = [
        { fromKind: 'file', fromId: 'd'.repeat(64), toKind: 'snapshot', toId: snapshot.id, createdAt: 1 },
        { fromKind: 'file', fromId: 'b'.repeat(64), toKind: 'snapshot', toId: snapshot.id, createdAt: 1 },
      ]
      expect(await store.saveSnapshot(snapshot, edges)).toBe(true)
      // the same id again writes nothing, not even new edges
      expect(await store.saveSnapshot({ ...snapshot, rows: 999 }, [{ ...edges[0], fromId: 'x' } as (typeof edges)[number]])).toBe(false)
      expect(await store.getSnapshot(snapshot.id)).toEqual(snapshot)
      expect(await store.getSnapshot('nope')).toBeUndefined()
      const later = { ...snapshot, id: 'b'.repeat(32), createdAt: snapshot.createdAt + 5, dataset: 'customers' }
      await store.saveSnapshot(later, [])
      expect((await store.listSnapshots()).map((s) => s.id)).toEqual([later.id, snapshot.id])
      expect((await store.listSnapshots({ dataset: 'orders' })).map((s) => s.id)).toEqual([snapshot.id])
      expect((await store.listSnapshots({ idPrefix: 'a1b2' })).map((s) => s.id)).toEqual([snapshot.id])
      const up = await store.lineageEdges('snapshot', snapshot.id, 'up')
      expect(up.map((e) => e.fromId).sort()).toEqual(['b'.repeat(64), 'd'.repeat(64)])
      await store.addLineage([{ fromKind: 'snapshot', fromId: snapshot.id, toKind: 'run', toId: 'run1', createdAt: 2 }])
      await store.addLineage([{ fromKind: 'snapshot', fromId: snapshot.id, toKind: 'run', toId: 'run1', createdAt: 3 }])
      expect(await store.lineageEdges('snapshot', snapshot.id, 'down')).toEqual([
        { fromKind: 'snapshot', fromId: snapshot.id, toKind: 'run', toId: 'run1', createdAt: 2 },
      ])
    })

    it('numbers model versions per name, keeps their data, statuses and an append-only audit log', async () => {
      const store = await fresh()
      const base = {
        runId: null,
        createdAt: 100,
        createdBy: 'ann',
        signature: { inputs: [{ name: 'x', type: 'number' }] },
        metrics: { auc: 0.91 },
        details: { card: '# churn' },
      }
      const v1 = await store.createModelVersion({ ...base, name: 'churn' })
      const v2 = await store.createModelVersion({ ...base, name: 'churn', metrics: { auc: 0.93 } })
      const other = await store.createModelVersion({ ...base, name: 'fraud' })
      expect([v1.version, v2.version, other.version]).toEqual([1, 2, 1])
      expect(v1).toMatchObject({ name: 'churn', status: 'pending', aliases: [], signature: base.signature, details: base.details })
      expect(await store.getModelVersion('churn', 3)).toBeUndefined()
      expect((await store.listModelVersions('churn')).map((v) => v.version)).toEqual([2, 1])
      expect(await store.listModelVersions()).toHaveLength(3)
      const approved = await store.setModelVersionStatus('churn', 2, 'approved', { actor: 'bob', reason: 'beats champion', at: 200 })
      expect(approved.status).toBe('approved')
      await expect(store.setModelVersionStatus('churn', 9, 'approved', { actor: 'bob', at: 201 })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' })
      const log = await store.auditLog('churn')
      expect(log.map((e) => [e.action, e.version, e.actor, e.reason, e.details])).toEqual([
        ['register', 1, 'ann', null, { runId: null, status: 'pending' }],
        ['register', 2, 'ann', null, { runId: null, status: 'pending' }],
        ['status', 2, 'bob', 'beats champion', { from: 'pending', to: 'approved' }],
      ])
    })

    it('moves aliases atomically, returning and auditing the previous holder, even when changes race', async () => {
      const store = await fresh()
      const base = { name: 'churn', runId: null, createdAt: 1, createdBy: 'ann', signature: {}, metrics: {}, details: {} }
      // registrations racing each other still get distinct, consecutive numbers
      const created = await Promise.all(Array.from({ length: 4 }, () => store.createModelVersion(base)))
      expect(created.map((v) => v.version).sort()).toEqual([1, 2, 3, 4])
      expect(await store.setAlias('churn', 'champion', 1, { actor: 'ann', at: 10 })).toBeNull()
      expect(await store.setAlias('churn', 'champion', 2, { actor: 'bob', reason: 'better', at: 11 })).toBe(1)
      expect(await store.resolveAlias('churn', 'champion')).toBe(2)
      expect((await store.getModelVersion('churn', 2))?.aliases).toEqual(['champion'])
      await expect(store.setAlias('churn', 'champion', 7, { actor: 'bob', at: 12 })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' })
      // 12 concurrent moves: every one is recorded, each replacing the one before it, none lost
      await Promise.all(Array.from({ length: 12 }, (_, i) => store.setAlias('churn', 'challenger', (i % 4) + 1, { actor: `w${i}`, at: 100 + i })))
      const moves = (await store.auditLog('churn')).filter((e) => e.action === 'alias' && e.details.alias === 'challenger')
      expect(moves).toHaveLength(12)
      expect(moves[0]?.details.previous).toBeNull()
      for (let i = 1; i < moves.length; i++) expect(moves[i]?.details.previous).toBe(moves[i - 1]?.version)
      expect(await store.resolveAlias('churn', 'challenger')).toBe(moves.at(-1)?.version)
      // removing: returns and audits the holder; a second removal finds nothing
      const holder = await store.resolveAlias('churn', 'challenger')
      expect(await store.removeAlias('churn', 'challenger', { actor: 'ops', reason: 'canary ended', at: 200 })).toBe(holder)
      expect(await store.resolveAlias('churn', 'challenger')).toBeUndefined()
      expect((await store.getModelVersion('churn', holder as number))?.aliases).not.toContain('challenger')
      expect((await store.auditLog('churn')).at(-1)).toMatchObject({
        action: 'alias-removed',
        version: holder,
        actor: 'ops',
        reason: 'canary ended',
        details: { alias: 'challenger' },
      })
      expect(await store.removeAlias('churn', 'challenger', { actor: 'ops', at: 201 })).toBeNull()
      expect(await store.resolveAlias('churn', 'champion')).toBe(2)
    })

    it('lists every artifact a run, a snapshot or a model version refers to', async () => {
      const store = await fresh()
      const run = await newRun(store)
      const h = (c: string) => c.repeat(64)
      await store.logBatch(run.id, { artifacts: [{ name: 'model.bin', sha256: h('1'), size: 3, createdAt: 1 }] })
      const snapshot = { id: 's1', dataset: 'd', createdAt: 1, contentHash: h('f'), rows: 1, columns: 1, quarantined: 0, configHash: null, details: {} }
      await store.saveSnapshot({ ...snapshot, artifactSha256: h('2'), quarantineSha256: h('3') }, [])
      await store.saveSnapshot({ ...snapshot, id: 's2', artifactSha256: h('4'), quarantineSha256: null }, [])
      await store.createModelVersion({
        name: 'm',
        runId: null,
        createdAt: 1,
        createdBy: 'a',
        signature: {},
        metrics: {},
        details: { artifacts: { native: h('5'), nativeSize: 9 } },
      })
      await store.putStepCache({ key: 'k', pipeline: 'train:m', step: 'fit', artifactSha256: h('6'), runId: null, createdAt: 1, details: {} })
      expect([...(await store.referencedArtifacts())].sort()).toEqual(['1', '2', '3', '4', '5', '6'].map(h))
    })

    it('writes a model version and its lineage in one transaction', async () => {
      const store = await fresh()
      const base = { name: 'churn', runId: 'r1', createdAt: 5, createdBy: 'ann', signature: {}, metrics: {}, details: {} }
      const v = await store.createModelVersion({
        ...base,
        lineageFrom: [
          { kind: 'snapshot', id: 's1' },
          { kind: 'run', id: 'r1' },
        ],
      })
      expect((await store.lineageEdges('model', `churn@${v.version}`, 'up')).map((e) => `${e.fromKind}:${e.fromId}`).sort()).toEqual(['run:r1', 'snapshot:s1'])
    })

    it('logs predictions, joins feedback by id and reports unknown ids', async () => {
      const store = await fresh()
      const record = (id: string, at: number) =>
        prediction(id, at, { deployment: 'churn', model: 'churn', version: 2, inputs: '{"x":1}', output: '0.7', latencyMs: 0.25 })
      await store.logPredictions(Array.from({ length: 450 }, (_, i) => record(`p${i}`, i)))
      await store.logPredictions([{ ...record('other', 999), deployment: 'fraud', fallback: true, shadow: '{"challenger":0.1}' }])
      expect(await store.countPredictions('churn')).toBe(450)
      expect(await store.countPredictions()).toBe(451)
      const [newest] = await store.listPredictions({ deployment: 'fraud', limit: 1 })
      expect(newest).toEqual({ ...record('other', 999), deployment: 'fraud', fallback: true, shadow: '{"challenger":0.1}' })
      expect((await store.listPredictions({ deployment: 'churn', limit: 2 })).map((p) => p.id)).toEqual(['p449', 'p448'])
      const result = await store.recordFeedback([
        { predictionId: 'p1', label: '1', at: 5 },
        { predictionId: 'nope', label: '0', at: 5 },
      ])
      expect(result).toEqual({ recorded: 1, unknown: ['nope'] })
      await store.recordFeedback([{ predictionId: 'p1', label: '0', at: 6 }])
      expect(await store.getFeedback('p1')).toEqual({ predictionId: 'p1', label: '0', at: 6 })
    })

    it('reads a window of predictions row by row with feedback, and one input column at a time', async () => {
      const store = await fresh()
      const row = (id: string, at: number, inputs: string | null) => prediction(id, at, { inputs, output: '{"label":"yes"}', latencyMs: 1.5 })
      await store.logPredictions([
        row('a', 10, '{"x":1.5,"city":"Oslo","flag":true}'),
        row('b', 20, '{"x":-2,"city":null,"flag":false}'),
        row('c', 30, null),
        row('d', 40, '{"x":3}'),
        { ...row('e', 25, '{"x":9}'), deployment: 'other' },
      ])
      await store.recordFeedback([{ predictionId: 'b', label: '"no"', at: 50 }])
      const window = { deployment: 'd', since: 10, until: 40 }
      expect((await store.windowRows(window)).map((r) => [r.id, r.label])).toEqual([
        ['a', null],
        ['b', '"no"'],
        ['c', null],
      ])
      expect(await store.windowColumn(window, 'x')).toEqual([1.5, -2, null])
      expect(await store.windowColumn(window, 'city')).toEqual(['Oslo', null, null])
      expect(await store.windowColumn(window, 'flag')).toEqual([true, false, null])
      expect(await store.windowColumn({ ...window, until: 41 }, 'missing')).toEqual([null, null, null, null])
      // several fields in one scan, a page at a time, the same values as column by column
      const pages: (readonly (number | string | boolean | null)[])[][] = []
      const fields = ['x', 'city', 'flag', 'missing']
      expect(await store.windowInputs({ ...window, until: 41 }, fields, (columns) => pages.push([...columns]), 2)).toBe(4)
      expect(pages.map((p) => p[0]?.length)).toEqual([2, 2])
      for (const [k, f] of fields.entries()) {
        expect(pages.flatMap((p) => p[k] ?? [])).toEqual(await store.windowColumn({ ...window, until: 41 }, f))
      }
    })

    it('reads a count window: the newest predictions by time then id, the same rows row by row and column by column', async () => {
      const store = await fresh()
      const row = (id: string, at: number, x: number) => prediction(id, at, { inputs: JSON.stringify({ x }) })
      // five predictions share t=20 and arrive out of id order; ids order them within the timestamp
      await store.logPredictions([
        row('p07', 20, 7),
        row('p01', 10, 1),
        row('p09', 30, 9),
        row('p05', 20, 5),
        row('p03', 20, 3),
        row('p06', 20, 6),
        row('p04', 20, 4),
        row('p02', 10, 2),
        row('p10', 40, 10),
        { ...row('q01', 35, 99), deployment: 'other' },
      ])
      const ids = async (w: { since: number; until: number; last?: number }) => (await store.windowRows({ deployment: 'd', ...w })).map((r) => r.id)
      const xs = async (w: { since: number; until: number; last?: number }) => store.windowColumn({ deployment: 'd', ...w }, 'x')
      // the newest four before t=40 cut through the predictions at t=20
      expect(await ids({ since: 0, until: 40, last: 4 })).toEqual(['p05', 'p06', 'p07', 'p09'])
      expect(await xs({ since: 0, until: 40, last: 4 })).toEqual([5, 6, 7, 9])
      // pages cut through the predictions that share a timestamp without losing or repeating one
      for (const pageSize of [1, 2, 3, 100]) {
        const seen: unknown[] = []
        const n = await store.windowInputs({ deployment: 'd', since: 0, until: 100, last: 7 }, ['x'], ([x]) => seen.push(...(x ?? [])), pageSize)
        expect(n).toBe(7)
        expect(seen).toEqual(await xs({ since: 0, until: 100, last: 7 }))
      }
      for (const last of [1, 2, 3, 5, 6, 7, 20]) {
        const w = { since: 0, until: 100, last }
        const rows = await ids(w)
        expect(rows).toHaveLength(Math.min(last, 9))
        expect(await xs(w)).toEqual(rows.map((id) => Number(id.slice(1))))
      }
      // with a time bound too: at most `last`, all inside [since, until)
      expect(await ids({ since: 20, until: 100, last: 20 })).toEqual(['p03', 'p04', 'p05', 'p06', 'p07', 'p09', 'p10'])
      expect(await ids({ since: 25, until: 100, last: 1 })).toEqual(['p10'])
      expect(await ids({ since: 0, until: 100 })).toHaveLength(9)
    })

    it('stores monitor results, alert states and alert events', async () => {
      const store = await fresh()
      await store.saveMonitorResult({ monitor: 'm', at: 10, windowStart: 0, windowEnd: 10, result: '{"a":1}' })
      await store.saveMonitorResult({ monitor: 'm', at: 20, windowStart: 10, windowEnd: 20, result: '{"a":2}' })
      expect((await store.listMonitorResults('m')).map((r) => r.result)).toEqual(['{"a":2}', '{"a":1}'])
      expect(await store.listMonitorResults('m', 1)).toHaveLength(1)
      expect(await store.getAlertState('m', 'drift')).toBeUndefined()
      await store.setAlertState({ monitor: 'm', alert: 'drift', state: 'pending', since: 5, updatedAt: 5 })
      await store.setAlertState({ monitor: 'm', alert: 'drift', state: 'firing', since: 9, updatedAt: 9 })
      expect(await store.getAlertState('m', 'drift')).toEqual({ monitor: 'm', alert: 'drift', state: 'firing', since: 9, updatedAt: 9 })
      await store.addAlertEvent({ monitor: 'm', alert: 'drift', at: 9, event: 'firing', details: { share: 0.6 } })
      expect(await store.listAlertEvents('m')).toEqual([{ monitor: 'm', alert: 'drift', at: 9, event: 'firing', details: { share: 0.6 } }])
      await store.addAlertEvent({ monitor: 'm', alert: 'drift', at: 12, event: 'resolved', details: {} })
      await store.addAlertEvent({ monitor: 'm', alert: 'latency', at: 15, event: 'fired', details: {} })
      await store.addAlertEvent({ monitor: 'm', alert: 'drift', at: 20, event: 'fired', details: {} })
      await store.addAlertEvent({ monitor: 'other', alert: 'drift', at: 21, event: 'fired', details: {} })
      const picked = async (filter: Parameters<MetadataStore['listAlertEvents']>[1]) =>
        (await store.listAlertEvents('m', filter)).map((e) => `${e.alert}:${e.event}@${e.at}`)
      expect(await picked({ event: 'fired' })).toEqual(['latency:fired@15', 'drift:fired@20'])
      expect(await picked({ alert: 'drift', since: 12 })).toEqual(['drift:resolved@12', 'drift:fired@20'])
      expect(await picked({ alert: 'drift', event: 'fired', since: 21 })).toEqual([])
    })

    it('keeps one routing override per model, audited, and tokens by hash until revoked', async () => {
      const store = await fresh()
      expect(await store.getRouting('churn')).toBeUndefined()
      await store.setRouting('churn', { champion: 90, challenger: 10 }, { actor: 'ann', at: 1, reason: 'canary' })
      await store.setRouting('churn', { champion: 50, challenger: 50 }, { actor: 'bob', at: 2 })
      expect(await store.getRouting('churn')).toEqual({ model: 'churn', traffic: { champion: 50, challenger: 50 }, updatedAt: 2, actor: 'bob' })
      await store.setRouting('churn', null, { actor: 'bob', at: 3 })
      expect(await store.getRouting('churn')).toBeUndefined()
      const log = (await store.auditLog('churn')).filter((e) => e.action === 'routing')
      expect(log.map((e) => e.details.traffic)).toEqual([{ champion: 90, challenger: 10 }, { champion: 50, challenger: 50 }, null])
      expect(log[1]?.details.previous).toEqual({ champion: 90, challenger: 10 })
      // 12 concurrent changes (canaries and their ends): none fails, each replaces the one before it
      const shares = Array.from({ length: 12 }, (_, i) => (i % 3 === 2 ? null : { champion: 100 - i, challenger: i }))
      await Promise.all(shares.map((traffic, i) => store.setRouting('racing', traffic, { actor: `w${i}`, at: 100 + i })))
      const changes = (await store.auditLog('racing')).filter((e) => e.action === 'routing')
      expect(changes).toHaveLength(12)
      expect(changes[0]?.details.previous).toBeNull()
      for (let i = 1; i < changes.length; i++) expect(changes[i]?.details.previous).toEqual(changes[i - 1]?.details.traffic)
      expect((await store.getRouting('racing'))?.traffic ?? null).toEqual(changes.at(-1)?.details.traffic)
      const token = { id: 't1', name: 'ci', role: 'predict' as const, hash: 'f'.repeat(64), createdAt: 1, revokedAt: null }
      await store.createToken(token)
      expect(await store.findToken('f'.repeat(64))).toEqual(token)
      expect(await store.revokeToken('t1', 9)).toBe(true)
      expect(await store.revokeToken('t1', 10)).toBe(false)
      expect(await store.findToken('f'.repeat(64))).toBeUndefined()
      expect((await store.listTokens())[0]?.revokedAt).toBe(9)
    })

    it('lets one scheduler claim each due run of a schedule, even when claims race', async () => {
      const store = await fresh()
      expect(await store.lastScheduleRun('nightly')).toBeUndefined()
      const claims = await Promise.all(['a', 'b', 'c', 'd'].map((owner) => store.claimScheduleRun('nightly', 1000, owner, 1)))
      expect(claims.filter(Boolean)).toHaveLength(1)
      expect(await store.claimScheduleRun('nightly', 2000, 'b', 2)).toBe(true)
      await store.finishScheduleRun('nightly', 2000, 'failed', 'boom', 3)
      expect(await store.lastScheduleRun('nightly')).toEqual({
        schedule: 'nightly',
        dueAt: 2000,
        owner: 'b',
        claimedAt: 2,
        status: 'failed',
        finishedAt: 3,
        error: 'boom',
      })
    })

    it('caches step outputs by key, the newer entry replacing the older', async () => {
      const store = await fresh()
      expect(await store.getStepCache('abc')).toBeUndefined()
      const entry = {
        key: 'abc',
        pipeline: 'train:churn',
        step: 'fit:gbdt',
        artifactSha256: 'a'.repeat(64),
        runId: 'r1',
        createdAt: 10,
        details: { score: 0.9 },
      }
      await store.putStepCache(entry)
      expect(await store.getStepCache('abc')).toEqual(entry)
      await store.putStepCache({ ...entry, artifactSha256: 'b'.repeat(64), runId: null, createdAt: 11 })
      expect(await store.getStepCache('abc')).toMatchObject({ artifactSha256: 'b'.repeat(64), runId: null, createdAt: 11 })
    })

    it('registers feature view versions once each and lists them newest first', async () => {
      const store = await fresh()
      expect(await store.listFeatureViewVersions()).toEqual([])
      const first = { name: 'customer', version: 'a'.repeat(64), definition: { entities: ['id'], ttlMs: null }, createdAt: 10, createdBy: 'ann' }
      expect(await store.registerFeatureViewVersion(first)).toBe(true)
      // the same version again writes nothing, whoever registers it
      expect(await store.registerFeatureViewVersion({ ...first, createdAt: 11, createdBy: 'bob' })).toBe(false)
      const second = { ...first, version: 'b'.repeat(64), definition: { entities: ['id'], ttlMs: 1000 }, createdAt: 20 }
      await store.registerFeatureViewVersion(second)
      await store.registerFeatureViewVersion({ ...first, name: 'store', createdAt: 15 })
      expect(await store.listFeatureViewVersions('customer')).toEqual([second, first])
      expect((await store.listFeatureViewVersions()).map((v) => [v.name, v.createdAt])).toEqual([
        ['customer', 20],
        ['store', 15],
        ['customer', 10],
      ])
      expect(await store.listFeatureViewVersions('nope')).toEqual([])
    })
  })
}
