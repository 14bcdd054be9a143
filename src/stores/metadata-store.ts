/**
 * @module The metadata store: experiments and runs (params, metrics, tags, artifacts, inputs),
 * snapshots and lineage, model versions with aliases and audit, the step cache, the prediction
 * log with feedback and routing, API tokens, schedule claims, monitor results and alerts, and
 * feature view versions. One interface, one contract suite, SQLite and PostgreSQL backends.
 */
import type { Experiment, MetricPoint, Run, RunArtifact, RunData, RunInput, RunStatus } from '../core/types.js'

/** What a new run starts with. */
export interface NewRun {
  readonly id: string
  readonly experimentId: string
  readonly name: string
  readonly startTime: number
  readonly parentRunId: string | null
  readonly gitCommit: string | null
  readonly gitDirty: boolean | null
  readonly configHash: string | null
  readonly tags: Readonly<Record<string, string>>
}

/**
 * Data logged to a run in one write. A backend applies a batch in one
 * transaction: all of it is stored or none of it.
 */
export interface RunBatch {
  readonly params?: Readonly<Record<string, string>>
  readonly metrics?: readonly MetricPoint[]
  readonly tags?: Readonly<Record<string, string>>
  readonly artifacts?: readonly RunArtifact[]
  readonly inputs?: readonly RunInput[]
}

export interface RunFilter {
  readonly experimentId?: string
  readonly status?: RunStatus
  readonly parentRunId?: string
  /** Runs whose id starts with this. */
  readonly idPrefix?: string
  /** Newest first; default 1,000. */
  readonly limit?: number
}

/** A materialized dataset version; `details` holds its schema, statistics, contract report, source fingerprint and cleaning steps. */
export interface SnapshotRecord {
  readonly id: string
  readonly dataset: string
  readonly createdAt: number
  /** Order-independent hash of the typed rows: equal data gives an equal hash whatever the source. */
  readonly contentHash: string
  readonly rows: number
  readonly columns: number
  readonly quarantined: number
  /** The Parquet file in the artifact store. */
  readonly artifactSha256: string
  readonly quarantineSha256: string | null
  readonly configHash: string | null
  readonly details: Readonly<Record<string, unknown>>
}

export interface SnapshotFilter {
  readonly dataset?: string
  readonly idPrefix?: string
  readonly limit?: number
}

/** A lineage edge: `from` was used to make `to` (a source file → a snapshot, a snapshot → a run, a run → a model version). */
export interface LineageEdge {
  readonly fromKind: string
  readonly fromId: string
  readonly toKind: string
  readonly toId: string
  readonly createdAt: number
}

export type ModelVersionStatus = 'pending' | 'approved' | 'rejected' | 'archived'

export const MODEL_VERSION_STATUSES: readonly ModelVersionStatus[] = ['pending', 'approved', 'rejected', 'archived']

/** A model version to register; the store numbers it. */
export interface NewModelVersion {
  readonly name: string
  readonly runId: string | null
  readonly createdAt: number
  readonly createdBy: string
  readonly status?: ModelVersionStatus
  /** Input columns with types, and the output. */
  readonly signature: Readonly<Record<string, unknown>>
  readonly metrics: Readonly<Record<string, number>>
  /** Artifacts, evaluation, lineage, model card. */
  readonly details: Readonly<Record<string, unknown>>
  /** What the version was made from (a run, snapshots): lineage edges written in the same transaction. */
  readonly lineageFrom?: readonly { readonly kind: string; readonly id: string }[]
}

/** One answered prediction, as the server logs it. */
export interface PredictionRecord {
  readonly id: string
  readonly deployment: string
  readonly model: string
  readonly version: number
  readonly alias: string | null
  readonly at: number
  /** The instance as JSON, or null when the deployment logs only its hash. */
  readonly inputs: string | null
  readonly inputsHash: string
  /** The prediction as JSON. */
  readonly output: string
  readonly latencyMs: number
  readonly fallback: boolean
  /** Shadow versions' outputs as JSON, or null. */
  readonly shadow: string | null
  /** The share of predictions logged (1 = all), so counts can be scaled back. */
  readonly sampleRate: number
  /**
   * For versions with feature-view inputs: the online lookup per view as JSON,
   * `{"<view>": {"status": "present" | "missing" | "expired" | "error" | "request", "defaulted"?: [inputs]}}`.
   */
  readonly features?: string | null
}

