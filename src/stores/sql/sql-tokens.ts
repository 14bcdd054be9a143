/** @module API tokens in portable SQL (only their hashes are stored). */
import type { ApiTokenRecord } from '../metadata-store.js'
import type { SqlClient, SqlRow } from './sql-client.js'
import { num } from './sql-shared.js'

export async function createToken(db: SqlClient, t: ApiTokenRecord): Promise<void> {
  await db.run('INSERT INTO api_tokens (id, name, role, hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)', [
    t.id,
    t.name,
    t.role,
    t.hash,
    t.createdAt,
    t.revokedAt,
  ])
}

export async function findToken(db: SqlClient, hash: string): Promise<ApiTokenRecord | undefined> {
  const [r] = await db.all('SELECT * FROM api_tokens WHERE hash = ? AND revoked_at IS NULL', [hash])
  return r === undefined ? undefined : tokenFrom(r)
}

export async function listTokens(db: SqlClient): Promise<readonly ApiTokenRecord[]> {
  return (await db.all('SELECT * FROM api_tokens ORDER BY created_at, id')).map(tokenFrom)
}

export async function revokeToken(db: SqlClient, id: string, at: number): Promise<boolean> {
  return (await db.run('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id])) > 0
}

function tokenFrom(r: SqlRow): ApiTokenRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    role: String(r.role) as ApiTokenRecord['role'],
    hash: String(r.hash),
    createdAt: num(r.created_at),
    revokedAt: r.revoked_at === null ? null : num(r.revoked_at),
  }
}
