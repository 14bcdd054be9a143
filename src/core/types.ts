/**
 * @module Shared vocabulary: the plain, immutable records that stores return
 * and domain code passes around.
 */

/** Lifecycle of a run. `running` after a crash: the process ended before `end()`. */
export type RunStatus = 'running' | 'finished' | 'failed' | 'killed'

export const RUN_STATUSES: readonly RunStatus[] = ['running', 'finished', 'failed', 'killed']

export interface Experiment {
  readonly id: string
  readonly name: string
  readonly createdAt: number
}

export interface Run {
  readonly id: string
  readonly experimentId: string
  readonly experimentName: string
  readonly name: string
  readonly status: RunStatus
  /** Epoch milliseconds. */
  readonly startTime: number
  readonly endTime: number | null
  readonly parentRunId: string | null
  readonly gitCommit: string | null
  readonly gitDirty: boolean | null
  readonly configHash: string | null
  readonly tags: Readonly<Record<string, string>>
}

/** One point of a metric's history. */
export interface MetricPoint {
  readonly key: string
  readonly value: number
  readonly step: number
  /** Epoch milliseconds. */
  readonly timestamp: number
}

/** A file logged to a run, stored by content hash in the artifact store. */
export interface RunArtifact {
  readonly name: string
  readonly sha256: string
  readonly size: number
  readonly createdAt: number
}

/** Something a run consumed: a dataset snapshot, a feature view version, a parent model… */
export interface RunInput {
  readonly kind: string
  readonly name: string
  /** Content hash, version or id that pins exactly what was read. */
  readonly ref: string
}

/** Everything logged to a run apart from its header. */
export interface RunData {
  readonly params: Readonly<Record<string, string>>
  /** Latest point per metric (highest step, then latest timestamp). */
  readonly metrics: readonly MetricPoint[]
  readonly artifacts: readonly RunArtifact[]
  readonly inputs: readonly RunInput[]
}
