/** @module Experiments and runs in portable SQL: creating, reading, listing and ending them, and their tags. */
import { KeelError } from '../../core/errors.js'
import type { Experiment, Run, RunStatus } from '../../core/types.js'
import type { NewRun, RunFilter } from '../metadata-store.js'
import type { SqlClient, SqlRow, SqlValue } from './sql-client.js'
import { boolToSql, num } from './sql-shared.js'

const RUN_COLUMNS = `r.id, r.experiment_id, e.name AS experiment_name, r.name, r.status, r.start_time, r.end_time,
  r.parent_run_id, r.git_commit, r.git_dirty, r.config_hash`

export async function ensureExperiment(db: SqlClient, name: string, id: string, createdAt: number): Promise<Experiment> {
  const existing = await getExperiment(db, name)
  if (existing) return existing
  await db.run('INSERT INTO experiments (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING', [id, name, createdAt])
  const created = await getExperiment(db, name)
  if (!created) throw new KeelError('METADATA_WRITE_FAILED', `experiment "${name}" was not created`)
  return created
}

export async function getExperiment(db: SqlClient, name: string): Promise<Experiment | undefined> {
  const rows = await db.all('SELECT id, name, created_at FROM experiments WHERE name = ?', [name])
  return rows[0] === undefined ? undefined : rowToExperiment(rows[0])
}

export async function listExperiments(db: SqlClient): Promise<readonly Experiment[]> {
  const rows = await db.all('SELECT id, name, created_at FROM experiments ORDER BY name')
  return rows.map(rowToExperiment)
}

export async function createRun(db: SqlClient, run: NewRun): Promise<Run> {
  await db.transaction(async (tx) => {
    if (run.parentRunId !== null && !(await runExists(tx, run.parentRunId))) {
      throw new KeelError('RUN_NOT_FOUND', `parent run ${run.parentRunId} does not exist`)
    }
    await tx.run(
      `INSERT INTO runs (id, experiment_id, name, status, start_time, end_time, parent_run_id, git_commit, git_dirty, config_hash)
       VALUES (?, ?, ?, 'running', ?, NULL, ?, ?, ?, ?)`,
      [run.id, run.experimentId, run.name, run.startTime, run.parentRunId, run.gitCommit, boolToSql(run.gitDirty), run.configHash],
    )
    await upsertTags(tx, run.id, run.tags)
  })
  const created = await getRun(db, run.id)
  if (!created) throw new KeelError('METADATA_WRITE_FAILED', `run ${run.id} was not created`)
  return created
}

export async function getRun(db: SqlClient, id: string): Promise<Run | undefined> {
  return (await selectRuns(db, 'WHERE r.id = ?', [id], 1))[0]
}

export async function listRuns(db: SqlClient, filter: RunFilter = {}): Promise<readonly Run[]> {
  const where: string[] = []
  const params: SqlValue[] = []
  const add = (clause: string, value: SqlValue) => {
    where.push(clause)
    params.push(value)
  }
  if (filter.experimentId !== undefined) add('r.experiment_id = ?', filter.experimentId)
  if (filter.status !== undefined) add('r.status = ?', filter.status)
  if (filter.parentRunId !== undefined) add('r.parent_run_id = ?', filter.parentRunId)
  // ids are lower-case base32, so a range is an exact, index-friendly prefix match
  if (filter.idPrefix !== undefined) {
    add('r.id >= ?', filter.idPrefix)
    add('r.id < ?', `${filter.idPrefix}\u{10FFFF}`)
  }
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
  return selectRuns(db, clause, params, filter.limit ?? 1000)
}

export async function endRun(db: SqlClient, id: string, status: Exclude<RunStatus, 'running'>, endTime: number): Promise<boolean> {
  const changed = await db.run("UPDATE runs SET status = ?, end_time = ? WHERE id = ? AND status = 'running'", [status, endTime, id])
  if (changed === 0 && !(await runExists(db, id))) throw new KeelError('RUN_NOT_FOUND', `no run with id ${id}`)
  return changed > 0
}

export async function runStatus(db: SqlClient, id: string): Promise<RunStatus | undefined> {
  const rows = await db.all<{ status: RunStatus }>('SELECT status FROM runs WHERE id = ?', [id])
  return rows[0]?.status
}

export async function runExists(db: SqlClient, id: string): Promise<boolean> {
  return (await runStatus(db, id)) !== undefined
}

export async function upsertTags(tx: SqlClient, runId: string, tags: Readonly<Record<string, string>>): Promise<void> {
  for (const [key, value] of Object.entries(tags)) {
    await tx.run('INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value', [
      runId,
      key,
      value,
    ])
  }
}

async function selectRuns(db: SqlClient, where: string, params: SqlValue[], limit: number): Promise<Run[]> {
  const rows = await db.all(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id ${where} ORDER BY r.id DESC LIMIT ?`, [
    ...params,
    limit,
  ])
  if (rows.length === 0) return []
  const ids = rows.map((r) => String(r.id))
  const tagRows = await db.all(`SELECT run_id, key, value FROM run_tags WHERE run_id IN (${ids.map(() => '?').join(', ')}) ORDER BY key`, ids)
  const tags = new Map<string, Record<string, string>>()
  for (const t of tagRows) {
    const bag = tags.get(String(t.run_id)) ?? {}
    bag[String(t.key)] = String(t.value)
    tags.set(String(t.run_id), bag)
  }
  return rows.map((r) => rowToRun(r, tags.get(String(r.id)) ?? {}))
}

function rowToExperiment(r: SqlRow): Experiment {
  return { id: String(r.id), name: String(r.name), createdAt: num(r.created_at) }
}

function rowToRun(r: SqlRow, tags: Record<string, string>): Run {
  return {
    id: String(r.id),
    experimentId: String(r.experiment_id),
    experimentName: String(r.experiment_name),
    name: String(r.name),
    status: r.status as RunStatus,
    startTime: num(r.start_time),
    endTime: r.end_time === null ? null : num(r.end_time),
    parentRunId: r.parent_run_id === null ? null : String(r.parent_run_id),
    gitCommit: r.git_commit === null ? null : String(r.git_commit),
    gitDirty: r.git_dirty === null ? null : num(r.git_dirty) === 1,
    configHash: r.config_hash === null ? null : String(r.config_hash),
    tags,
  }
}
