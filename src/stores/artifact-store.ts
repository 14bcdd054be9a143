/**
 * @module The artifact store: immutable blobs addressed by their sha256.
 * Filesystem now; the interface is what an S3-compatible backend implements.
 */

/** Where a stored blob can be found again, and how to check it. */
export interface ArtifactRef {
  readonly sha256: string
  readonly size: number
}

/** Bytes, or the path of a local file to copy in (streamed, never loaded whole). */
export type ArtifactSource = Uint8Array | { readonly path: string }

/** A stored object and when it was last written (a repeated `put` counts as a write). */
export interface StoredArtifact extends ArtifactRef {
  readonly modifiedAt: number
}

export interface ArtifactStoreCapabilities {
  /** Objects can be read from several machines (object storage), not only this one. */
  readonly shared: boolean
}

/**
 * Writes are atomic (a reader never sees a partial blob) and idempotent (the
 * same content is stored once). Reads verify the hash and raise
 * ARTIFACT_TAMPERED on mismatch, ARTIFACT_NOT_FOUND when absent.
 */
export interface ArtifactStore {
  readonly backend: string
  readonly capabilities: ArtifactStoreCapabilities
  put(source: ArtifactSource): Promise<ArtifactRef>
  /** The whole blob, verified against its hash. */
  get(sha256: string): Promise<Uint8Array>
  /** Copies a blob to a local file atomically, verified; the file appears only if it is intact. */
  download(sha256: string, destination: string): Promise<ArtifactRef>
  has(sha256: string): Promise<boolean>
  /** Every stored object (for garbage collection). */
  list(): Promise<readonly StoredArtifact[]>
  /** Removes an object; false when it was not there. Only garbage collection calls it. */
  delete(sha256: string): Promise<boolean>
  close(): Promise<void>
}
