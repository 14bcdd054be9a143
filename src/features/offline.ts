/**
 * @module Offline feature values: point in time, executed on the data engine over a fresh
 * snapshot of each view's source dataset (identical data finds the snapshot already stored, so
 * the values are reproducible and the snapshot id is recorded) — or, when the source is only a
 * PostgreSQL query and no snapshot is pinned, on PostgreSQL itself (`postgres/pushdown.ts`), the
 * query and its transaction recorded instead. `valuesAsOf` is what materialization writes;
 * `historicalFeatures` builds training sets.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import type { Frame } from '../core/frame.js'
import { readFrame } from '../data/readers/read-frame.js'
import { ident, join, literal, type Sql, sql } from '../data/sql.js'
import type { Project } from '../project.js'
import type { DataEngine, EngineResult, EngineValue } from '../stores/data-engine.js'
import type { SnapshotRecord } from '../stores/metadata-store.js'
import { type ResolvedFeatureView, resolveFeatureRefs } from './feature-view.js'
import { epochMicros, LAST_EVENT, pointInTimeQuery, ROW } from './point-in-time.js'
import { answerOnPostgres, type PushedDownRead, postgresSourceOf } from './postgres/pushdown.js'

export type { PushedDownRead } from './postgres/pushdown.js'

/** One entity's values at a time: what the online store keeps per key. */
export interface FeatureRow {
  /** The key values in `view.entities` order. */
  readonly key: readonly (string | number)[]
  /** The entity's latest event at or before the time asked, epoch ms. */
  readonly eventAt: number
  /** Feature name → value; all null when the latest event is older than the view's TTL. */
  readonly values: Readonly<Record<string, number | string | boolean | null>>
}

/**
 * The latest values of every entity as of `asOf` (what materialization writes); with `since`,
 * only entities with an event in (since, asOf]. Values follow the point-in-time rules of
 * `historicalFeatures` at `asOf`, so offline and online agree; an entity whose latest event is
 * older than the TTL comes back with its `eventAt` and every value null.
 *
 * @example
 * ```ts
 * const view = featureViewFrom(project.config.featureViews, 'customer')
 * const rows = await valuesAsOf(project, view, Date.parse('2024-06-01T00:00:00Z'))
 * rows[0] // { key: [42], eventAt: 1717150000000, values: { spend_30d: 120.5, orders_7d: 2 } }
 * ```
 */
export async function valuesAsOf(project: Project, view: ResolvedFeatureView, asOf: number, options?: { since?: number }): Promise<FeatureRow[]> {
  return withScratch(project, async (engine, scratch) => {
    const features = view.features.map((feature) => ({ feature, column: feature.name }))
    const pushed = postgresSourceOf(project.config, view)
    if (pushed !== null) {
      const asks = options?.since === undefined ? { asOf } : { asOf, since: options.since }
      await answerOnPostgres(engine, pushed, { view, features, asks, into: 'keel_answers' })
      return featureRows(view, await engine.all(sql`SELECT * FROM keel_answers ORDER BY ${ident(ROW)}`))
    }
    const { events } = await viewEvents(project, view, scratch)
    const [described] = (await engine.describe(events)).filter((c) => c.name === view.timestamp)
    const t = epochMicros(ident(view.timestamp), described?.type ?? 'TIMESTAMP', `the source of feature view "${view.name}"`)
    const keys = join(view.entities.map((k) => ident(k)))
    const since = options?.since === undefined ? sql`` : sql` HAVING max(${t}) > ${Math.round(options.since * 1000)}`
    const entities = sql`SELECT ${keys}, ${asOf}::BIGINT AS __keel_as_of, row_number() OVER () AS ${ident(ROW)}
      FROM (${events}) WHERE ${t} <= ${Math.round(asOf * 1000)} GROUP BY ${keys}${since}`
    const query = await pointInTimeQuery(engine, { view, features, events, entities, entityTime: '__keel_as_of' })
    return featureRows(view, await engine.all(query))
  })
}

