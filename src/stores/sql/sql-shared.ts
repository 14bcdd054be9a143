/** @module Helpers the SQL metadata store's modules share: value conversions, model locking and audit, window subqueries. */
import { KeelError } from '../../core/errors.js'
import type { Actor, PredictionWindow } from '../metadata-store.js'
import type { SqlClient, SqlValue } from './sql-client.js'

export function boolToSql(value: boolean | null): number | null {
  return value === null ? null : value ? 1 : 0
}

export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value)
}

/** A JSON value as SQLite's `->` returns it (NULL when absent): numbers, strings and booleans; null, arrays and objects as null. */
export function jsonScalar(text: unknown): number | string | boolean | null {
  if (typeof text !== 'string') return null
  switch (text[0]) {
    case '"':
      return text.includes('\\') ? (JSON.parse(text) as string) : text.slice(1, -1)
    case 't':
      return true
    case 'f':
      return false
    case 'n':
    case '[':
    case '{':
      return null
    default:
      return Number(text)
  }
}

/**
 * Serializes registry writers of one model. SQLite transactions already take the write lock
 * when they begin (BEGIN IMMEDIATE); PostgreSQL gets a transaction-scoped advisory lock.
 */
export async function lockModel(tx: SqlClient, name: string): Promise<void> {
  if (tx.dialect.name === 'postgres') await tx.all("SELECT pg_advisory_xact_lock(hashtext('keel.model:' || ?))", [name])
}

export async function audit(tx: SqlClient, name: string, version: number | null, action: string, by: Actor, details: Record<string, unknown>): Promise<void> {
  await tx.run('INSERT INTO model_audit (name, version, action, actor, reason, at, details) VALUES (?, ?, ?, ?, ?, ?, ?)', [
    name,
    version,
    action,
    by.actor,
    by.reason ?? null,
    by.at,
    JSON.stringify(details),
  ])
}

/**
 * The predictions of a window as a subquery with `columns`, for windowRows and windowColumn
 * alike, so both read the same rows. A count window keeps the newest `last` by (at, id): id
 * breaks ties between predictions that share a timestamp.
 */
export function windowSource(w: PredictionWindow, columns: string): { sql: string; params: SqlValue[] } {
  const select = `SELECT ${columns} FROM predictions WHERE deployment = ? AND at >= ? AND at < ?`
  const params: SqlValue[] = [w.deployment, w.since, w.until]
  if (w.last === undefined) return { sql: `(${select})`, params }
  if (!Number.isInteger(w.last) || w.last < 1) throw new KeelError('INTERNAL', `a count window needs a positive whole number of predictions; got ${w.last}`)
  return { sql: `(${select} ORDER BY at DESC, id DESC LIMIT ?)`, params: [...params, w.last] }
}
