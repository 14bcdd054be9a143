/**
 * @module The reference a monitor compares against: sketches of every feature and of the
 * predictions on the serving version's training snapshot, computed once per version and stored.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeelError } from '../core/errors.js'
import { keelVersion } from '../core/version.js'
import { readSnapshotFrame } from '../data/snapshot-frame.js'
import { predictedClasses } from '../learn/metrics/table.js'
import { StepCache, stepKey } from '../pipeline/cache.js'
import { decodeJson, encodeJson } from '../pipeline/step.js'
import type { Project } from '../project.js'
import { sketchColumn } from './stats/frame-column.js'
import { type ColumnSketch, sketchCategorical, sketchNumeric } from './stats/sketch.js'

export interface ReferenceProfile {
  readonly model: string
  readonly version: number
  readonly snapshot: string
  readonly rows: number
  readonly task: string
  readonly classes: readonly string[]
  /** Feature → sketch, in the signature's order. */
  readonly features: Readonly<Record<string, ColumnSketch>>
  /** The model's predictions on the reference rows: labels (classification) or values. */
  readonly prediction: ColumnSketch
}

/** The reference profile of a model version, from the cache or computed from its training snapshot. */
export async function referenceProfile(project: Project, model: string, version: number): Promise<ReferenceProfile> {
  const record = await project.registry.get({ name: model, version })
  const snapshotId = ((record.details.lineage as { snapshots?: string[] } | undefined)?.snapshots ?? [])[0]
  if (snapshotId === undefined) {
    throw new KeelError('MONITOR_INVALID', `${model}@${version} has no training snapshot to compare with`, {
      hint: 'Drift needs a reference: monitor a version trained with keel train (imported models record no training data).',
    })
  }
  const cache = new StepCache(project.metadata, project.artifacts)
  const key = stepKey({
    pipeline: 'monitor',
    step: `reference:${model}@${version}`,
    version: '1',
    keelVersion: keelVersion(),
    config: null,
    inputs: { snapshot: snapshotId },
  })
  const hit = await cache.get(key)
  if (hit) return decodeJson<ReferenceProfile>(hit.bytes)
  const snapshot = await project.data.show(snapshotId)
  const scratch = await mkdtemp(join(tmpdir(), 'keel-reference-'))
  try {
    const frame = await readSnapshotFrame(project.artifacts, snapshot, scratch)
    const trained = await project.registry.loadModel({ name: model, version })
    const features = Object.fromEntries(trained.features.map((f) => [f.name, sketchColumn(frame.column(f.name))]))
    const predictions = trained.predict(frame)
    const prediction =
      predictions.task === 'regression'
        ? sketchNumeric(predictions.values)
        : sketchCategorical(Array.from(predictedClasses(predictions), (c) => predictions.classes[c] as string))
    const profile: ReferenceProfile = {
      model,
      version,
      snapshot: snapshotId,
      rows: frame.nRows,
      task: trained.task,
      classes: trained.classes,
      features,
      prediction,
    }
    await cache.put({ key, pipeline: 'monitor', step: `reference:${model}@${version}`, runId: null, details: { snapshot: snapshotId } }, encodeJson(profile))
    return profile
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}
