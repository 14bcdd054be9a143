/** @module Windows of logged predictions, read for monitoring: rows with their labels, one input column, or input columns page by page. */
import type { PredictionWindow, WindowRow } from '../metadata-store.js'
import type { SqlClient, SqlRow } from './sql-client.js'
import { jsonScalar, num, windowSource } from './sql-shared.js'

export async function windowRows(db: SqlClient, w: PredictionWindow): Promise<readonly WindowRow[]> {
  const source = windowSource(w, 'id, at, version, alias, output, latency_ms, fallback, features')
  const rows = await db.all(
    `SELECT p.id, p.at, p.version, p.alias, p.output, p.latency_ms, p.fallback, p.features, f.label FROM ${source.sql} p LEFT JOIN feedback f ON f.prediction_id = p.id
     ORDER BY p.at, p.id`,
    source.params,
  )
  return rows.map((r) => ({
    id: String(r.id),
    at: num(r.at),
    version: num(r.version),
    alias: r.alias === null ? null : String(r.alias),
    output: String(r.output),
    latencyMs: Number(r.latency_ms),
    fallback: num(r.fallback) === 1,
    label: r.label === null ? null : String(r.label),
    ...(r.features === null || r.features === undefined ? {} : { features: String(r.features) }),
  }))
}

export async function windowColumn(db: SqlClient, w: PredictionWindow, field: string): Promise<readonly (number | string | boolean | null)[]> {
  const source = windowSource(w, 'id, at, inputs')
  if (db.dialect.name === 'postgres') {
    // jsonb values come back as JavaScript values
    const rows = await db.all(`SELECT (inputs::jsonb) -> ? AS v FROM ${source.sql} p ORDER BY at, id`, [field, ...source.params])
    return rows.map((r) => {
      const v = r.v as unknown
      return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : null
    })
  }
  const path = `$."${field.replace(/"/g, '""')}"`
  // `->` returns the value as JSON text, type included, from one parse of each row's inputs
  // (json_extract + json_type parsed them twice: about 20 % of the time of a feature column)
  const rows = await db.all(`SELECT inputs -> ? AS v FROM ${source.sql} p ORDER BY at, id`, [path, ...source.params])
  return rows.map((r) => jsonScalar(r.v))
}

export async function windowInputs(
  db: SqlClient,
  w: PredictionWindow,
  fields: readonly string[],
  onPage: (columns: readonly (readonly (number | string | boolean | null)[])[]) => void,
  pageSize = 20_000,
): Promise<number> {
  // pages are ranges of (at, id), so each is one index range scan; a count window first finds
  // its oldest prediction, after which it is a time range like any other
  let cursor: { at: number; id: string; inclusive: boolean } = { at: w.since, id: '', inclusive: true }
  if (w.last !== undefined) {
    const source = windowSource(w, 'id, at')
    const [oldest] = await db.all(`SELECT at, id FROM ${source.sql} p ORDER BY at, id LIMIT 1`, source.params)
    if (oldest === undefined) return 0
    cursor = { at: num(oldest.at), id: String(oldest.id), inclusive: true }
  }
  let read = 0
  for (;;) {
    const rows = await db.all(
      `SELECT at, id, inputs FROM predictions WHERE deployment = ? AND at < ? AND (at > ? OR (at = ? AND id ${cursor.inclusive ? '>=' : '>'} ?))
       ORDER BY at, id LIMIT ?`,
      [w.deployment, w.until, cursor.at, cursor.at, cursor.id, pageSize],
    )
    if (rows.length === 0) break
    const columns = fields.map(() => new Array<number | string | boolean | null>(rows.length))
    rows.forEach((r, i) => {
      const inputs = typeof r.inputs === 'string' ? (JSON.parse(r.inputs) as Record<string, unknown>) : null
      fields.forEach((f, k) => {
        const v = inputs?.[f]
        ;(columns[k] as unknown[])[i] = typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : null
      })
    })
    onPage(columns)
    read += rows.length
    const last = rows[rows.length - 1] as SqlRow
    cursor = { at: num(last.at), id: String(last.id), inclusive: false }
    if (rows.length < pageSize) break
  }
  return read
}