/** Ground truth for a logged prediction. */
export interface FeedbackRecord {
  readonly predictionId: string
  /** The label as JSON. */
  readonly label: string
  readonly at: number
}

/** A routing override for a model's deployments (set by `keel deploy --canary`): alias → share of traffic in percent. */
export interface RoutingRecord {
  readonly model: string
  readonly traffic: Readonly<Record<string, number>>
  readonly updatedAt: number
  readonly actor: string
}

export interface ApiTokenRecord {
  readonly id: string
  readonly name: string
  readonly role: 'predict' | 'admin'
  /** sha256 of the secret; the secret itself is never stored. */
  readonly hash: string
  readonly createdAt: number
  readonly revokedAt: number | null
}

/**
 * Predictions of one deployment logged in [since, until) or, with `last`, only the newest
 * `last` of them. Predictions are ordered by time, then id (a total order, so predictions that
 * share a timestamp are ordered too): every reader of a window sees the same rows in the same order.
 */
export interface PredictionWindow {
  readonly deployment: string
  readonly since: number
  readonly until: number
  /** Keep only the newest this many (a positive integer): a count window. */
  readonly last?: number
}

/** A logged prediction without its inputs, with its feedback label if one arrived. */
export interface WindowRow {
  readonly id: string
  readonly at: number
  readonly version: number
  /** The alias that answered (`fallback` when the fallback did). */
  readonly alias: string | null
  readonly output: string
  readonly latencyMs: number
  readonly fallback: boolean
  /** The feedback label as JSON, or null. */
  readonly label: string | null
  /** The prediction's feature lookup as JSON (see `PredictionRecord.features`), or null. */
  readonly features?: string | null
}

/** One stored monitor pass. */
export interface MonitorResultRecord {
  readonly monitor: string
  readonly at: number
  readonly windowStart: number
  readonly windowEnd: number
  /** The pass's result as JSON. */
  readonly result: string
}

/** Where an alert rule stands: `pending` while its condition holds for less than its `for:`. */
export interface AlertStateRecord {
  readonly monitor: string
  readonly alert: string
  readonly state: 'ok' | 'pending' | 'firing'
  /** When the current state began. */
  readonly since: number
  readonly updatedAt: number
}

/** A transition or action of an alert, for the audit trail. */
export interface AlertEventRecord {
  readonly monitor: string
  readonly alert: string
  readonly at: number
  /** `fired`, `resolved`, `action:<kind>` (see monitor/alerts.ts) or `canary:<action>`. */
  readonly event: string
  readonly details: Readonly<Record<string, unknown>>
}

export interface AlertEventFilter {
  readonly alert?: string
  /** E.g. `fired`. */
  readonly event?: string
  /** Only events at or after this time. */
  readonly since?: number
}

/** One run of a schedule or trigger, claimed by one scheduler. */
export interface ScheduleRunRecord {
  readonly schedule: string
  /** When it was due (a cron time, or the time of the event that triggered it). */
  readonly dueAt: number
  readonly owner: string
  readonly claimedAt: number
  readonly status: 'running' | 'finished' | 'failed'
  readonly finishedAt: number | null
  readonly error: string | null
}

/** A pipeline step's stored output, found again by the hash of everything that went into it. */
export interface StepCacheEntry {
  readonly key: string
  readonly pipeline: string
  readonly step: string
  readonly artifactSha256: string
  /** The run that produced it, when one was tracked. */
  readonly runId: string | null
  readonly createdAt: number
  readonly details: Readonly<Record<string, unknown>>
}

export interface ModelVersion extends NewModelVersion {
  /** 1, 2, 3, … per model name, never reused. */
  readonly version: number
  readonly status: ModelVersionStatus
  /** Aliases currently pointing at this version, sorted. */
  readonly aliases: readonly string[]
}

