/** @module The model registry in portable SQL: versions, their status, aliases and the audit log. */
import { KeelError } from '../../core/errors.js'
import type { Actor, AuditEntry, ModelVersion, ModelVersionStatus, NewModelVersion } from '../metadata-store.js'
import type { SqlClient, SqlValue } from './sql-client.js'
import { insertEdges } from './sql-lineage.js'
import { audit, lockModel, num } from './sql-shared.js'

export async function createModelVersion(db: SqlClient, v: NewModelVersion): Promise<ModelVersion> {
  const version = await db.transaction(async (tx) => {
    await lockModel(tx, v.name)
    const rows = await tx.all('SELECT max(version) AS v FROM model_versions WHERE name = ?', [v.name])
    const next = (rows[0]?.v === null || rows[0]?.v === undefined ? 0 : num(rows[0].v)) + 1
    await tx.run(
      `INSERT INTO model_versions (name, version, run_id, status, created_at, created_by, signature, metrics, details)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        v.name,
        next,
        v.runId,
        v.status ?? 'pending',
        v.createdAt,
        v.createdBy,
        JSON.stringify(v.signature),
        JSON.stringify(v.metrics),
        JSON.stringify(v.details),
      ],
    )
    await audit(tx, v.name, next, 'register', { actor: v.createdBy, at: v.createdAt }, { runId: v.runId, status: v.status ?? 'pending' })
    const edges = (v.lineageFrom ?? []).map((from) => ({
      fromKind: from.kind,
      fromId: from.id,
      toKind: 'model',
      toId: `${v.name}@${next}`,
      createdAt: v.createdAt,
    }))
    if (edges.length > 0) await insertEdges(tx, edges)
    return next
  })
  return (await getModelVersion(db, v.name, version)) as ModelVersion
}

export async function getModelVersion(db: SqlClient, name: string, version: number): Promise<ModelVersion | undefined> {
  return (await selectVersions(db, 'WHERE v.name = ? AND v.version = ?', [name, version]))[0]
}

export async function listModelVersions(db: SqlClient, name?: string): Promise<readonly ModelVersion[]> {
  return name === undefined ? selectVersions(db, '', []) : selectVersions(db, 'WHERE v.name = ?', [name])
}

export async function setModelVersionStatus(db: SqlClient, name: string, version: number, status: ModelVersionStatus, by: Actor): Promise<ModelVersion> {
  await db.transaction(async (tx) => {
    await lockModel(tx, name)
    const rows = await tx.all('SELECT status FROM model_versions WHERE name = ? AND version = ?', [name, version])
    if (rows[0] === undefined) throw new KeelError('MODEL_NOT_FOUND', `model ${name} has no version ${version}`)
    await tx.run('UPDATE model_versions SET status = ? WHERE name = ? AND version = ?', [status, name, version])
    await audit(tx, name, version, 'status', by, { from: String(rows[0].status), to: status })
  })
  return (await getModelVersion(db, name, version)) as ModelVersion
}

export async function setAlias(db: SqlClient, name: string, alias: string, version: number, by: Actor): Promise<number | null> {
  return db.transaction(async (tx) => {
    // one writer per model at a time, so the previous holder recorded is the one replaced
    await lockModel(tx, name)
    const exists = await tx.all('SELECT 1 FROM model_versions WHERE name = ? AND version = ?', [name, version])
    if (exists.length === 0) throw new KeelError('MODEL_NOT_FOUND', `model ${name} has no version ${version}`)
    const current = await tx.all('SELECT version FROM model_aliases WHERE name = ? AND alias = ?', [name, alias])
    const previous = current[0] === undefined ? null : num(current[0].version)
    if (previous === null) await tx.run('INSERT INTO model_aliases (name, alias, version, updated_at) VALUES (?, ?, ?, ?)', [name, alias, version, by.at])
    else await tx.run('UPDATE model_aliases SET version = ?, updated_at = ? WHERE name = ? AND alias = ?', [version, by.at, name, alias])
    await audit(tx, name, version, 'alias', by, { alias, previous })
    return previous
  })
}

export async function removeAlias(db: SqlClient, name: string, alias: string, by: Actor): Promise<number | null> {
  return db.transaction(async (tx) => {
    await lockModel(tx, name)
    const current = await tx.all('SELECT version FROM model_aliases WHERE name = ? AND alias = ?', [name, alias])
    if (current[0] === undefined) return null
    const previous = num(current[0].version)
    await tx.run('DELETE FROM model_aliases WHERE name = ? AND alias = ?', [name, alias])
    await audit(tx, name, previous, 'alias-removed', by, { alias })
    return previous
  })
}

export async function resolveAlias(db: SqlClient, name: string, alias: string): Promise<number | undefined> {
  const rows = await db.all('SELECT version FROM model_aliases WHERE name = ? AND alias = ?', [name, alias])
  return rows[0] === undefined ? undefined : num(rows[0].version)
}

export async function auditLog(db: SqlClient, name: string): Promise<readonly AuditEntry[]> {
  const rows = await db.all('SELECT * FROM model_audit WHERE name = ? ORDER BY seq', [name])
  return rows.map((r) => ({
    seq: num(r.seq),
    name: String(r.name),
    version: r.version === null ? null : num(r.version),
    action: String(r.action),
    actor: String(r.actor),
    reason: r.reason === null ? null : String(r.reason),
    at: num(r.at),
    details: JSON.parse(String(r.details)) as Record<string, unknown>,
  }))
}

async function selectVersions(db: SqlClient, where: string, params: SqlValue[]): Promise<ModelVersion[]> {
  const rows = await db.all(`SELECT v.* FROM model_versions v ${where} ORDER BY v.name, v.version DESC`, params)
  if (rows.length === 0) return []
  const names = [...new Set(rows.map((r) => String(r.name)))]
  const aliasRows = await db.all(`SELECT name, alias, version FROM model_aliases WHERE name IN (${names.map(() => '?').join(', ')}) ORDER BY alias`, names)
  const aliases = new Map<string, string[]>()
  for (const a of aliasRows) {
    const key = `${String(a.name)}@${num(a.version)}`
    aliases.set(key, [...(aliases.get(key) ?? []), String(a.alias)])
  }
  return rows.map((r) => ({
    name: String(r.name),
    version: num(r.version),
    runId: r.run_id === null ? null : String(r.run_id),
    status: String(r.status) as ModelVersionStatus,
    createdAt: num(r.created_at),
    createdBy: String(r.created_by),
    signature: JSON.parse(String(r.signature)) as Record<string, unknown>,
    metrics: JSON.parse(String(r.metrics)) as Record<string, number>,
    details: JSON.parse(String(r.details)) as Record<string, unknown>,
    aliases: aliases.get(`${String(r.name)}@${num(r.version)}`) ?? [],
  }))
}
