/**
 * @module The shared metadata store on PostgreSQL.
 */
import type { MetadataStore } from '../metadata-store.js'
import { migrate } from '../sql/migrations.js'
import { SqlMetadataStore } from '../sql/sql-metadata-store.js'
import { openPostgresClient } from './postgres-client.js'

export interface PostgresMetadataStoreConfig {
  /** `postgres://user:password@host:port/database[?schema=name]` */
  readonly url: string
  /** How long to wait for a connection before reporting METADATA_UNREACHABLE. Default 5 s. */
  readonly connectTimeoutMs?: number
}

// an arbitrary constant: the advisory-lock key that serialises concurrent migrations
const MIGRATION_LOCK = 727_351_901

/** Connects, applies pending migrations (one opener at a time), and returns the store. */
export async function openPostgresMetadataStore(config: PostgresMetadataStoreConfig): Promise<MetadataStore> {
  const client = await openPostgresClient(config.url, config.connectTimeoutMs)
  try {
    await migrate(client, async (tx) => {
      await tx.all(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`)
    })
  } catch (error) {
    await client.close()
    throw error
  }
  return new SqlMetadataStore(client, { shared: true })
}
