import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { openSqliteOnlineStore } from '../../../src/stores/sqlite/sqlite-online-store.js'
import { tempDir } from '../../helpers/temp.js'
import { describeOnlineStore } from '../online-store.contract.js'

const dir = tempDir()
let n = 0
const view = { name: 'customer', version: 'v1', ttlMs: null }

describeOnlineStore('sqlite', async () => {
  const path = join(dir, `online-${n++}.db`)
  const store = await openSqliteOnlineStore({ path })
  return {
    store,
    dispose: async () => {
      await store.close()
      rmSync(path, { force: true })
    },
  }
})

describeOnlineStore('sqlite in memory', async () => {
  const store = await openSqliteOnlineStore({ path: ':memory:' })
  return { store, dispose: () => store.close() }
})

describe('SQLite online store', () => {
  it('persists across reopen, in WAL mode', async () => {
    const path = join(dir, 'persist.db')
    const first = await openSqliteOnlineStore({ path })
    await first.write(view, [{ key: ['a', 1], eventAt: 5, values: { x: 'y' } }], 6)
    await first.setWatermark(view, { at: 5, updatedAt: 7 })
    await first.close()
    const second = await openSqliteOnlineStore({ path })
    expect(await second.read(view, [['a', 1]], 10)).toEqual([{ status: 'present', values: { x: 'y' }, eventAt: 5, materializedAt: 6 }])
    expect(await second.watermark(view)).toEqual({ at: 5, updatedAt: 7 })
    await second.close()
    const db = new Database(path, { readonly: true })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    db.close()
  })

  it('refuses a file written by a newer Keel', async () => {
    const path = join(dir, 'newer.db')
    await (await openSqliteOnlineStore({ path })).close()
    const db = new Database(path)
    db.pragma('user_version = 99')
    db.close()
    await expect(openSqliteOnlineStore({ path })).rejects.toMatchObject({ code: 'ONLINE_UNREACHABLE', message: expect.stringContaining('newer') })
  })

  it('reports a path it cannot open', async () => {
    const file = join(dir, 'a-file')
    writeFileSync(file, 'not a directory')
    await expect(openSqliteOnlineStore({ path: join(file, 'sub', 'online.db') })).rejects.toMatchObject({ code: 'ONLINE_UNREACHABLE' })
  })
})
