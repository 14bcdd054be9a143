/**
 * @module A plain PostgreSQL connection for reading a user's query: every value arrives as
 * PostgreSQL's text, and the reader (DuckDB) types it, so no value is rounded on the way.
 */
import type pg from 'pg'

export type PgTextClient = pg.Client

/** Connects to `url` with every type parser returning the text PostgreSQL sent. */
export async function connectTextClient(url: string): Promise<PgTextClient> {
  const { Client } = (await import('pg')).default
  const client = new Client({ connectionString: url, types: { getTypeParser: () => (value: string) => value } })
  try {
    await client.connect()
  } catch (error) {
    await client.end().catch(() => undefined)
    throw error
  }
  return client
}
