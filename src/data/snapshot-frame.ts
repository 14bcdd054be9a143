/** @module A snapshot's rows as a Frame: its Parquet artifact, verified, read through DuckDB. */
import { join } from 'node:path'
import type { Frame } from '../core/frame.js'
import type { ArtifactStore } from '../stores/artifact-store.js'
import type { SnapshotRecord } from '../stores/metadata-store.js'
import { readFrame } from './readers/read-frame.js'

/** Reads a snapshot into memory, staging its file in `scratch` (a directory the caller removes). */
export async function readSnapshotFrame(artifacts: ArtifactStore, snapshot: Pick<SnapshotRecord, 'id' | 'artifactSha256'>, scratch: string): Promise<Frame> {
  const file = join(scratch, `${snapshot.id}.parquet`)
  await artifacts.download(snapshot.artifactSha256, file)
  return readFrame(file, { format: 'parquet' })
}
