/** @module The artifacts the SQL metadata store still refers to, so that garbage collection keeps them. */
import type { SqlClient } from './sql-client.js'

export async function referencedArtifacts(db: SqlClient): Promise<ReadonlySet<string>> {
  const refs = new Set<string>()
  for (const r of await db.all('SELECT artifact_sha256 FROM step_cache')) refs.add(String(r.artifact_sha256))
  for (const r of await db.all('SELECT sha256 FROM run_artifacts')) refs.add(String(r.sha256))
  for (const r of await db.all('SELECT artifact_sha256, quarantine_sha256 FROM snapshots')) {
    refs.add(String(r.artifact_sha256))
    if (r.quarantine_sha256 !== null) refs.add(String(r.quarantine_sha256))
  }
  for (const r of await db.all('SELECT details FROM model_versions')) {
    const artifacts = (JSON.parse(String(r.details)) as { artifacts?: Record<string, unknown> }).artifacts ?? {}
    for (const value of Object.values(artifacts)) if (typeof value === 'string' && /^[0-9a-f]{64}$/.test(value)) refs.add(value)
  }
  return refs
}
