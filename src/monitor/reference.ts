/**
 * @module The reference a monitor compares against: sketches of every feature and of the
 * predictions on the serving version's training data — its training snapshot, or for a model
 * trained on feature views its training set (the entity rows with the features joined point in
 * time) — computed once per version and stored.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeelError } from '../core/errors.js'
import type { Frame } from '../core/frame.js'
import { keelVersion } from '../core/version.js'
import { readSnapshotFrame } from '../data/snapshot-frame.js'
import { predictedClasses } from '../learn/metrics/table.js'
import type { Model } from '../learn/model.js'
import { StepCache, stepKey } from '../pipeline/cache.js'
import { decodeJson, encodeJson } from '../pipeline/step.js'
import type { Project } from '../project.js'
import { type TrainedView, trainedViews } from '../serve/features.js'
import { sketchColumn } from './stats/frame-column.js'
import { type ColumnSketch, sketchCategorical, sketchNumeric } from './stats/sketch.js'
import { trainingSetRef, type VersionTrainingSet, versionTrainingSet } from './training-set.js'

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
  /**
   * For a model trained on feature views: the training set the sketches come from (`features`
   * under the signature's input names), read from the step cache or recomputed from the lineage.
   */
  readonly trainingSet?: { readonly id: string; readonly from: VersionTrainingSet['from'] }
}

/**
 * The reference profile of a model version, from the cache or computed from its training snapshot
 * (for a model trained on feature views, from its training set: see `versionTrainingSet`).
 */
export async function referenceProfile(project: Project, model: string, version: number): Promise<ReferenceProfile> {
  const record = await project.registry.get({ name: model, version })
  const snapshotId = ((record.details.lineage as { snapshots?: string[] } | undefined)?.snapshots ?? [])[0]
  if (snapshotId === undefined) {
    throw new KeelError('MONITOR_INVALID', `${model}@${version} has no training snapshot to compare with`, {
      hint: 'Drift needs a reference: monitor a version trained with keel train (imported models record no training data).',
    })
  }
  const views = trainedViews(record)
  const cache = new StepCache(project.metadata, project.artifacts)
  // a feature-view model's reference also depends on its training set; every other key is as it always was
  const inputs = views.length === 0 ? { snapshot: snapshotId } : { snapshot: snapshotId, trainingSet: trainingSetRef(record).id }
  const key = stepKey({
    pipeline: 'monitor',
    step: `reference:${model}@${version}`,
    version: '1',
    keelVersion: keelVersion(),
    config: null,
    inputs,
  })
  const hit = await cache.get(key)
  if (hit) return decodeJson<ReferenceProfile>(hit.bytes)
  const scratch = await mkdtemp(join(tmpdir(), 'keel-reference-'))
  try {
    const loadModel = () => project.registry.loadModel({ name: model, version })
    let profile: ReferenceProfile
    if (views.length === 0) {
      const frame = await readSnapshotFrame(project.artifacts, await project.data.show(snapshotId), scratch)
      const trained = await loadModel()
      profile = { model, version, snapshot: snapshotId, ...sketches(trained, frame) }
    } else {
      const set = await versionTrainingSet(project, record, scratch)
      const trained = await loadModel()
      const frame = asInputs(set, views, trained)
      profile = { model, version, snapshot: snapshotId, ...sketches(trained, frame), trainingSet: { id: set.id, from: set.from } }
    }
    await cache.put({ key, pipeline: 'monitor', step: `reference:${model}@${version}`, runId: null, details: { snapshot: snapshotId } }, encodeJson(profile))
    return profile
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

/** Sketches of every input of `trained` and of its predictions on `frame`. */
function sketches(trained: Model, frame: Frame): Omit<ReferenceProfile, 'model' | 'version' | 'snapshot' | 'trainingSet'> {
  const features = Object.fromEntries(trained.features.map((f) => [f.name, sketchColumn(frame.column(f.name))]))
  const predictions = trained.predict(frame)
  const prediction =
    predictions.task === 'regression'
      ? sketchNumeric(predictions.values)
      : sketchCategorical(Array.from(predictedClasses(predictions), (c) => predictions.classes[c] as string))
  return { rows: frame.nRows, task: trained.task, classes: trained.classes, features, prediction }
}

/**
 * The training set with each view feature under the input name the signature gives it — the name
 * the prediction log records the served (online) value under.
 */
function asInputs(set: VersionTrainingSet, views: readonly TrainedView[], trained: Model): Frame {
  let frame = set.frame
  const inputs = new Set(trained.features.map((f) => f.name))
  for (const view of views) {
    for (const { feature, input } of view.features) {
      const column = set.columns.find((c) => c.view === view.view && c.feature === feature)?.column ?? feature
      if (inputs.has(input) && column !== input) frame = frame.with(input, frame.column(column))
    }
  }
  return frame
}
