/** @module Feature view versions in portable SQL (the metadata store's `feature_view_versions` table). */
import type { FeatureViewVersionRecord } from '../metadata-store.js'
import type { SqlClient, SqlRow } from './sql-client.js'

export async function registerFeatureViewVersion(db: SqlClient, r: FeatureViewVersionRecord): Promise<boolean> {
  const changed = await db.run(
    `INSERT INTO feature_view_versions (name, version, definition, created_at, created_by) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (name, version) DO NOTHING`,
    [r.name, r.version, JSON.stringify(r.definition), r.createdAt, r.createdBy],
  )
  return changed > 0
}

export async function listFeatureViewVersions(db: SqlClient, name?: string): Promise<FeatureViewVersionRecord[]> {
  const rows =
    name === undefined
      ? await db.all('SELECT * FROM feature_view_versions ORDER BY created_at DESC, name, version')
      : await db.all('SELECT * FROM feature_view_versions WHERE name = ? ORDER BY created_at DESC, version', [name])
  return rows.map(rowToFeatureViewVersion)
}

function rowToFeatureViewVersion(r: SqlRow): FeatureViewVersionRecord {
  return {
    name: String(r.name),
    version: String(r.version),
    definition: JSON.parse(String(r.definition)) as Record<string, unknown>,
    createdAt: Number(r.created_at),
    createdBy: String(r.created_by),
  }
}
