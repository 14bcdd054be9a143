/**
 * @module MetadataStore written once in portable SQL; the SQLite and
 * PostgreSQL backends supply a {@link SqlClient}.
 */
import { KeelError } from '../../core/errors.js'
import type { Experiment, MetricPoint, Run, RunArtifact, RunData, RunInput, RunStatus } from '../../core/types.js'
import type {
  Actor,
  AlertEventFilter,
  AlertEventRecord,
  AlertStateRecord,
  ApiTokenRecord,
  AuditEntry,
  FeatureViewVersionRecord,
  FeedbackRecord,
  LineageEdge,
  MetadataStore,
  MetadataStoreCapabilities,
  ModelVersion,
  ModelVersionStatus,
  MonitorResultRecord,
  NewModelVersion,
  NewRun,
  PredictionRecord,
  PredictionWindow,
  RoutingRecord,
  RunBatch,
  RunFilter,
  ScheduleRunRecord,
  SnapshotFilter,
  SnapshotRecord,
  StepCacheEntry,
  WindowRow,
} from '../metadata-store.js'
import type { SqlClient, SqlRow, SqlValue } from './sql-client.js'
import { listFeatureViewVersions, registerFeatureViewVersion } from './sql-feature-views.js'

const RUN_COLUMNS = `r.id, r.experiment_id, e.name AS experiment_name, r.name, r.status, r.start_time, r.end_time,
  r.parent_run_id, r.git_commit, r.git_dirty, r.config_hash`

export class SqlMetadataStore implements MetadataStore {
  readonly backend: string
  readonly capabilities: MetadataStoreCapabilities
  readonly #db: SqlClient

  constructor(db: SqlClient, capabilities: MetadataStoreCapabilities) {
    this.#db = db
    this.backend = db.dialect.name
    this.capabilities = capabilities
  }

  async ensureExperiment(name: string, id: string, createdAt: number): Promise<Experiment> {
    const existing = await this.getExperiment(name)
    if (existing) return existing
    await this.#db.run('INSERT INTO experiments (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING', [id, name, createdAt])
    const created = await this.getExperiment(name)
    if (!created) throw new KeelError('METADATA_WRITE_FAILED', `experiment "${name}" was not created`)
    return created
  }

  async getExperiment(name: string): Promise<Experiment | undefined> {
    const rows = await this.#db.all('SELECT id, name, created_at FROM experiments WHERE name = ?', [name])
    return rows[0] === undefined ? undefined : rowToExperiment(rows[0])
  }

  async listExperiments(): Promise<readonly Experiment[]> {
    const rows = await this.#db.all('SELECT id, name, created_at FROM experiments ORDER BY name')
    return rows.map(rowToExperiment)
  }

  async createRun(run: NewRun): Promise<Run> {
    await this.#db.transaction(async (tx) => {
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
    const created = await this.getRun(run.id)
    if (!created) throw new KeelError('METADATA_WRITE_FAILED', `run ${run.id} was not created`)
    return created
  }

