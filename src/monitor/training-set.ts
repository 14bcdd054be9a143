/**
 * @module The training set of a model version trained on feature views — its entity rows with
 * the point-in-time feature values joined, as training saw them: the `features` step's output
 * that the version's lineage names in the step cache, or, when that is gone, the same join rebuilt
 * from the snapshots and view versions the lineage records.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { KeelError, toKeelError } from '../core/errors.js'
import type { Frame } from '../core/frame.js'
import { readFrame } from '../data/readers/read-frame.js'
import { resolveFeatureRefs } from '../features/feature-view.js'
import { type TrainingSetLineage, writeTrainingSet } from '../features/offline.js'
import { StepCache } from '../pipeline/cache.js'
import { decodeTrainingSet } from '../pipeline/train/steps.js'
import type { Project } from '../project.js'
import type { TrainingSetRef } from '../registry/registry.js'
import type { ModelVersion } from '../stores/metadata-store.js'

/** A version's training set, read into memory. */
export interface VersionTrainingSet {
  readonly id: string
  readonly frame: Frame
  /** Output column → the view and feature it holds. */
  readonly columns: TrainingSetLineage['columns']
  /** `cache`: the training run's own output; `recomputed`: rebuilt from the lineage. */
  readonly from: 'cache' | 'recomputed'
}

interface FeatureLineage {
  readonly snapshots?: readonly string[]
  readonly featureViews?: Readonly<Record<string, string>>
  readonly trainingSet?: TrainingSetRef
}

/** The training set the lineage of `record` names; MONITOR_INVALID when it records none. */
export function trainingSetRef(record: ModelVersion): TrainingSetRef {
  const ref = (record.details.lineage as FeatureLineage | undefined)?.trainingSet
  if (ref === undefined) {
    throw new KeelError('MONITOR_INVALID', `${record.name}@${record.version} was trained on feature views but its lineage records no training set`, {
      hint: 'Versions registered before Keel recorded `lineage.trainingSet` have no reference for drift; retrain (keel train) to monitor drift.',
    })
  }
  return ref
}

/**
 * Reads the training set of `record` (trained on feature views), staging files in `scratch`
 * (a directory the caller removes). MONITOR_INVALID when it is neither cached nor rebuildable.
 */
export async function versionTrainingSet(project: Project, record: ModelVersion, scratch: string): Promise<VersionTrainingSet> {
  const ref = trainingSetRef(record)
  const file = join(scratch, `training-set-${ref.id}.parquet`)
  const hit = await new StepCache(project.metadata, project.artifacts).get(ref.cacheKey)
  if (hit !== undefined) {
    const set = decodeTrainingSet(hit.bytes)
    await writeFile(file, set.parquet)
    return { id: ref.id, frame: await readFrame(file, { format: 'parquet' }), columns: set.lineage.columns, from: 'cache' }
  }
  try {
    const columns = await rebuild(project, record, ref, file)
    return { id: ref.id, frame: await readFrame(file, { format: 'parquet' }), columns, from: 'recomputed' }
  } catch (error) {
    throw new KeelError(
      'MONITOR_INVALID',
      `the training set of ${record.name}@${record.version} is no longer in the step cache and cannot be rebuilt: ${toKeelError(error).message}`,
      { hint: 'Restore the feature view definitions and snapshots the version was trained with, or retrain (keel train) to monitor drift.' },
    )
  }
}

/** The same point-in-time join as training: the recorded snapshots, the recorded view versions (which must still be the config's). */
async function rebuild(project: Project, record: ModelVersion, ref: TrainingSetRef, file: string): Promise<TrainingSetLineage['columns']> {
  const lineage = record.details.lineage as FeatureLineage
  const trained = lineage.featureViews ?? {}
  const views = resolveFeatureRefs(project.config.featureViews, ref.features)
  for (const { view } of views) {
    if (trained[view.name] !== view.version) {
      throw new KeelError(
        'MONITOR_INVALID',
        `feature view "${view.name}" is now version ${view.version.slice(0, 16)}; the model was trained with version ${(trained[view.name] ?? 'none').slice(0, 16)}, whose definition keel.config.ts no longer holds`,
      )
    }
  }
  const entities = await project.data.show((lineage.snapshots ?? [])[0] as string)
  const sources = Object.fromEntries(
    await Promise.all(Object.entries(ref.sources).map(async ([dataset, id]) => [dataset, await project.data.show(id)] as const)),
  )
  const built = await writeTrainingSet(project, { views, entityTime: ref.entityTime }, entities, file, sources)
  if (built.rows !== ref.rows) throw new KeelError('MONITOR_INVALID', `rebuilt ${built.rows} rows where training had ${ref.rows}`)
  return built.columns
}
