/** @module The pipeline step cache in portable SQL. */
import type { StepCacheEntry } from '../metadata-store.js'
import type { SqlClient } from './sql-client.js'
import { num } from './sql-shared.js'

export async function getStepCache(db: SqlClient, key: string): Promise<StepCacheEntry | undefined> {
  const [r] = await db.all('SELECT * FROM step_cache WHERE cache_key = ?', [key])
  if (r === undefined) return undefined
  return {
    key: String(r.cache_key),
    pipeline: String(r.pipeline),
    step: String(r.step),
    artifactSha256: String(r.artifact_sha256),
    runId: r.run_id === null ? null : String(r.run_id),
    createdAt: num(r.created_at),
    details: JSON.parse(String(r.details)) as Record<string, unknown>,
  }
}

export async function putStepCache(db: SqlClient, e: StepCacheEntry): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run('DELETE FROM step_cache WHERE cache_key = ?', [e.key])
    await tx.run('INSERT INTO step_cache (cache_key, pipeline, step, artifact_sha256, run_id, created_at, details) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      e.key,
      e.pipeline,
      e.step,
      e.artifactSha256,
      e.runId,
      e.createdAt,
      JSON.stringify(e.details),
    ])
  })
}