  async getRun(id: string): Promise<Run | undefined> {
    return (await this.#selectRuns('WHERE r.id = ?', [id], 1))[0]
  }

  async listRuns(filter: RunFilter = {}): Promise<readonly Run[]> {
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
    return this.#selectRuns(clause, params, filter.limit ?? 1000)
  }

  async endRun(id: string, status: Exclude<RunStatus, 'running'>, endTime: number): Promise<boolean> {
    const changed = await this.#db.run("UPDATE runs SET status = ?, end_time = ? WHERE id = ? AND status = 'running'", [status, endTime, id])
    if (changed === 0 && !(await runExists(this.#db, id))) throw new KeelError('RUN_NOT_FOUND', `no run with id ${id}`)
    return changed > 0
  }

  async logBatch(runId: string, batch: RunBatch): Promise<void> {
    const only = batch.metrics?.length === 1 && !batch.params && !batch.tags && !batch.artifacts && !batch.inputs ? batch.metrics[0] : undefined
    if (only !== undefined && (await this.#logOneMetric(runId, only))) return
    await this.#db.transaction(async (tx) => {
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

  async getRunData(runId: string): Promise<RunData> {
    if (!(await runExists(this.#db, runId))) throw new KeelError('RUN_NOT_FOUND', `no run with id ${runId}`)
    const [params, metrics, artifacts, inputs] = await Promise.all([
      this.#db.all('SELECT key, value FROM run_params WHERE run_id = ? ORDER BY key', [runId]),
      this.#db.all(
        // latest point per key: highest step, then latest timestamp, then last written
        `SELECT m.key, m.value, m.is_nan, m.step, m.timestamp FROM run_metrics m
         WHERE m.run_id = ? AND NOT EXISTS (
           SELECT 1 FROM run_metrics n WHERE n.run_id = m.run_id AND n.key = m.key AND
             (n.step > m.step OR (n.step = m.step AND (n.timestamp > m.timestamp OR (n.timestamp = m.timestamp AND n.seq > m.seq)))))
         ORDER BY m.key`,
        [runId],
      ),
      this.#db.all('SELECT name, sha256, size, created_at FROM run_artifacts WHERE run_id = ? ORDER BY name', [runId]),
      this.#db.all('SELECT kind, name, ref FROM run_inputs WHERE run_id = ? ORDER BY kind, name, ref', [runId]),
    ])
    return {
      params: Object.fromEntries(params.map((r) => [String(r.key), String(r.value)])),
      metrics: metrics.map(rowToMetric),
      artifacts: artifacts.map(rowToArtifact),
      inputs: inputs.map((r): RunInput => ({ kind: String(r.kind), name: String(r.name), ref: String(r.ref) })),
    }
  }

  async getMetricHistory(runId: string, key: string): Promise<readonly MetricPoint[]> {
    const rows = await this.#db.all('SELECT key, value, is_nan, step, timestamp FROM run_metrics WHERE run_id = ? AND key = ? ORDER BY step, timestamp, seq', [
      runId,
      key,
    ])
    return rows.map(rowToMetric)
  }

  close(): Promise<void> {
    return this.#db.close()
  }

  /**
   * The common case, one metric point, as one conditional statement instead of
   * a four-statement transaction. False when the run is missing or ended; the
   * caller's transactional path then reports which.
   */
  async #logOneMetric(runId: string, m: MetricPoint): Promise<boolean> {
    const { bigint, double } = this.#db.dialect.types
    const nan = Number.isNaN(m.value)
    const changed = await this.#db.run(
      `INSERT INTO run_metrics (run_id, key, step, timestamp, value, is_nan)
       SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS ${bigint}), CAST(? AS ${bigint}), CAST(? AS ${double}), CAST(? AS INTEGER)
       WHERE EXISTS (SELECT 1 FROM runs WHERE id = ? AND status = 'running')`,
      [runId, m.key, m.step, m.timestamp, nan ? null : m.value, nan ? 1 : 0, runId],
    )
    return changed === 1
  }

  async saveSnapshot(snapshot: SnapshotRecord, lineage: readonly LineageEdge[]): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const existing = await tx.all('SELECT id FROM snapshots WHERE id = ?', [snapshot.id])
      if (existing.length > 0) return false
      await tx.run(
        `INSERT INTO snapshots (id, dataset, created_at, content_hash, row_count, column_count, quarantined, artifact_sha256, quarantine_sha256, config_hash, details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          snapshot.id,
          snapshot.dataset,
          snapshot.createdAt,
          snapshot.contentHash,
          snapshot.rows,
          snapshot.columns,
          snapshot.quarantined,
          snapshot.artifactSha256,
          snapshot.quarantineSha256,
          snapshot.configHash,
          JSON.stringify(snapshot.details),
        ],
      )
      await insertEdges(tx, lineage)
      return true
    })
  }

  async getSnapshot(id: string): Promise<SnapshotRecord | undefined> {
    const rows = await this.#db.all('SELECT * FROM snapshots WHERE id = ?', [id])
    return rows[0] === undefined ? undefined : rowToSnapshot(rows[0])
  }

  async listSnapshots(filter: SnapshotFilter = {}): Promise<readonly SnapshotRecord[]> {
    const where: string[] = []
    const params: SqlValue[] = []
    if (filter.dataset !== undefined) {
      where.push('dataset = ?')
      params.push(filter.dataset)
    }
    if (filter.idPrefix !== undefined) {
      where.push('id >= ? AND id < ?')
      params.push(filter.idPrefix, `${filter.idPrefix}\u{10FFFF}`)
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
    const rows = await this.#db.all(`SELECT * FROM snapshots ${clause} ORDER BY created_at DESC, id LIMIT ?`, [...params, filter.limit ?? 1000])
    return rows.map(rowToSnapshot)
  }

  async addLineage(edges: readonly LineageEdge[]): Promise<void> {
    await this.#db.transaction((tx) => insertEdges(tx, edges))
  }

  async lineageEdges(kind: string, id: string, direction: 'up' | 'down'): Promise<readonly LineageEdge[]> {
    const column = direction === 'up' ? 'to' : 'from'
    const rows = await this.#db.all(
      `SELECT * FROM lineage_edges WHERE ${column}_kind = ? AND ${column}_id = ? ORDER BY created_at, from_kind, from_id, to_kind, to_id`,
      [kind, id],
    )
    return rows.map((r) => ({
      fromKind: String(r.from_kind),
      fromId: String(r.from_id),
      toKind: String(r.to_kind),
      toId: String(r.to_id),
      createdAt: num(r.created_at),
    }))
  }

  async createModelVersion(v: NewModelVersion): Promise<ModelVersion> {
    const version = await this.#db.transaction(async (tx) => {
      await lockModel(tx, v.name)
      const rows = await tx.all('SELECT max(version) AS v FROM model_versions WHERE name = ?', [v.name])
      const next = (rows[0]?.v === null || rows[0]?.v === undefined ? 0 : num(rows[0].v)) + 1
      await tx.run(
        `INSERT INTO model_versions (name, version, run_id, status, created_at, created_by, signature, metrics, details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          v.name,
          next,
          v.runId,
          v.status ?? 'pending',
          v.createdAt,
          v.createdBy,
          JSON.stringify(v.signature),
          JSON.stringify(v.metrics),
          JSON.stringify(v.details),
        ],
      )
      await audit(tx, v.name, next, 'register', { actor: v.createdBy, at: v.createdAt }, { runId: v.runId, status: v.status ?? 'pending' })
      const edges = (v.lineageFrom ?? []).map((from) => ({
        fromKind: from.kind,
        fromId: from.id,
        toKind: 'model',
        toId: `${v.name}@${next}`,
        createdAt: v.createdAt,
      }))
      if (edges.length > 0) await insertEdges(tx, edges)
      return next
    })
    return (await this.getModelVersion(v.name, version)) as ModelVersion
  }

  async getModelVersion(name: string, version: number): Promise<ModelVersion | undefined> {
    return (await this.#selectVersions('WHERE v.name = ? AND v.version = ?', [name, version]))[0]
  }

  async listModelVersions(name?: string): Promise<readonly ModelVersion[]> {
    return name === undefined ? this.#selectVersions('', []) : this.#selectVersions('WHERE v.name = ?', [name])
  }

  async setModelVersionStatus(name: string, version: number, status: ModelVersionStatus, by: Actor): Promise<ModelVersion> {
    await this.#db.transaction(async (tx) => {
      await lockModel(tx, name)
      const rows = await tx.all('SELECT status FROM model_versions WHERE name = ? AND version = ?', [name, version])
      if (rows[0] === undefined) throw new KeelError('MODEL_NOT_FOUND', `model ${name} has no version ${version}`)
      await tx.run('UPDATE model_versions SET status = ? WHERE name = ? AND version = ?', [status, name, version])
      await audit(tx, name, version, 'status', by, { from: String(rows[0].status), to: status })
    })
    return (await this.getModelVersion(name, version)) as ModelVersion
  }

  async setAlias(name: string, alias: string, version: number, by: Actor): Promise<number | null> {
    return this.#db.transaction(async (tx) => {
      // one writer per model at a time, so the previous holder recorded is the one replaced
      await lockModel(tx, name)
      const exists = await tx.all('SELECT 1 FROM model_versions WHERE name = ? AND version = ?', [name, version])
      if (exists.length === 0) throw new KeelError('MODEL_NOT_FOUND', `model ${name} has no version ${version}`)
      const current = await tx.all('SELECT version FROM model_aliases WHERE name = ? AND alias = ?', [name, alias])
      const previous = current[0] === undefined ? null : num(current[0].version)
      if (previous === null) await tx.run('INSERT INTO model_aliases (name, alias, version, updated_at) VALUES (?, ?, ?, ?)', [name, alias, version, by.at])
      else await tx.run('UPDATE model_aliases SET version = ?, updated_at = ? WHERE name = ? AND alias = ?', [version, by.at, name, alias])
      await audit(tx, name, version, 'alias', by, { alias, previous })
      return previous
    })
  }

  async removeAlias(name: string, alias: string, by: Actor): Promise<number | null> {
    return this.#db.transaction(async (tx) => {
      await lockModel(tx, name)
      const current = await tx.all('SELECT version FROM model_aliases WHERE name = ? AND alias = ?', [name, alias])
      if (current[0] === undefined) return null
      const previous = num(current[0].version)
      await tx.run('DELETE FROM model_aliases WHERE name = ? AND alias = ?', [name, alias])
      await audit(tx, name, previous, 'alias-removed', by, { alias })
      return previous
    })
  }

  async resolveAlias(name: string, alias: string): Promise<number | undefined> {
    const rows = await this.#db.all('SELECT version FROM model_aliases WHERE name = ? AND alias = ?', [name, alias])
    return rows[0] === undefined ? undefined : num(rows[0].version)
  }

  async auditLog(name: string): Promise<readonly AuditEntry[]> {
    const rows = await this.#db.all('SELECT * FROM model_audit WHERE name = ? ORDER BY seq', [name])
    return rows.map((r) => ({
      seq: num(r.seq),
      name: String(r.name),
      version: r.version === null ? null : num(r.version),
      action: String(r.action),
      actor: String(r.actor),
      reason: r.reason === null ? null : String(r.reason),
      at: num(r.at),
      details: JSON.parse(String(r.details)) as Record<string, unknown>,
    }))
  }

  async getStepCache(key: string): Promise<StepCacheEntry | undefined> {
    const [r] = await this.#db.all('SELECT * FROM step_cache WHERE cache_key = ?', [key])
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

  async putStepCache(e: StepCacheEntry): Promise<void> {
    await this.#db.transaction(async (tx) => {
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

  async logPredictions(records: readonly PredictionRecord[]): Promise<void> {
    if (records.length === 0) return
    await this.#db.transaction(async (tx) => {
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

  async listPredictions(filter: { readonly deployment?: string; readonly limit?: number }): Promise<readonly PredictionRecord[]> {
    const where = filter.deployment === undefined ? '' : 'WHERE deployment = ?'
    const rows = await this.#db.all(`SELECT * FROM predictions ${where} ORDER BY at DESC, id DESC LIMIT ?`, [
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

  async countPredictions(deployment?: string): Promise<number> {
    const rows = await this.#db.all(
      `SELECT count(*) AS n FROM predictions${deployment === undefined ? '' : ' WHERE deployment = ?'}`,
      deployment === undefined ? [] : [deployment],
    )
    return num(rows[0]?.n ?? 0)
  }

  async recordFeedback(records: readonly FeedbackRecord[]): Promise<{ readonly recorded: number; readonly unknown: readonly string[] }> {
    return this.#db.transaction(async (tx) => {
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

  async getFeedback(predictionId: string): Promise<FeedbackRecord | undefined> {
    const [r] = await this.#db.all('SELECT * FROM feedback WHERE prediction_id = ?', [predictionId])
    return r === undefined ? undefined : { predictionId: String(r.prediction_id), label: String(r.label), at: num(r.at) }
  }

  async getRouting(model: string): Promise<RoutingRecord | undefined> {
    const [r] = await this.#db.all('SELECT * FROM routing WHERE model = ?', [model])
    if (r === undefined) return undefined
    return { model, traffic: JSON.parse(String(r.traffic)) as Record<string, number>, updatedAt: num(r.updated_at), actor: String(r.actor) }
  }

  async setRouting(model: string, traffic: Readonly<Record<string, number>> | null, by: Actor): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const previous = await tx.all('SELECT traffic FROM routing WHERE model = ?', [model])
      await tx.run('DELETE FROM routing WHERE model = ?', [model])
      if (traffic !== null) {
        await tx.run('INSERT INTO routing (model, traffic, updated_at, actor) VALUES (?, ?, ?, ?)', [model, JSON.stringify(traffic), by.at, by.actor])
      }
      await audit(tx, model, null, 'routing', by, {
        previous: previous[0] === undefined ? null : (JSON.parse(String(previous[0].traffic)) as unknown),
        traffic,
      })
    })
  }

  async createToken(t: ApiTokenRecord): Promise<void> {
    await this.#db.run('INSERT INTO api_tokens (id, name, role, hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)', [
      t.id,
      t.name,
      t.role,
      t.hash,
      t.createdAt,
      t.revokedAt,
    ])
  }

  async findToken(hash: string): Promise<ApiTokenRecord | undefined> {
    const [r] = await this.#db.all('SELECT * FROM api_tokens WHERE hash = ? AND revoked_at IS NULL', [hash])
    return r === undefined ? undefined : tokenFrom(r)
  }

  async listTokens(): Promise<readonly ApiTokenRecord[]> {
    return (await this.#db.all('SELECT * FROM api_tokens ORDER BY created_at, id')).map(tokenFrom)
  }

  async revokeToken(id: string, at: number): Promise<boolean> {
    return (await this.#db.run('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id])) > 0
  }

  async windowRows(w: PredictionWindow): Promise<readonly WindowRow[]> {
    const source = windowSource(w, 'id, at, version, alias, output, latency_ms, fallback, features')
    const rows = await this.#db.all(
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

  async windowColumn(w: PredictionWindow, field: string): Promise<readonly (number | string | boolean | null)[]> {
    const source = windowSource(w, 'id, at, inputs')
    if (this.#db.dialect.name === 'postgres') {
      // jsonb values come back as JavaScript values
      const rows = await this.#db.all(`SELECT (inputs::jsonb) -> ? AS v FROM ${source.sql} p ORDER BY at, id`, [field, ...source.params])
      return rows.map((r) => {
        const v = r.v as unknown
        return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : null
      })
    }
    const path = `$."${field.replace(/"/g, '""')}"`
    // `->` returns the value as JSON text, type included, from one parse of each row's inputs
    // (json_extract + json_type parsed them twice: about 20 % of the time of a feature column)
    const rows = await this.#db.all(`SELECT inputs -> ? AS v FROM ${source.sql} p ORDER BY at, id`, [path, ...source.params])
    return rows.map((r) => jsonScalar(r.v))
  }

  async windowInputs(
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
      const [oldest] = await this.#db.all(`SELECT at, id FROM ${source.sql} p ORDER BY at, id LIMIT 1`, source.params)
      if (oldest === undefined) return 0
      cursor = { at: num(oldest.at), id: String(oldest.id), inclusive: true }
    }
    let read = 0
    for (;;) {
      const rows = await this.#db.all(
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

  async saveMonitorResult(r: MonitorResultRecord): Promise<void> {
    await this.#db.run('INSERT INTO monitor_results (monitor, at, window_start, window_end, result) VALUES (?, ?, ?, ?, ?)', [
      r.monitor,
      r.at,
      r.windowStart,
      r.windowEnd,
      r.result,
    ])
  }

  async listMonitorResults(monitor: string, limit = 100): Promise<readonly MonitorResultRecord[]> {
    const rows = await this.#db.all('SELECT * FROM monitor_results WHERE monitor = ? ORDER BY at DESC, seq DESC LIMIT ?', [monitor, limit])
    return rows.map((r) => ({ monitor, at: num(r.at), windowStart: num(r.window_start), windowEnd: num(r.window_end), result: String(r.result) }))
  }

  async getAlertState(monitor: string, alert: string): Promise<AlertStateRecord | undefined> {
    const [r] = await this.#db.all('SELECT * FROM alert_states WHERE monitor = ? AND alert = ?', [monitor, alert])
    return r === undefined
      ? undefined
      : { monitor, alert, state: String(r.state) as AlertStateRecord['state'], since: num(r.since), updatedAt: num(r.updated_at) }
  }

  async setAlertState(s: AlertStateRecord): Promise<void> {
    await this.#db.run(
      'INSERT INTO alert_states (monitor, alert, state, since, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (monitor, alert) DO UPDATE SET state = excluded.state, since = excluded.since, updated_at = excluded.updated_at',
      [s.monitor, s.alert, s.state, s.since, s.updatedAt],
    )
  }

  async addAlertEvent(e: AlertEventRecord): Promise<void> {
    await this.#db.run('INSERT INTO alert_events (monitor, alert, at, event, details) VALUES (?, ?, ?, ?, ?)', [
      e.monitor,
      e.alert,
      e.at,
      e.event,
      JSON.stringify(e.details),
    ])
  }

  async listAlertEvents(monitor: string, filter: AlertEventFilter = {}): Promise<readonly AlertEventRecord[]> {
    const conditions: [string, SqlValue | undefined][] = [
      ['monitor = ?', monitor],
      ['alert = ?', filter.alert],
      ['event = ?', filter.event],
      ['at >= ?', filter.since],
    ]
    const used = conditions.filter(([, value]) => value !== undefined)
    const rows = await this.#db.all(
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

  async claimScheduleRun(schedule: string, dueAt: number, owner: string, at: number): Promise<boolean> {
    const changed = await this.#db.run(
      "INSERT INTO schedule_runs (schedule, due_at, owner, claimed_at, status) VALUES (?, ?, ?, ?, 'running') ON CONFLICT (schedule, due_at) DO NOTHING",
      [schedule, dueAt, owner, at],
    )
    return changed > 0
  }

  async finishScheduleRun(schedule: string, dueAt: number, status: 'finished' | 'failed', error: string | null, at: number): Promise<void> {
    await this.#db.run('UPDATE schedule_runs SET status = ?, error = ?, finished_at = ? WHERE schedule = ? AND due_at = ?', [
      status,
      error,
      at,
      schedule,
      dueAt,
    ])
  }

  async lastScheduleRun(schedule: string): Promise<ScheduleRunRecord | undefined> {
    const [r] = await this.#db.all('SELECT * FROM schedule_runs WHERE schedule = ? ORDER BY due_at DESC LIMIT 1', [schedule])
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

  registerFeatureViewVersion(record: FeatureViewVersionRecord): Promise<boolean> {
    return registerFeatureViewVersion(this.#db, record)
  }

  listFeatureViewVersions(name?: string): Promise<readonly FeatureViewVersionRecord[]> {
    return listFeatureViewVersions(this.#db, name)
  }

  async referencedArtifacts(): Promise<ReadonlySet<string>> {
    const refs = new Set<string>()
    for (const r of await this.#db.all('SELECT artifact_sha256 FROM step_cache')) refs.add(String(r.artifact_sha256))
    for (const r of await this.#db.all('SELECT sha256 FROM run_artifacts')) refs.add(String(r.sha256))
    for (const r of await this.#db.all('SELECT artifact_sha256, quarantine_sha256 FROM snapshots')) {
      refs.add(String(r.artifact_sha256))
      if (r.quarantine_sha256 !== null) refs.add(String(r.quarantine_sha256))
    }
    for (const r of await this.#db.all('SELECT details FROM model_versions')) {
      const artifacts = (JSON.parse(String(r.details)) as { artifacts?: Record<string, unknown> }).artifacts ?? {}
      for (const value of Object.values(artifacts)) if (typeof value === 'string' && /^[0-9a-f]{64}$/.test(value)) refs.add(value)
    }
    return refs
  }

  async #selectVersions(where: string, params: SqlValue[]): Promise<ModelVersion[]> {
    const rows = await this.#db.all(`SELECT v.* FROM model_versions v ${where} ORDER BY v.name, v.version DESC`, params)
    if (rows.length === 0) return []
    const names = [...new Set(rows.map((r) => String(r.name)))]
    const aliasRows = await this.#db.all(
      `SELECT name, alias, version FROM model_aliases WHERE name IN (${names.map(() => '?').join(', ')}) ORDER BY alias`,
      names,
    )
    const aliases = new Map<string, string[]>()
    for (const a of aliasRows) {
      const key = `${String(a.name)}@${num(a.version)}`
      aliases.set(key, [...(aliases.get(key) ?? []), String(a.alias)])
    }
    return rows.map((r) => ({
      name: String(r.name),
      version: num(r.version),
      runId: r.run_id === null ? null : String(r.run_id),
      status: String(r.status) as ModelVersionStatus,
      createdAt: num(r.created_at),
      createdBy: String(r.created_by),
      signature: JSON.parse(String(r.signature)) as Record<string, unknown>,
      metrics: JSON.parse(String(r.metrics)) as Record<string, number>,
      details: JSON.parse(String(r.details)) as Record<string, unknown>,
      aliases: aliases.get(`${String(r.name)}@${num(r.version)}`) ?? [],
    }))
  }

  async #selectRuns(where: string, params: SqlValue[], limit: number): Promise<Run[]> {
    const rows = await this.#db.all(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id ${where} ORDER BY r.id DESC LIMIT ?`, [
      ...params,
      limit,
    ])
    if (rows.length === 0) return []
    const ids = rows.map((r) => String(r.id))
    const tagRows = await this.#db.all(`SELECT run_id, key, value FROM run_tags WHERE run_id IN (${ids.map(() => '?').join(', ')}) ORDER BY key`, ids)
    const tags = new Map<string, Record<string, string>>()
    for (const t of tagRows) {
      const bag = tags.get(String(t.run_id)) ?? {}
      bag[String(t.key)] = String(t.value)
      tags.set(String(t.run_id), bag)
    }
    return rows.map((r) => rowToRun(r, tags.get(String(r.id)) ?? {}))
  }
}

