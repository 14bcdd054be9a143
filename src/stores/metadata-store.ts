/**
 * @module The metadata store: experiments and runs (params, metrics, tags,
 * artifacts, inputs). One interface, one backend folder each (sqlite, postgres).
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
  /** The version an alias points at. */
  resolveAlias(name: string, alias: string): Promise<number | undefined>
  /** A model's audit log, oldest first. */
  auditLog(name: string): Promise<readonly AuditEntry[]>
  /** Every artifact hash a run, a snapshot or a model version refers to. */
  referencedArtifacts(): Promise<ReadonlySet<string>>
  close(): Promise<void>
}