function featureRows(view: ResolvedFeatureView, { columns, rows }: EngineResult): FeatureRow[] {
  const at = (name: string) => columns.findIndex((c) => c.name === name)
  const keyAt = view.entities.map(at)
  const valueAt = view.features.map((f) => [f.name, at(f.name)] as const)
  const lastAt = at(LAST_EVENT)
  return rows.map((r) => ({
    key: keyAt.map((i) => keyValue(r[i] ?? null)),
    eventAt: Number(r[lastAt]),
    values: Object.fromEntries(valueAt.map(([name, i]) => [name, plainValue(r[i] ?? null)])),
  }))
}

/** What a training set was built from: the snapshots read and the view versions used. */
export interface TrainingSetLineage {
  /** The entity rows' snapshot. */
  readonly entities: string
  /** Dataset → the snapshot its events came from. */
  readonly sources: Readonly<Record<string, string>>
  /** View name → the version whose definition computed its columns. */
  readonly views: Readonly<Record<string, string>>
  /** View name → its entity key columns. */
  readonly entitiesOf: Readonly<Record<string, readonly string[]>>
  /** Output column → the view and feature it holds. */
  readonly columns: readonly { readonly column: string; readonly view: string; readonly feature: string }[]
  /**
   * View name → the PostgreSQL query its values were computed on, for views pushed down to
   * PostgreSQL (their source has no snapshot in `sources`); absent when none was.
   */
  readonly pushedDown?: Readonly<Record<string, PushedDownRead>>
}

/** A request for point-in-time feature values next to entity rows. */
export interface HistoricalRequest {
  /** The views and their features (resolved by `resolveFeatureRefs`); each becomes a column under its feature name. */
  readonly views: readonly { readonly view: ResolvedFeatureView; readonly features: readonly ResolvedFeatureView['features'][number][] }[]
  /** The entity rows' time column (a timestamp, a date, or epoch ms): values are as of this time. */
  readonly entityTime: string
}

/** A snapshot as far as reading it goes. */
export type SnapshotRef = Pick<SnapshotRecord, 'id' | 'artifactSha256'>

/**
 * Writes entity rows (a snapshot with the views' key columns and `entityTime`) joined with the
 * features point in time to `output` (Parquet), row order kept. The views' sources are read
 * from `sources` (dataset → snapshot) when given there; else a source that is only a PostgreSQL
 * query is computed on PostgreSQL (recorded in `pushedDown`), any other from a fresh snapshot.
 */
export async function writeTrainingSet(
  project: Project,
  request: HistoricalRequest,
  entities: SnapshotRef,
  output: string,
  sources: Readonly<Record<string, SnapshotRef>> = {},
): Promise<TrainingSetLineage & { readonly rows: number }> {
  return withScratch(project, async (engine, scratch) => {
    const entityFile = joinPath(scratch, 'entities.parquet')
    await project.artifacts.download(entities.artifactSha256, entityFile)
    let current = 'keel_entities'
    await engine.run(
      sql`CREATE TABLE keel_entities AS SELECT *, file_row_number AS ${ident(ROW)} FROM read_parquet(${literal(entityFile)}, file_row_number = true)`,
    )
    await engine.run(sql`ALTER TABLE keel_entities DROP COLUMN file_row_number`)
    const read: Record<string, string> = {}
    const pinned = sources
    const views: Record<string, string> = {}
    const entitiesOf: Record<string, readonly string[]> = {}
    const columns: TrainingSetLineage['columns'][number][] = []
    const pushedDown: Record<string, PushedDownRead> = {}
    for (const [i, { view, features }] of request.views.entries()) {
      views[view.name] = view.version
      entitiesOf[view.name] = view.entities
      const wanted = features.map((feature) => ({ feature, column: feature.name }))
      const entityRows = sql`SELECT * FROM ${ident(current)}`
      const next = `keel_step_${i}`
      const onPostgres = pinned[view.source] === undefined ? postgresSourceOf(project.config, view) : null
      if (onPostgres !== null) {
        const answers = `keel_answers_${i}`
        const asks = { rows: entityRows, entityTime: request.entityTime }
        pushedDown[view.name] = await answerOnPostgres(engine, onPostgres, { view, features: wanted, asks, into: answers })
        const values = join(wanted.map((f) => sql`a.${ident(f.column)}`))
        await engine.run(
          sql`CREATE TABLE ${ident(next)} AS SELECT e.*, ${values} FROM ${ident(current)} e LEFT JOIN ${ident(answers)} a USING (${ident(ROW)})`,
          `features: ${view.name}`,
        )
      } else {
        const { events, snapshot } = await viewEvents(project, view, scratch, pinned[view.source])
        read[view.source] = snapshot.id
        const query = await pointInTimeQuery(engine, { view, features: wanted, events, entities: entityRows, entityTime: request.entityTime })
        await engine.run(sql`CREATE TABLE ${ident(next)} AS SELECT * EXCLUDE (${ident(LAST_EVENT)}) FROM (${query})`, `features: ${view.name}`)
      }
      current = next
      columns.push(...features.map((f) => ({ column: f.name, view: view.name, feature: f.name })))
    }
    await engine.run(
      sql`COPY (SELECT * EXCLUDE (${ident(ROW)}) FROM ${ident(current)} ORDER BY ${ident(ROW)}) TO ${literal(output)} (FORMAT PARQUET, COMPRESSION ZSTD)`,
    )
    const { rows } = await engine.all(sql`SELECT count(*) FROM ${ident(current)}`)
    const lineage = { entities: entities.id, sources: read, views, entitiesOf, columns, rows: Number(rows[0]?.[0] ?? 0) }
    return Object.keys(pushedDown).length === 0 ? lineage : { ...lineage, pushedDown }
  })
}

