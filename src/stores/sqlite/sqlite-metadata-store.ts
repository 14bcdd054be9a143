/**
 * @module The embedded metadata store: one SQLite file under `.keel/`.
 */
import type { MetadataStore } from '../metadata-store.js'
import { migrate } from '../sql/migrations.js'
import { SqlMetadataStore } from '../sql/sql-metadata-store.js'
import { openSqliteClient } from './sqlite-client.js'

export interface SqliteMetadataStoreConfig {
  /** Database file path, or `:memory:`. */
  readonly path: string
}

/** Opens the SQLite metadata store and applies pending migrations. */
export async function openSqliteMetadataStore(config: SqliteMetadataStoreConfig): Promise<MetadataStore> {
  const client = await openSqliteClient(config.path)
  try {
    await migrate(client)
  } catch (error) {
    await client.close()
    throw error
  }
  return new SqlMetadataStore(client, { shared: false })
}
