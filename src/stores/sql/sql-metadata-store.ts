/**
 * @module MetadataStore written once in portable SQL; the SQLite and
 * PostgreSQL backends supply a {@link SqlClient}. Each domain's statements
 * live in their own module; this class only hands them its client.
 */
import type { Experiment, MetricPoint, Run, RunData, RunStatus } from '../../core/types.js'
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
import { referencedArtifacts } from './sql-artifact-refs.js'
import type { SqlClient } from './sql-client.js'
import { listFeatureViewVersions, registerFeatureViewVersion } from './sql-feature-views.js'
import { addLineage, getSnapshot, lineageEdges, listSnapshots, saveSnapshot } from './sql-lineage.js'
import { addAlertEvent, getAlertState, listAlertEvents, listMonitorResults, saveMonitorResult, setAlertState } from './sql-monitoring.js'
import { windowColumn, windowInputs, windowRows } from './sql-prediction-windows.js'
import { countPredictions, getFeedback, listPredictions, logPredictions, recordFeedback } from './sql-predictions.js'
import { auditLog, createModelVersion, getModelVersion, listModelVersions, removeAlias, resolveAlias, setAlias, setModelVersionStatus } from './sql-registry.js'
import { getRouting, setRouting } from './sql-routing.js'
import { getMetricHistory, getRunData, logBatch } from './sql-run-data.js'
import { createRun, endRun, ensureExperiment, getExperiment, getRun, listExperiments, listRuns } from './sql-runs.js'
import { claimScheduleRun, finishScheduleRun, lastScheduleRun } from './sql-schedules.js'
import { getStepCache, putStepCache } from './sql-step-cache.js'
import { createToken, findToken, listTokens, revokeToken } from './sql-tokens.js'

export class SqlMetadataStore implements MetadataStore {
  readonly backend: string
  readonly capabilities: MetadataStoreCapabilities
  readonly #db: SqlClient

  constructor(db: SqlClient, capabilities: MetadataStoreCapabilities) {
    this.#db = db
    this.backend = db.dialect.name
    this.capabilities = capabilities
  }

