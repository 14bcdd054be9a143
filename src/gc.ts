/**
 * @module Garbage collection of the artifact store: objects no run, snapshot or model version
 * refers to. Content addressing makes it safe: a referenced hash is never removed, and an
 * object written (or rewritten) within the grace period is kept, since the record naming it
 * may be on its way.
 */
import type { ArtifactStore, StoredArtifact } from './stores/artifact-store.js'
import type { MetadataStore } from './stores/metadata-store.js'

export interface GcOptions {
  /** Report what would go, remove nothing. */
  readonly dryRun?: boolean
  /** Keep objects written less than this long ago (default one hour). */
  readonly minAgeMs?: number
  readonly now?: number
}

export interface GcResult {
  readonly dryRun: boolean
  readonly scanned: number
  readonly referenced: number
  /** Unreferenced but younger than the grace period. */
  readonly young: number
  readonly removed: readonly StoredArtifact[]
  readonly bytesFreed: number
}

export const DEFAULT_GC_MIN_AGE_MS = 3_600_000

/**
 * Removes unreferenced artifacts older than the grace period.
 *
 * @example
 * ```ts
 * const { removed, bytesFreed } = await collectGarbage(project.metadata, project.artifacts, { dryRun: true })
 * ```
 */
export async function collectGarbage(metadata: MetadataStore, artifacts: ArtifactStore, options: GcOptions = {}): Promise<GcResult> {
  const now = options.now ?? Date.now()
  const minAge = options.minAgeMs ?? DEFAULT_GC_MIN_AGE_MS
  // list first, references second: an object stored after the listing is not considered at all,
  // and one referenced after the reference read is younger than the grace period
  const stored = await artifacts.list()
  const referenced = await metadata.referencedArtifacts()
  const unreferenced = stored.filter((a) => !referenced.has(a.sha256))
  const old = unreferenced.filter((a) => now - a.modifiedAt >= minAge)
  const removed: StoredArtifact[] = []
  for (const a of old) {
    if (options.dryRun === true || (await artifacts.delete(a.sha256))) removed.push(a)
  }
  return {
    dryRun: options.dryRun === true,
    scanned: stored.length,
    referenced: stored.length - unreferenced.length,
    young: unreferenced.length - old.length,
    removed,
    bytesFreed: removed.reduce((n, a) => n + a.size, 0),
  }
}
