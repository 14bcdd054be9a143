/** @module Monitor results, alert states and alert events in portable SQL. */
import type { AlertEventFilter, AlertEventRecord, AlertStateRecord, MonitorResultRecord } from '../metadata-store.js'
import type { SqlClient, SqlValue } from './sql-client.js'
import { num } from './sql-shared.js'

export async function saveMonitorResult(db: SqlClient, r: MonitorResultRecord): Promise<void> {
  await db.run('INSERT INTO monitor_results (monitor, at, window_start, window_end, result) VALUES (?, ?, ?, ?, ?)', [
    r.monitor,
    r.at,
    r.windowStart,
    r.windowEnd,
    r.result,
  ])
}

export async function listMonitorResults(db: SqlClient, monitor: string, limit = 100): Promise<readonly MonitorResultRecord[]> {
  const rows = await db.all('SELECT * FROM monitor_results WHERE monitor = ? ORDER BY at DESC, seq DESC LIMIT ?', [monitor, limit])
  return rows.map((r) => ({ monitor, at: num(r.at), windowStart: num(r.window_start), windowEnd: num(r.window_end), result: String(r.result) }))
}

export async function getAlertState(db: SqlClient, monitor: string, alert: string): Promise<AlertStateRecord | undefined> {
  const [r] = await db.all('SELECT * FROM alert_states WHERE monitor = ? AND alert = ?', [monitor, alert])
  return r === undefined
    ? undefined
    : { monitor, alert, state: String(r.state) as AlertStateRecord['state'], since: num(r.since), updatedAt: num(r.updated_at) }
}

export async function setAlertState(db: SqlClient, s: AlertStateRecord): Promise<void> {
  await db.run(
    'INSERT INTO alert_states (monitor, alert, state, since, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (monitor, alert) DO UPDATE SET state = excluded.state, since = excluded.since, updated_at = excluded.updated_at',
    [s.monitor, s.alert, s.state, s.since, s.updatedAt],
  )
}

export async function addAlertEvent(db: SqlClient, e: AlertEventRecord): Promise<void> {
  await db.run('INSERT INTO alert_events (monitor, alert, at, event, details) VALUES (?, ?, ?, ?, ?)', [
    e.monitor,
    e.alert,
    e.at,
    e.event,
    JSON.stringify(e.details),
  ])
}

export async function listAlertEvents(db: SqlClient, monitor: string, filter: AlertEventFilter = {}): Promise<readonly AlertEventRecord[]> {
  const conditions: [string, SqlValue | undefined][] = [
    ['monitor = ?', monitor],
    ['alert = ?', filter.alert],
    ['event = ?', filter.event],
    ['at >= ?', filter.since],
  ]
  const used = conditions.filter(([, value]) => value !== undefined)
  const rows = await db.all(
    `SELECT * FROM alert_events WHERE ${used.map(([sql]) => sql).join(' AND ')} ORDER BY seq`,
    used.map(([, value]) => value as SqlValue),
  )
  return rows.map((r) => ({
    monitor,
    alert: String(r.alert),
    at: num(r.at),
    event: String(r.event),
    details: JSON.parse(String(r.details)) as Record<string, unknown>,
  }))
}