  ensureExperiment(name: string, id: string, createdAt: number): Promise<Experiment> {
    return ensureExperiment(this.#db, name, id, createdAt)
  }

  getExperiment(name: string): Promise<Experiment | undefined> {
    return getExperiment(this.#db, name)
  }

  listExperiments(): Promise<readonly Experiment[]> {
    return listExperiments(this.#db)
  }

  createRun(run: NewRun): Promise<Run> {
    return createRun(this.#db, run)
  }

  getRun(id: string): Promise<Run | undefined> {
    return getRun(this.#db, id)
  }

  listRuns(filter?: RunFilter): Promise<readonly Run[]> {
    return listRuns(this.#db, filter)
  }

  endRun(id: string, status: Exclude<RunStatus, 'running'>, endTime: number): Promise<boolean> {
    return endRun(this.#db, id, status, endTime)
  }

  logBatch(runId: string, batch: RunBatch): Promise<void> {
    return logBatch(this.#db, runId, batch)
  }

  getRunData(runId: string): Promise<RunData> {
    return getRunData(this.#db, runId)
  }

  getMetricHistory(runId: string, key: string): Promise<readonly MetricPoint[]> {
    return getMetricHistory(this.#db, runId, key)
  }

  close(): Promise<void> {
    return this.#db.close()
  }

  saveSnapshot(snapshot: SnapshotRecord, lineage: readonly LineageEdge[]): Promise<boolean> {
    return saveSnapshot(this.#db, snapshot, lineage)
  }

  getSnapshot(id: string): Promise<SnapshotRecord | undefined> {
    return getSnapshot(this.#db, id)
  }

  listSnapshots(filter?: SnapshotFilter): Promise<readonly SnapshotRecord[]> {
    return listSnapshots(this.#db, filter)
  }

  addLineage(edges: readonly LineageEdge[]): Promise<void> {
    return addLineage(this.#db, edges)
  }

  lineageEdges(kind: string, id: string, direction: 'up' | 'down'): Promise<readonly LineageEdge[]> {
    return lineageEdges(this.#db, kind, id, direction)
  }

  createModelVersion(v: NewModelVersion): Promise<ModelVersion> {
    return createModelVersion(this.#db, v)
  }

  getModelVersion(name: string, version: number): Promise<ModelVersion | undefined> {
    return getModelVersion(this.#db, name, version)
  }

  listModelVersions(name?: string): Promise<readonly ModelVersion[]> {
    return listModelVersions(this.#db, name)
  }

  setModelVersionStatus(name: string, version: number, status: ModelVersionStatus, by: Actor): Promise<ModelVersion> {
    return setModelVersionStatus(this.#db, name, version, status, by)
  }

  setAlias(name: string, alias: string, version: number, by: Actor): Promise<number | null> {
    return setAlias(this.#db, name, alias, version, by)
  }

  removeAlias(name: string, alias: string, by: Actor): Promise<number | null> {
    return removeAlias(this.#db, name, alias, by)
  }

  resolveAlias(name: string, alias: string): Promise<number | undefined> {
    return resolveAlias(this.#db, name, alias)
  }

  auditLog(name: string): Promise<readonly AuditEntry[]> {
    return auditLog(this.#db, name)
  }

  getStepCache(key: string): Promise<StepCacheEntry | undefined> {
    return getStepCache(this.#db, key)
  }

  putStepCache(e: StepCacheEntry): Promise<void> {
    return putStepCache(this.#db, e)
  }

  logPredictions(records: readonly PredictionRecord[]): Promise<void> {
    return logPredictions(this.#db, records)
  }

  listPredictions(filter: { readonly deployment?: string; readonly limit?: number }): Promise<readonly PredictionRecord[]> {
    return listPredictions(this.#db, filter)
  }

  countPredictions(deployment?: string): Promise<number> {
    return countPredictions(this.#db, deployment)
  }

  recordFeedback(records: readonly FeedbackRecord[]): Promise<{ readonly recorded: number; readonly unknown: readonly string[] }> {
    return recordFeedback(this.#db, records)
  }

  getFeedback(predictionId: string): Promise<FeedbackRecord | undefined> {
    return getFeedback(this.#db, predictionId)
  }

  getRouting(model: string): Promise<RoutingRecord | undefined> {
    return getRouting(this.#db, model)
  }

  setRouting(model: string, traffic: Readonly<Record<string, number>> | null, by: Actor): Promise<void> {
    return setRouting(this.#db, model, traffic, by)
  }

  createToken(t: ApiTokenRecord): Promise<void> {
    return createToken(this.#db, t)
  }

  findToken(hash: string): Promise<ApiTokenRecord | undefined> {
    return findToken(this.#db, hash)
  }

  listTokens(): Promise<readonly ApiTokenRecord[]> {
    return listTokens(this.#db)
  }

  revokeToken(id: string, at: number): Promise<boolean> {
    return revokeToken(this.#db, id, at)
  }

  windowRows(w: PredictionWindow): Promise<readonly WindowRow[]> {
    return windowRows(this.#db, w)
  }

  windowColumn(w: PredictionWindow, field: string): Promise<readonly (number | string | boolean | null)[]> {
    return windowColumn(this.#db, w, field)
  }

  windowInputs(
    w: PredictionWindow,
    fields: readonly string[],
    onPage: (columns: readonly (readonly (number | string | boolean | null)[])[]) => void,
    pageSize?: number,
  ): Promise<number> {
    return windowInputs(this.#db, w, fields, onPage, pageSize)
  }

  saveMonitorResult(r: MonitorResultRecord): Promise<void> {
    return saveMonitorResult(this.#db, r)
  }

  listMonitorResults(monitor: string, limit?: number): Promise<readonly MonitorResultRecord[]> {
    return listMonitorResults(this.#db, monitor, limit)
  }

  getAlertState(monitor: string, alert: string): Promise<AlertStateRecord | undefined> {
    return getAlertState(this.#db, monitor, alert)
  }

  setAlertState(s: AlertStateRecord): Promise<void> {
    return setAlertState(this.#db, s)
  }

  addAlertEvent(e: AlertEventRecord): Promise<void> {
    return addAlertEvent(this.#db, e)
  }

  listAlertEvents(monitor: string, filter?: AlertEventFilter): Promise<readonly AlertEventRecord[]> {
    return listAlertEvents(this.#db, monitor, filter)
  }

  claimScheduleRun(schedule: string, dueAt: number, owner: string, at: number): Promise<boolean> {
    return claimScheduleRun(this.#db, schedule, dueAt, owner, at)
  }

  finishScheduleRun(schedule: string, dueAt: number, status: 'finished' | 'failed', error: string | null, at: number): Promise<void> {
    return finishScheduleRun(this.#db, schedule, dueAt, status, error, at)
  }

  lastScheduleRun(schedule: string): Promise<ScheduleRunRecord | undefined> {
    return lastScheduleRun(this.#db, schedule)
  }

  registerFeatureViewVersion(record: FeatureViewVersionRecord): Promise<boolean> {
    return registerFeatureViewVersion(this.#db, record)
  }

  listFeatureViewVersions(name?: string): Promise<readonly FeatureViewVersionRecord[]> {
    return listFeatureViewVersions(this.#db, name)
  }

  referencedArtifacts(): Promise<ReadonlySet<string>> {
    return referencedArtifacts(this.#db)
  }
}
