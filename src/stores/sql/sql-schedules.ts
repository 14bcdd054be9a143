/** @module Schedule runs in portable SQL: one claim per schedule and due time, however many schedulers race for it. */
import type { ScheduleRunRecord } from '../metadata-store.js'
import type { SqlClient } from './sql-client.js'
import { num } from './sql-shared.js'

export async function claimScheduleRun(db: SqlClient, schedule: string, dueAt: number, owner: string, at: number): Promise<boolean> {
  const changed = await db.run(
    "INSERT INTO schedule_runs (schedule, due_at, owner, claimed_at, status) VALUES (?, ?, ?, ?, 'running') ON CONFLICT (schedule, due_at) DO NOTHING",
    [schedule, dueAt, owner, at],
  )
  return changed > 0
}

export async function finishScheduleRun(
  db: SqlClient,
  schedule: string,
  dueAt: number,
  status: 'finished' | 'failed',
  error: string | null,
  at: number,
): Promise<void> {
  await db.run('UPDATE schedule_runs SET status = ?, error = ?, finished_at = ? WHERE schedule = ? AND due_at = ?', [status, error, at, schedule, dueAt])
}

export async function lastScheduleRun(db: SqlClient, schedule: string): Promise<ScheduleRunRecord | undefined> {
  const [r] = await db.all('SELECT * FROM schedule_runs WHERE schedule = ? ORDER BY due_at DESC LIMIT 1', [schedule])
  if (r === undefined) return undefined
  return {
    schedule,
    dueAt: num(r.due_at),
    owner: String(r.owner),
    claimedAt: num(r.claimed_at),
    status: String(r.status) as ScheduleRunRecord['status'],
    finishedAt: r.finished_at === null ? null : num(r.finished_at),
    error: r.error === null ? null : String(r.error),
  }
}