async function runStatus(db: SqlClient, id: string): Promise<RunStatus | undefined> {
  const rows = await db.all<{ status: RunStatus }>('SELECT status FROM runs WHERE id = ?', [id])
  return rows[0]?.status
}

async function runExists(db: SqlClient, id: string): Promise<boolean> {
  return (await runStatus(db, id)) !== undefined
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

async function upsertTags(tx: SqlClient, runId: string, tags: Readonly<Record<string, string>>): Promise<void> {
  for (const [key, value] of Object.entries(tags)) {
    await tx.run('INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value', [
      runId,
      key,
      value,
    ])
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

function boolToSql(value: boolean | null): number | null {
  return value === null ? null : value ? 1 : 0
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value)
}

/** A JSON value as SQLite's `->` returns it (NULL when absent): numbers, strings and booleans; null, arrays and objects as null. */
function jsonScalar(text: unknown): number | string | boolean | null {
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

function rowToMetric(r: SqlRow): MetricPoint {
  const value = num(r.is_nan) === 1 ? Number.NaN : num(r.value)
  return { key: String(r.key), value, step: num(r.step), timestamp: num(r.timestamp) }
}

function rowToArtifact(r: SqlRow): RunArtifact {
  return { name: String(r.name), sha256: String(r.sha256), size: num(r.size), createdAt: num(r.created_at) }
}

function rowToSnapshot(r: SqlRow): SnapshotRecord {
  return {
    id: String(r.id),
    dataset: String(r.dataset),
    createdAt: num(r.created_at),
    contentHash: String(r.content_hash),
    rows: num(r.row_count),
    columns: num(r.column_count),
    quarantined: num(r.quarantined),
    artifactSha256: String(r.artifact_sha256),
    quarantineSha256: r.quarantine_sha256 === null ? null : String(r.quarantine_sha256),
    configHash: r.config_hash === null ? null : String(r.config_hash),
    details: JSON.parse(String(r.details)) as Record<string, unknown>,
  }
}

async function insertEdges(tx: SqlClient, edges: readonly LineageEdge[]): Promise<void> {
  for (const e of edges) {
    const exists = await tx.all('SELECT 1 FROM lineage_edges WHERE from_kind = ? AND from_id = ? AND to_kind = ? AND to_id = ?', [
      e.fromKind,
      e.fromId,
      e.toKind,
      e.toId,
    ])
    if (exists.length === 0) {
      await tx.run('INSERT INTO lineage_edges (from_kind, from_id, to_kind, to_id, created_at) VALUES (?, ?, ?, ?, ?)', [
        e.fromKind,
        e.fromId,
        e.toKind,
        e.toId,
        e.createdAt,
      ])
    }
  }
}

/**
 * Serializes registry writers of one model. SQLite transactions already take the write lock
 * when they begin (BEGIN IMMEDIATE); PostgreSQL gets a transaction-scoped advisory lock.
 */
function tokenFrom(r: SqlRow): ApiTokenRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    role: String(r.role) as ApiTokenRecord['role'],
    hash: String(r.hash),
    createdAt: num(r.created_at),
    revokedAt: r.revoked_at === null ? null : num(r.revoked_at),
  }
}

/** Rows per INSERT: 13 parameters each stays under SQLite's and PostgreSQL's parameter limits. */
const PREDICTION_CHUNK = 200

async function lockModel(tx: SqlClient, name: string): Promise<void> {
  if (tx.dialect.name === 'postgres') await tx.all("SELECT pg_advisory_xact_lock(hashtext('keel.model:' || ?))", [name])
}

async function audit(tx: SqlClient, name: string, version: number | null, action: string, by: Actor, details: Record<string, unknown>): Promise<void> {
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
function windowSource(w: PredictionWindow, columns: string): { sql: string; params: SqlValue[] } {
  const select = `SELECT ${columns} FROM predictions WHERE deployment = ? AND at >= ? AND at < ?`
  const params: SqlValue[] = [w.deployment, w.since, w.until]
  if (w.last === undefined) return { sql: `(${select})`, params }
  if (!Number.isInteger(w.last) || w.last < 1) throw new KeelError('INTERNAL', `a count window needs a positive whole number of predictions; got ${w.last}`)
  return { sql: `(${select} ORDER BY at DESC, id DESC LIMIT ?)`, params: [...params, w.last] }
}