/** Who did it, why, and when: every registry change carries one and leaves an audit entry. */
export interface Actor {
  readonly actor: string
  readonly reason?: string
  readonly at: number
}

/** One line of a model's append-only audit log. */
export interface AuditEntry {
  readonly seq: number
  readonly name: string
  readonly version: number | null
  /** 'register', 'status', 'alias'. */
  readonly action: string
  readonly actor: string
  readonly reason: string | null
  readonly at: number
  readonly details: Readonly<Record<string, unknown>>
}

/** A registered version of a feature view: the hash of its definition and the definition itself. */
export interface FeatureViewVersionRecord {
  readonly name: string
  /** sha256 of the canonical definition. */
  readonly version: string
  readonly definition: Readonly<Record<string, unknown>>
  readonly createdAt: number
  readonly createdBy: string
}

export interface MetadataStoreCapabilities {
  /** The backend is a server shared by several machines (not an embedded file). */
  readonly shared: boolean
}

/**
 * Durable metadata. Backends raise KeelError codes: PARAM_CONFLICT,
 * ARTIFACT_EXISTS, RUN_NOT_FOUND (writes to unknown runs), METADATA_*.
 */
export interface MetadataStore {
  readonly backend: string
  readonly capabilities: MetadataStoreCapabilities
  /** Returns the experiment with this name, creating it first if needed. */
  ensureExperiment(name: string, id: string, createdAt: number): Promise<Experiment>
  getExperiment(name: string): Promise<Experiment | undefined>
  listExperiments(): Promise<readonly Experiment[]>
  createRun(run: NewRun): Promise<Run>
  getRun(id: string): Promise<Run | undefined>
  listRuns(filter?: RunFilter): Promise<readonly Run[]>
  /** Sets the terminal status of a running run; false if it had already ended. */
  endRun(id: string, status: Exclude<RunStatus, 'running'>, endTime: number): Promise<boolean>
  logBatch(runId: string, batch: RunBatch): Promise<void>
  getRunData(runId: string): Promise<RunData>
  getMetricHistory(runId: string, key: string): Promise<readonly MetricPoint[]>
  /** Records a snapshot and its lineage edges in one transaction; false (and nothing written) when the id exists. */
  saveSnapshot(snapshot: SnapshotRecord, lineage: readonly LineageEdge[]): Promise<boolean>
  getSnapshot(id: string): Promise<SnapshotRecord | undefined>
  /** Newest first. */
  listSnapshots(filter?: SnapshotFilter): Promise<readonly SnapshotRecord[]>
  /** Adds edges; an edge that exists is kept as it is. */
  addLineage(edges: readonly LineageEdge[]): Promise<void>
  /** The edges into (`direction: 'up'`) or out of (`'down'`) one node. */
  lineageEdges(kind: string, id: string, direction: 'up' | 'down'): Promise<readonly LineageEdge[]>
  /** Registers the next version of `name` (numbered 1, 2, … under a lock, so concurrent registrations never share one), audited. */
  createModelVersion(version: NewModelVersion): Promise<ModelVersion>
  getModelVersion(name: string, version: number): Promise<ModelVersion | undefined>
  /** Versions of one model (or of all), newest first. */
  listModelVersions(name?: string): Promise<readonly ModelVersion[]>
  /** Changes a version's status, audited (MODEL_NOT_FOUND for an unknown version). */
  setModelVersionStatus(name: string, version: number, status: ModelVersionStatus, by: Actor): Promise<ModelVersion>
  /** Points `alias` at `version` atomically, audited with the previous holder, which it returns (null when new). */
  setAlias(name: string, alias: string, version: number, by: Actor): Promise<number | null>
  /** Removes `alias`, audited with the version it pointed at, which it returns (null when it did not exist). */
  removeAlias(name: string, alias: string, by: Actor): Promise<number | null>
  /** The version an alias points at. */
  resolveAlias(name: string, alias: string): Promise<number | undefined>
  /** A model's audit log, oldest first. */
  auditLog(name: string): Promise<readonly AuditEntry[]>
  /** A cached step output by key. */
  getStepCache(key: string): Promise<StepCacheEntry | undefined>
  /** Records a step output; an entry with the same key is replaced (the newer output is as valid). */
  putStepCache(entry: StepCacheEntry): Promise<void>
  /** Appends predictions in one transaction. */
  logPredictions(records: readonly PredictionRecord[]): Promise<void>
  /** Newest first. */
  listPredictions(filter: { readonly deployment?: string; readonly limit?: number }): Promise<readonly PredictionRecord[]>
  countPredictions(deployment?: string): Promise<number>
  /** Records labels for logged predictions (a later label replaces an earlier one); returns the ids no prediction has. */
  recordFeedback(records: readonly FeedbackRecord[]): Promise<{ readonly recorded: number; readonly unknown: readonly string[] }>
  getFeedback(predictionId: string): Promise<FeedbackRecord | undefined>
  /** The routing override of a model, if one was set. */
  getRouting(model: string): Promise<RoutingRecord | undefined>
  /** Sets (or with `null` clears) a model's routing override, audited in the model's log. */
  setRouting(model: string, traffic: Readonly<Record<string, number>> | null, by: Actor): Promise<void>
  createToken(token: ApiTokenRecord): Promise<void>
  /** An unrevoked token by the hash of its secret. */
  findToken(hash: string): Promise<ApiTokenRecord | undefined>
  listTokens(): Promise<readonly ApiTokenRecord[]>
  /** False when no unrevoked token has this id. */
  revokeToken(id: string, at: number): Promise<boolean>
  /** The rows of a window (no inputs), oldest first, with feedback joined. */
  windowRows(window: PredictionWindow): Promise<readonly WindowRow[]>
  /**
   * One input field of every prediction in a window, oldest first (null where it was null or
   * absent, or the inputs were logged only as a hash): monitors read a window column by column.
   */
  windowColumn(window: PredictionWindow, field: string): Promise<readonly (number | string | boolean | null)[]>
  /**
   * Several input fields of every prediction in a window in one scan, oldest first, a page at a
   * time: `onPage` gets one array per field (values as windowColumn gives them) for each page of
   * up to `pageSize` predictions. Returns how many predictions were read. A wide window costs one
   * pass over its rows, and only a page of their inputs is held at once.
   */
  windowInputs(
    window: PredictionWindow,
    fields: readonly string[],
    onPage: (columns: readonly (readonly (number | string | boolean | null)[])[]) => void,
    pageSize?: number,
  ): Promise<number>
  saveMonitorResult(record: MonitorResultRecord): Promise<void>
  /** Newest first. */
  listMonitorResults(monitor: string, limit?: number): Promise<readonly MonitorResultRecord[]>
  getAlertState(monitor: string, alert: string): Promise<AlertStateRecord | undefined>
  setAlertState(record: AlertStateRecord): Promise<void>
  addAlertEvent(event: AlertEventRecord): Promise<void>
  /** Oldest first; `filter` narrows to one alert, one event kind, and events at or after `since`. */
  listAlertEvents(monitor: string, filter?: AlertEventFilter): Promise<readonly AlertEventRecord[]>
  /** Claims the run of `schedule` due at `dueAt`; false when another scheduler already has it (each due time runs once). */
  claimScheduleRun(schedule: string, dueAt: number, owner: string, at: number): Promise<boolean>
  finishScheduleRun(schedule: string, dueAt: number, status: 'finished' | 'failed', error: string | null, at: number): Promise<void>
  /** The latest claimed run of a schedule. */
  lastScheduleRun(schedule: string): Promise<ScheduleRunRecord | undefined>
  /** Records a feature view version; false (and nothing written) when that name and version are registered already. */
  registerFeatureViewVersion(record: FeatureViewVersionRecord): Promise<boolean>
  /** Registered versions of one view (or of all), newest first. */
  listFeatureViewVersions(name?: string): Promise<readonly FeatureViewVersionRecord[]>
  /** Every artifact hash a run, a snapshot, a model version or a cached step output refers to. */
  referencedArtifacts(): Promise<ReadonlySet<string>>
  close(): Promise<void>
}
