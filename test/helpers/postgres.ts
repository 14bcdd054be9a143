import { randomBytes } from 'node:crypto'
import pg from 'pg'

/**
 * The PostgreSQL server the suites use. There is deliberately no skip: when it
 * is unreachable the PostgreSQL tests fail, in CI and locally alike.
 */
export const TEST_PG_URL = process.env.KEEL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test'

/** A URL naming a new, unique schema; `drop()` removes it. */
export function freshSchema(): { url: string; schema: string; drop: () => Promise<void> } {
  const schema = `keel_t_${randomBytes(6).toString('hex')}`
  const url = new URL(TEST_PG_URL)
  url.searchParams.set('schema', schema)
  return {
    url: url.toString(),
    schema,
    drop: () => withPg((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).then(() => undefined),
  }
}

/** Runs `fn` with a plain pg client on the test database. */
export async function withPg<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}
