/** @module Dataset snapshots and the lineage edges between snapshots, runs and model versions, in portable SQL. */
import type { LineageEdge, SnapshotFilter, SnapshotRecord } from '../metadata-store.js'
import type { SqlClient, SqlRow, SqlValue } from './sql-client.js'
import { num } from './sql-shared.js'

export async function saveSnapshot(db: SqlClient, snapshot: SnapshotRecord, lineage: readonly LineageEdge[]): Promise<boolean> {
  return db.transaction(async (tx) => {
    const existing = await tx.all('SELECT id FROM snapshots WHERE id = ?', [snapshot.id])
    if (existing.length > 0) return false
    await tx.run(
      `INSERT INTO snapshots (id, dataset, created_at, content_hash, row_count, column_count, quarantined, artifact_sha256, quarantine_sha256, config_hash, details)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        snapshot.id,
        snapshot.dataset,
        snapshot.createdAt,
        snapshot.contentHash,
        snapshot.rows,
        snapshot.columns,
        snapshot.quarantined,
        snapshot.artifactSha256,
        snapshot.quarantineSha256,
        snapshot.configHash,
        JSON.stringify(snapshot.details),
      ],
    )
    await insertEdges(tx, lineage)
    return true
  })
}

export async function getSnapshot(db: SqlClient, id: string): Promise<SnapshotRecord | undefined> {
  const rows = await db.all('SELECT * FROM snapshots WHERE id = ?', [id])
  return rows[0] === undefined ? undefined : rowToSnapshot(rows[0])
}

export async function listSnapshots(db: SqlClient, filter: SnapshotFilter = {}): Promise<readonly SnapshotRecord[]> {
  const where: string[] = []
  const params: SqlValue[] = []
  if (filter.dataset !== undefined) {
    where.push('dataset = ?')
    params.push(filter.dataset)
  }
  if (filter.idPrefix !== undefined) {
    where.push('id >= ? AND id < ?')
    params.push(filter.idPrefix, `${filter.idPrefix}\u{10FFFF}`)
  }
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
  const rows = await db.all(`SELECT * FROM snapshots ${clause} ORDER BY created_at DESC, id LIMIT ?`, [...params, filter.limit ?? 1000])
  return rows.map(rowToSnapshot)
}

export async function addLineage(db: SqlClient, edges: readonly LineageEdge[]): Promise<void> {
  await db.transaction((tx) => insertEdges(tx, edges))
}

export async function lineageEdges(db: SqlClient, kind: string, id: string, direction: 'up' | 'down'): Promise<readonly LineageEdge[]> {
  const column = direction === 'up' ? 'to' : 'from'
  const rows = await db.all(
    `SELECT * FROM lineage_edges WHERE ${column}_kind = ? AND ${column}_id = ? ORDER BY created_at, from_kind, from_id, to_kind, to_id`,
    [kind, id],
  )
  return rows.map((r) => ({
    fromKind: String(r.from_kind),
    fromId: String(r.from_id),
    toKind: String(r.to_kind),
    toId: String(r.to_id),
    createdAt: num(r.created_at),
  }))
}

export async function insertEdges(tx: SqlClient, edges: readonly LineageEdge[]): Promise<void> {
  for (const e of edges) {
    const exists = await tx.all('SELECT 1 FROM lineage_edges WHERE from_kind = ? AND from_id = ? AND to_kind = ? AND to_id = ?', [
      e.fromKind,
      e.fromId,
      e.toKind,
      e.toId,
    ])
    if (exists.length === 0) {
      await tx.run('INSERT INTO lineage_edges (from_kind, from_id, to_kind, to_id, created_at) VALUES (?, ?, ?, ?, ?)', [
        e.fromKind,
        e.fromId,
        e.toKind,
        e.toId,
        e.createdAt,
      ])
    }
  }
}

function rowToSnapshot(r: SqlRow): SnapshotRecord {
  return {
    id: String(r.id),
    dataset: String(r.dataset),
    createdAt: num(r.created_at),
    contentHash: String(r.content_hash),
    rows: num(r.row_count),
    columns: num(r.column_count),
    quarantined: num(r.quarantined),
    artifactSha256: String(r.artifact_sha256),
    quarantineSha256: r.quarantine_sha256 === null ? null : String(r.quarantine_sha256),
    configHash: r.config_hash === null ? null : String(r.config_hash),
    details: JSON.parse(String(r.details)) as Record<string, unknown>,
  }
}
