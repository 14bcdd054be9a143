import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createToken, TokenCache } from '../../src/serve/auth.js'
import type { MetadataStore } from '../../src/stores/metadata-store.js'
import { openSqliteMetadataStore } from '../../src/stores/sqlite/sqlite-metadata-store.js'

describe('TokenCache', () => {
  let store: MetadataStore
  let lookups: number
  let clock: number
  const now = () => clock

  beforeEach(async () => {
    const real = await openSqliteMetadataStore({ path: ':memory:' })
    lookups = 0
    clock = 1_000
    // the real store, counting its token lookups
    store = new Proxy(real, {
      get(target, key, receiver) {
        if (key === 'findToken') {
          return (hash: string) => {
            lookups++
            return target.findToken(hash)
          }
        }
        const value = Reflect.get(target, key, receiver)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  })

  afterEach(async () => {
    await store.close()
  })

  it('looks a token up once per ttl, and stops accepting a revoked token once the ttl has passed', async () => {
    const { secret, token } = await createToken(store, { name: 'app', role: 'predict' })
    const tokens = new TokenCache(store, 1_000, now)
    for (let i = 0; i < 50; i++) expect((await tokens.authenticate(`Bearer ${secret}`))?.id).toBe(token.id)
    expect(lookups).toBe(1)
    await store.revokeToken(token.id, clock)
    clock += 999
    // revoked in the store, still trusted from the last lookup: the documented delay
    expect((await tokens.authenticate(`Bearer ${secret}`))?.id).toBe(token.id)
    clock += 1
    expect(await tokens.authenticate(`Bearer ${secret}`)).toBeUndefined()
    expect(lookups).toBe(2)
  })

  it('asks the store every time with a ttl of 0, and never for a header that is not a bearer token', async () => {
    const { secret } = await createToken(store, { name: 'app', role: 'admin' })
    const tokens = new TokenCache(store, 0, now)
    for (let i = 0; i < 5; i++) expect((await tokens.authenticate(`bearer ${secret}`))?.role).toBe('admin')
    expect(lookups).toBe(5)
    expect(await tokens.authenticate(undefined)).toBeUndefined()
    expect(await tokens.authenticate(`Basic ${secret}`)).toBeUndefined()
    expect(lookups).toBe(5)
  })

  it('remembers unknown secrets too, but only as many answers as its capacity', async () => {
    const tokens = new TokenCache(store, 60_000, now, 3)
    for (const secret of ['a', 'b', 'c', 'a', 'b', 'c']) expect(await tokens.authenticate(`Bearer ${secret}`)).toBeUndefined()
    expect(lookups).toBe(3)
    // a fourth pushes the oldest (a) out
    await tokens.authenticate('Bearer d')
    await tokens.authenticate('Bearer a')
    expect(lookups).toBe(5)
    await tokens.authenticate('Bearer d')
    expect(lookups).toBe(5)
  })
})
