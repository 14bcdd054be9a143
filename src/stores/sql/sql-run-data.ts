/** @module What is logged to a run in portable SQL: params, metrics, artifacts and inputs (tags live with the run). */
import { KeelError } from '../../core/errors.js'
import type { MetricPoint, RunArtifact, RunData, RunInput } from '../../core/types.js'
import type { RunBatch } from '../metadata-store.js'
import type { SqlClient, SqlRow, SqlValue } from './sql-client.js'
import { runExists, runStatus, upsertTags } from './sql-runs.js'
import { num } from './sql-shared.js'

export async function logBatch(db: SqlClient, runId: string, batch: RunBatch): Promise<void> {
  const only = batch.metrics?.length === 1 && !batch.params && !batch.tags && !batch.artifacts && !batch.inputs ? batch.metrics[0] : undefined
  if (only !== undefined && (await logOneMetric(db, runId, only))) return
  await db.transaction(async (tx) => {
    const status = await runStatus(tx, runId)
    if (status === undefined) throw new KeelError('RUN_NOT_FOUND', `no run with id ${runId}`)
    const onlyTags = !batch.params && !batch.metrics?.length && !batch.artifacts?.length && !batch.inputs?.length
    if (status !== 'running' && !onlyTags) throw new KeelError('RUN_NOT_ACTIVE', `run ${runId} has ended (${status})`)
    if (batch.params) await insertParams(tx, runId, batch.params)
    if (batch.metrics) await insertMetrics(tx, runId, batch.metrics)
    if (batch.tags) await upsertTags(tx, runId, batch.tags)
    if (batch.artifacts) await insertArtifacts(tx, runId, batch.artifacts)
    if (batch.inputs) await insertInputs(tx, runId, batch.inputs)
  })
}

export async function getRunData(db: SqlClient, runId: string): Promise<RunData> {
  if (!(await runExists(db, runId))) throw new KeelError('RUN_NOT_FOUND', `no run with id ${runId}`)
  const [params, metrics, artifacts, inputs] = await Promise.all([
    db.all('SELECT key, value FROM run_params WHERE run_id = ? ORDER BY key', [runId]),
    db.all(
      // latest point per key: highest step, then latest timestamp, then last written
      `SELECT m.key, m.value, m.is_nan, m.step, m.timestamp FROM run_metrics m
       WHERE m.run_id = ? AND NOT EXISTS (
         SELECT 1 FROM run_metrics n WHERE n.run_id = m.run_id AND n.key = m.key AND
           (n.step > m.step OR (n.step = m.step AND (n.timestamp > m.timestamp OR (n.timestamp = m.timestamp AND n.seq > m.seq)))))
       ORDER BY m.key`,
      [runId],
    ),
    db.all('SELECT name, sha256, size, created_at FROM run_artifacts WHERE run_id = ? ORDER BY name', [runId]),
    db.all('SELECT kind, name, ref FROM run_inputs WHERE run_id = ? ORDER BY kind, name, ref', [runId]),
  ])
  return {
    params: Object.fromEntries(params.map((r) => [String(r.key), String(r.value)])),
    metrics: metrics.map(rowToMetric),
    artifacts: artifacts.map(rowToArtifact),
    inputs: inputs.map((r): RunInput => ({ kind: String(r.kind), name: String(r.name), ref: String(r.ref) })),
  }
}

export async function getMetricHistory(db: SqlClient, runId: string, key: string): Promise<readonly MetricPoint[]> {
  const rows = await db.all('SELECT key, value, is_nan, step, timestamp FROM run_metrics WHERE run_id = ? AND key = ? ORDER BY step, timestamp, seq', [
    runId,
    key,
  ])
  return rows.map(rowToMetric)
}

/**
 * The common case, one metric point, as one conditional statement instead of
 * a four-statement transaction. False when the run is missing or ended; the
 * caller's transactional path then reports which.
 */
async function logOneMetric(db: SqlClient, runId: string, m: MetricPoint): Promise<boolean> {
  const { bigint, double } = db.dialect.types
  const nan = Number.isNaN(m.value)
  const changed = await db.run(
    `INSERT INTO run_metrics (run_id, key, step, timestamp, value, is_nan)
     SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS ${bigint}), CAST(? AS ${bigint}), CAST(? AS ${double}), CAST(? AS INTEGER)
     WHERE EXISTS (SELECT 1 FROM runs WHERE id = ? AND status = 'running')`,
    [runId, m.key, m.step, m.timestamp, nan ? null : m.value, nan ? 1 : 0, runId],
  )
  return changed === 1
}

async function insertParams(tx: SqlClient, runId: string, params: Readonly<Record<string, string>>): Promise<void> {
  for (const [key, value] of Object.entries(params)) {
    const inserted = await tx.run('INSERT INTO run_params (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO NOTHING', [runId, key, value])
    if (inserted > 0) continue
    const existing = await tx.all<{ value: string }>('SELECT value FROM run_params WHERE run_id = ? AND key = ?', [runId, key])
    if (existing[0]?.value !== value) {
      throw new KeelError(
        'PARAM_CONFLICT',
        `param "${key}" of run ${runId} is already ${JSON.stringify(existing[0]?.value)}; cannot change it to ${JSON.stringify(value)}`,
      )
    }
  }
}

const METRIC_CHUNK = 200 // rows per multi-row INSERT: well under both engines' bound-parameter limits

async function insertMetrics(tx: SqlClient, runId: string, metrics: readonly MetricPoint[]): Promise<void> {
  for (let i = 0; i < metrics.length; i += METRIC_CHUNK) {
    const chunk = metrics.slice(i, i + METRIC_CHUNK)
    const params: SqlValue[] = []
    for (const m of chunk) {
      const nan = Number.isNaN(m.value)
      params.push(runId, m.key, m.step, m.timestamp, nan ? null : m.value, nan ? 1 : 0)
    }
    const values = chunk.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')
    await tx.run(`INSERT INTO run_metrics (run_id, key, step, timestamp, value, is_nan) VALUES ${values}`, params)
  }
}

async function insertArtifacts(tx: SqlClient, runId: string, artifacts: readonly RunArtifact[]): Promise<void> {
  for (const a of artifacts) {
    const inserted = await tx.run(
      'INSERT INTO run_artifacts (run_id, name, sha256, size, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, name) DO NOTHING',
      [runId, a.name, a.sha256, a.size, a.createdAt],
    )
    if (inserted > 0) continue
    const existing = await tx.all<{ sha256: string }>('SELECT sha256 FROM run_artifacts WHERE run_id = ? AND name = ?', [runId, a.name])
    if (existing[0]?.sha256 !== a.sha256) {
      throw new KeelError('ARTIFACT_EXISTS', `run ${runId} already has an artifact named "${a.name}" with other content`)
    }
  }
}

async function insertInputs(tx: SqlClient, runId: string, inputs: readonly RunInput[]): Promise<void> {
  for (const i of inputs) {
    await tx.run('INSERT INTO run_inputs (run_id, kind, name, ref) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', [runId, i.kind, i.name, i.ref])
  }
}

function rowToMetric(r: SqlRow): MetricPoint {
  const value = num(r.is_nan) === 1 ? Number.NaN : num(r.value)
  return { key: String(r.key), value, step: num(r.step), timestamp: num(r.timestamp) }
}

function rowToArtifact(r: SqlRow): RunArtifact {
  return { name: String(r.name), sha256: String(r.sha256), size: num(r.size), createdAt: num(r.created_at) }
}
