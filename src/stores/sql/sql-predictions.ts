/** @module The prediction log and its feedback (ground-truth labels) in portable SQL. */
import type { FeedbackRecord, PredictionRecord } from '../metadata-store.js'
import type { SqlClient, SqlValue } from './sql-client.js'
import { num } from './sql-shared.js'

/** Rows per INSERT: 14 parameters each stays under SQLite's and PostgreSQL's parameter limits. */
const PREDICTION_CHUNK = 200

export async function logPredictions(db: SqlClient, records: readonly PredictionRecord[]): Promise<void> {
  if (records.length === 0) return
  await db.transaction(async (tx) => {
    for (let i = 0; i < records.length; i += PREDICTION_CHUNK) {
      const chunk = records.slice(i, i + PREDICTION_CHUNK)
      const params: SqlValue[] = []
      for (const r of chunk) {
        params.push(
          r.id,
          r.deployment,
          r.model,
          r.version,
          r.alias,
          r.at,
          r.inputs,
          r.inputsHash,
          r.output,
          r.latencyMs,
          r.fallback ? 1 : 0,
          r.shadow,
          r.sampleRate,
          r.features ?? null,
        )
      }
      await tx.run(
        `INSERT INTO predictions (id, deployment, model, version, alias, at, inputs, inputs_hash, output, latency_ms, fallback, shadow, sample_rate, features) VALUES ${chunk
          .map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
          .join(', ')}`,
        params,
      )
    }
  })
}

export async function listPredictions(db: SqlClient, filter: { readonly deployment?: string; readonly limit?: number }): Promise<readonly PredictionRecord[]> {
  const where = filter.deployment === undefined ? '' : 'WHERE deployment = ?'
  const rows = await db.all(`SELECT * FROM predictions ${where} ORDER BY at DESC, id DESC LIMIT ?`, [
    ...(filter.deployment === undefined ? [] : [filter.deployment]),
    filter.limit ?? 100,
  ])
  return rows.map((r) => ({
    id: String(r.id),
    deployment: String(r.deployment),
    model: String(r.model),
    version: num(r.version),
    alias: r.alias === null ? null : String(r.alias),
    at: num(r.at),
    inputs: r.inputs === null ? null : String(r.inputs),
    inputsHash: String(r.inputs_hash),
    output: String(r.output),
    latencyMs: Number(r.latency_ms),
    fallback: num(r.fallback) === 1,
    shadow: r.shadow === null ? null : String(r.shadow),
    sampleRate: Number(r.sample_rate),
    ...(r.features === null || r.features === undefined ? {} : { features: String(r.features) }),
  }))
}

export async function countPredictions(db: SqlClient, deployment?: string): Promise<number> {
  const rows = await db.all(
    `SELECT count(*) AS n FROM predictions${deployment === undefined ? '' : ' WHERE deployment = ?'}`,
    deployment === undefined ? [] : [deployment],
  )
  return num(rows[0]?.n ?? 0)
}

export async function recordFeedback(
  db: SqlClient,
  records: readonly FeedbackRecord[],
): Promise<{ readonly recorded: number; readonly unknown: readonly string[] }> {
  return db.transaction(async (tx) => {
    const unknown: string[] = []
    let recorded = 0
    for (const f of records) {
      const known = await tx.all('SELECT 1 FROM predictions WHERE id = ?', [f.predictionId])
      if (known.length === 0) {
        unknown.push(f.predictionId)
        continue
      }
      await tx.run(
        'INSERT INTO feedback (prediction_id, label, at) VALUES (?, ?, ?) ON CONFLICT (prediction_id) DO UPDATE SET label = excluded.label, at = excluded.at',
        [f.predictionId, f.label, f.at],
      )
      recorded++
    }
    return { recorded, unknown }
  })
}

export async function getFeedback(db: SqlClient, predictionId: string): Promise<FeedbackRecord | undefined> {
  const [r] = await db.all('SELECT * FROM feedback WHERE prediction_id = ?', [predictionId])
  return r === undefined ? undefined : { predictionId: String(r.prediction_id), label: String(r.label), at: num(r.at) }
}
