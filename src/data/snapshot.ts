/**
 * @module Snapshots: a dataset's final rows as an immutable Parquet file in the artifact store,
 * addressed by a hash of their content, recorded with statistics, the contract report, the
 * source fingerprint and the cleaning steps, and linked to what it was made from.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import { KeelError } from '../core/errors.js'
import { sha256 } from '../core/hash.js'
import type { ArtifactStore } from '../stores/artifact-store.js'
import type { DataEngine, EngineColumn } from '../stores/data-engine.js'
import type { LineageEdge, MetadataStore, SnapshotRecord } from '../stores/metadata-store.js'
import { contractFailure } from './contracts/check.js'
import type { DatasetConfig } from './dataset.js'
import { type PreparedDataset, type PrepareOptions, prepareDataset } from './prepare.js'
import { profileColumns } from './profile/profile.js'
import type { SourceFingerprint } from './sources/load.js'
import { expr, ident, join, literal, type Sql, sql } from './sql.js'

export interface SnapshotContext {
  readonly engine: DataEngine
  readonly metadata: MetadataStore
  readonly artifacts: ArtifactStore
  readonly configHash: string | null
}

export interface SnapshotResult {
  readonly snapshot: SnapshotRecord
  /** False when an identical snapshot already existed (nothing new was stored). */
  readonly created: boolean
  readonly prepared: PreparedDataset
}

/**
 * Materializes dataset `name` as a snapshot. A contract that does not pass stops it with
 * CONTRACT_FAILED (the error carries the report as `report`) and nothing is written.
 *
 * @example
 * ```ts
 * const { snapshot, created } = await snapshotDataset(context, 'orders', datasetFrom(config.datasets, 'orders'), options)
 * ```
 */
export async function snapshotDataset(context: SnapshotContext, name: string, ds: DatasetConfig, options: PrepareOptions): Promise<SnapshotResult> {
  const { engine, metadata, artifacts } = context
  const prepared = await prepareDataset(engine, name, ds, options)
  if (!prepared.passed) {
    const report = prepared.afterCleanReport !== null && prepared.report.passed ? prepared.afterCleanReport : prepared.report
    throw Object.assign(contractFailure(name, report), { report })
  }
  const relation = sql`SELECT * FROM ${ident(prepared.relation)}`
  const schema = await engine.describe(relation)
  const { rows, contentHash } = await hashContent(engine, relation, schema)
  const id = sha256(`keel-snapshot\n${name}\n${contentHash}`).slice(0, 32)
  const existing = await metadata.getSnapshot(id)
  if (existing) return { snapshot: existing, created: false, prepared }

  const scratch = mkdtempSync(joinPath(tmpdir(), 'keel-snapshot-'))
  try {
    const dataFile = joinPath(scratch, 'data.parquet')
    await engine.run(sql`COPY (${relation}) TO ${literal(dataFile)} (FORMAT PARQUET, COMPRESSION ZSTD)`, 'writing')
    const data = await artifacts.put({ path: dataFile })
    const quarantine = await writeQuarantine(engine, prepared.quarantines, joinPath(scratch, 'quarantine.parquet'), artifacts)
    const stats = await profileColumns(engine, relation)
    const now = Date.now()
    const snapshot: SnapshotRecord = {
      id,
      dataset: name,
      createdAt: now,
      contentHash,
      rows,
      columns: schema.length,
      quarantined: prepared.report.rows.quarantined + (prepared.afterCleanReport?.rows.quarantined ?? 0),
      artifactSha256: data.sha256,
      quarantineSha256: quarantine,
      configHash: context.configHash,
      details: {
        schema,
        stats,
        report: prepared.report,
        afterCleanReport: prepared.afterCleanReport,
        source: prepared.fingerprint,
        steps: prepared.steps,
        contract: prepared.contract,
        engine: engine.backend,
      },
    }
    const created = await metadata.saveSnapshot(snapshot, lineageOf(prepared.fingerprint, id, name, now))
    return { snapshot: created ? snapshot : ((await metadata.getSnapshot(id)) as SnapshotRecord), created, prepared }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

/**
 * A hash of the rows that ignores their order and where they came from: the sum of per-row
 * hashes (so duplicates count) with the schema and the row count. The same typed data read
 * from a CSV file or a PostgreSQL table hashes the same.
 */
export async function hashContent(engine: DataEngine, relation: Sql, schema: readonly EngineColumn[]): Promise<{ rows: number; contentHash: string }> {
  const columns = schema.map((c) => ident(c.name))
  const rowHash = columns.length === 0 ? expr('0') : sql`hash(${join(columns)})`
  const { rows } = await engine.all(sql`SELECT count(*), CAST(coalesce(sum(CAST(${rowHash} AS HUGEINT)), 0) AS VARCHAR) FROM (${relation})`)
  const [count, sum] = rows[0] ?? [0, '0']
  const contentHash = sha256(JSON.stringify({ schema: schema.map((c) => [c.name, c.type]), rows: Number(count), sum: String(sum) }))
  return { rows: Number(count), contentHash }
}

async function writeQuarantine(engine: DataEngine, tables: readonly string[], path: string, artifacts: ArtifactStore): Promise<string | null> {
  if (tables.length === 0) return null
  const union = join(
    tables.map((t) => sql`SELECT * FROM ${ident(t)}`),
    expr(' UNION ALL BY NAME '),
  )
  await engine.run(sql`COPY (${union}) TO ${literal(path)} (FORMAT PARQUET, COMPRESSION ZSTD)`)
  return (await artifacts.put({ path })).sha256
}

/** Edges from what the snapshot was made of: files by content hash, queries by their text. */
function lineageOf(source: SourceFingerprint, id: string, dataset: string, at: number): LineageEdge[] {
  const edges: LineageEdge[] = [{ fromKind: 'dataset', fromId: dataset, toKind: 'snapshot', toId: id, createdAt: at }]
  const visit = (s: SourceFingerprint) => {
    for (const f of s.files ?? []) edges.push({ fromKind: 'file', fromId: `${f.sha256}:${f.path}`, toKind: 'snapshot', toId: id, createdAt: at })
    if (s.query !== undefined) edges.push({ fromKind: 'query', fromId: sha256(s.query), toKind: 'snapshot', toId: id, createdAt: at })
    for (const inner of Object.values(s.from ?? {})) visit(inner)
  }
  visit(source)
  return edges
}

/** A snapshot by id or unique id prefix (SNAPSHOT_NOT_FOUND otherwise). */
export async function findSnapshot(metadata: MetadataStore, idOrPrefix: string): Promise<SnapshotRecord> {
  const exact = await metadata.getSnapshot(idOrPrefix)
  if (exact) return exact
  const matches = idOrPrefix.length >= 4 ? await metadata.listSnapshots({ idPrefix: idOrPrefix, limit: 2 }) : []
  if (matches.length === 1) return matches[0] as SnapshotRecord
  throw new KeelError(
    'SNAPSHOT_NOT_FOUND',
    matches.length > 1
      ? `snapshot id prefix "${idOrPrefix}" is ambiguous`
      : `no snapshot ${idOrPrefix}${idOrPrefix.length < 4 ? ' (give at least 4 characters)' : ''}`,
  )
}
