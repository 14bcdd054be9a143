import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { newId } from '../../../src/core/ids.js'
import { MIGRATIONS, SCHEMA_VERSION } from '../../../src/stores/sql/migrations.js'
import { openSqliteMetadataStore } from '../../../src/stores/sqlite/sqlite-metadata-store.js'
import { tempDir } from '../../helpers/temp.js'
import { describeMetadataStore } from '../metadata-store.contract.js'

const dir = tempDir()
let n = 0

describeMetadataStore('sqlite', async () => {
  const path = join(dir, `contract-${n++}.db`)
  const store = await openSqliteMetadataStore({ path })
  return {
    store,
    dispose: async () => {
      await store.close()
      rmSync(path, { force: true })
    },
  }
})

describeMetadataStore('sqlite in memory', async () => {
  const store = await openSqliteMetadataStore({ path: ':memory:' })
  return { store, dispose: () => store.close() }
})

describe('SQLite metadata store', () => {
  it('persists across reopen, in WAL mode, with migrations applied once', async () => {
    const path = join(dir, 'persist.db')
    const first = await openSqliteMetadataStore({ path })
    const exp = await first.ensureExperiment('e', newId(), 1)
    await first.close()
    const second = await openSqliteMetadataStore({ path })
    expect(await second.getExperiment('e')).toEqual(exp)
    await second.close()
    const db = new Database(path, { readonly: true })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.prepare('SELECT version FROM keel_schema_migrations').all()).toEqual(MIGRATIONS.map((m) => ({ version: m.version })))
    db.close()
  })

  it('refuses a database migrated by a newer Keel', async () => {
    const path = join(dir, 'newer.db')
    await (await openSqliteMetadataStore({ path })).close()
    const db = new Database(path)
    db.prepare('INSERT INTO keel_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(SCHEMA_VERSION + 1, 'future', 0)
    db.close()
    await expect(openSqliteMetadataStore({ path })).rejects.toMatchObject({ code: 'METADATA_SCHEMA_TOO_NEW' })
  })

  it('reports a path it cannot open', async () => {
    const file = join(dir, 'a-file')
    writeFileSync(file, 'not a directory')
    await expect(openSqliteMetadataStore({ path: join(file, 'sub', 'keel.db') })).rejects.toMatchObject({ code: 'METADATA_UNREACHABLE' })
  })
})