/**
 * Point-in-time feature values for the rows of dataset `entities` (snapshotted first): each row
 * keeps its columns and gains the features as of its `entityTime`. For exploration and custom
 * training; `keel train` does the same for models that name features.
 *
 * @example
 * ```ts
 * const { frame, lineage } = await historicalFeatures(project, { entities: 'labels', entityTime: 'event_time', features: ['customer:spend_30d'] })
 * frame.column('spend_30d')
 * ```
 */
export async function historicalFeatures(
  project: Project,
  request: { readonly entities: string; readonly entityTime: string; readonly features: readonly string[] },
): Promise<{ readonly frame: Frame; readonly lineage: TrainingSetLineage }> {
  const { snapshot } = await project.data.snapshot(request.entities)
  const scratch = await mkdtemp(joinPath(tmpdir(), 'keel-features-'))
  try {
    const file = joinPath(scratch, 'training-set.parquet')
    const views = resolveFeatureRefs(project.config.featureViews, request.features)
    const { rows: _rows, ...lineage } = await writeTrainingSet(project, { views, entityTime: request.entityTime }, snapshot, file)
    return { frame: await readFrame(file, { format: 'parquet' }), lineage }
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

/** The view's events: `pinned`, or a fresh snapshot of its source dataset, staged in `scratch`. */
async function viewEvents(project: Project, view: ResolvedFeatureView, scratch: string, pinned?: SnapshotRef): Promise<{ events: Sql; snapshot: SnapshotRef }> {
  const snapshot = pinned ?? (await project.data.snapshot(view.source)).snapshot
  const file = joinPath(scratch, `${snapshot.id}.parquet`)
  await project.artifacts.download(snapshot.artifactSha256, file)
  return { events: sql`SELECT * FROM read_parquet(${literal(file)})`, snapshot }
}

async function withScratch<T>(project: Project, use: (engine: DataEngine, scratch: string) => Promise<T>): Promise<T> {
  const scratch = await mkdtemp(joinPath(tmpdir(), 'keel-features-'))
  const engine = await project.data.openEngine()
  try {
    return await use(engine, scratch)
  } finally {
    await engine.close()
    await rm(scratch, { recursive: true, force: true })
  }
}

function keyValue(v: EngineValue): string | number {
  if (typeof v === 'number' || typeof v === 'string') return v
  return String(v)
}

function plainValue(v: EngineValue): number | string | boolean | null {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()
  return v
}
