import { describe, expect, it } from 'vitest'
import { newId } from '../../../src/core/ids.js'
import { openPostgresMetadataStore } from '../../../src/stores/postgres/postgres-metadata-store.js'
import { MIGRATIONS } from '../../../src/stores/sql/migrations.js'
import { freshSchema, withPg } from '../../helpers/postgres.js'
import { describeMetadataStore } from '../metadata-store.contract.js'

describeMetadataStore('postgres', async () => {
  const schema = freshSchema()
  const store = await openPostgresMetadataStore({ url: schema.url })
  return {
    store,
    dispose: async () => {
      await store.close()
      await schema.drop()
    },
  }
})

describe('PostgreSQL metadata store', () => {
  it('migrates once when several processes open a new schema at the same time', async () => {
    const schema = freshSchema()
    try {
      const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresMetadataStore({ url: schema.url })))
      await Promise.all(stores.map((s) => s.close()))
      const rows = await withPg((c) => c.query(`SELECT version FROM "${schema.schema}".keel_schema_migrations`))
      expect(rows.rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version })))
    } finally {
      await schema.drop()
    }
  })

  it('keeps projects in different schemas apart', async () => {
    const [s1, s2] = [freshSchema(), freshSchema()]
    try {
      const a = await openPostgresMetadataStore({ url: s1.url })
      const b = await openPostgresMetadataStore({ url: s2.url })
      await a.ensureExperiment('only-in-a', newId(), 1)
      expect(await b.listExperiments()).toEqual([])
      await Promise.all([a.close(), b.close()])
    } finally {
      await Promise.all([s1.drop(), s2.drop()])
    }
  })

  it('reports an unreachable server without leaking the password', async () => {
    const error = await openPostgresMetadataStore({ url: 'postgres://keel:s3cret@127.0.0.1:1/none', connectTimeoutMs: 2000 }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'METADATA_UNREACHABLE' })
    expect(String((error as Error).message)).toContain('127.0.0.1:1')
    expect(String((error as Error).message)).not.toContain('s3cret')
  })

  it('rejects a schema name that is not a plain identifier', async () => {
    await expect(openPostgresMetadataStore({ url: 'postgres://postgres@127.0.0.1/test?schema=a;drop' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
  })
})
