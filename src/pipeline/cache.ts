/**
 * @module The step cache: outputs stored as content-addressed artifacts, indexed in the
 * metadata store by the hash of what went into them.
 */

import { isKeelError } from '../core/errors.js'
import { canonicalJson, sha256 } from '../core/hash.js'
import type { ArtifactStore } from '../stores/artifact-store.js'
import type { MetadataStore, StepCacheEntry } from '../stores/metadata-store.js'

/** Everything that decides a cached step's output. */
export interface StepKeyParts {
  readonly pipeline: string
  readonly step: string
  readonly version: string
  readonly keelVersion: string
  readonly config: unknown
  /** Input step name → the identity of its output. */
  readonly inputs: Readonly<Record<string, string>>
}

/** The cache key: sha256 of the parts as canonical JSON (key order never matters). */
export function stepKey(parts: StepKeyParts): string {
  return sha256(canonicalJson({ ...parts, config: parts.config ?? null }))
}

export class StepCache {
  constructor(
    readonly metadata: MetadataStore,
    readonly artifacts: ArtifactStore,
  ) {}

  /** The stored output for `key`; undefined when there is none or its artifact is gone or damaged. */
  async get(key: string): Promise<{ readonly bytes: Uint8Array; readonly entry: StepCacheEntry } | undefined> {
    const entry = await this.metadata.getStepCache(key)
    if (entry === undefined) return undefined
    try {
      return { bytes: await this.artifacts.get(entry.artifactSha256), entry }
    } catch (error) {
      // a missing or tampered output is recomputed, never trusted
      if (isKeelError(error) && (error.code === 'ARTIFACT_NOT_FOUND' || error.code === 'ARTIFACT_TAMPERED')) return undefined
      throw error
    }
  }

  /** Stores an output: its bytes first, then the index entry, so an entry never points at nothing. */
  async put(entry: Omit<StepCacheEntry, 'artifactSha256' | 'createdAt'>, bytes: Uint8Array): Promise<StepCacheEntry> {
    const ref = await this.artifacts.put(bytes)
    const stored: StepCacheEntry = { ...entry, artifactSha256: ref.sha256, createdAt: Date.now() }
    await this.metadata.putStepCache(stored)
    return stored
  }
}
