/** @module Traffic routing per model in portable SQL; every change is audited. */
import type { Actor, RoutingRecord } from '../metadata-store.js'
import type { SqlClient } from './sql-client.js'
import { audit, lockModel, num } from './sql-shared.js'

export async function getRouting(db: SqlClient, model: string): Promise<RoutingRecord | undefined> {
  const [r] = await db.all('SELECT * FROM routing WHERE model = ?', [model])
  if (r === undefined) return undefined
  return { model, traffic: JSON.parse(String(r.traffic)) as Record<string, number>, updatedAt: num(r.updated_at), actor: String(r.actor) }
}

export async function setRouting(db: SqlClient, model: string, traffic: Readonly<Record<string, number>> | null, by: Actor): Promise<void> {
  await db.transaction(async (tx) => {
    // two `keel deploy`s at once: the second waits, reads the first's split as its previous, and replaces it
    await lockModel(tx, model)
    const previous = await tx.all('SELECT traffic FROM routing WHERE model = ?', [model])
    await tx.run('DELETE FROM routing WHERE model = ?', [model])
    if (traffic !== null) {
      await tx.run('INSERT INTO routing (model, traffic, updated_at, actor) VALUES (?, ?, ?, ?)', [model, JSON.stringify(traffic), by.at, by.actor])
    }
    await audit(tx, model, null, 'routing', by, {
      previous: previous[0] === undefined ? null : (JSON.parse(String(previous[0].traffic)) as unknown),
      traffic,
    })
  })
}
