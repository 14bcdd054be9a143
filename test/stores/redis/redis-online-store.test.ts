import { describe, expect, it } from 'vitest'
import { openRedisOnlineStore } from '../../../src/stores/redis/redis-online-store.js'
import { freshRedisPrefix, withRedis } from '../../helpers/redis.js'
import { describeOnlineStore } from '../online-store.contract.js'

const DAY = 86_400_000
const T0 = 1_700_000_000_000

describeOnlineStore('redis', async () => {
  const fresh = freshRedisPrefix()
  const store = await openRedisOnlineStore({ url: fresh.url })
  return {
    store,
    dispose: async () => {
      await store.close()
      await fresh.drop()
    },
  }
})

describe('Redis online store', () => {
  it('sets a key expiry a grace period past the TTL, counted from the write (space only)', async () => {
    const fresh = freshRedisPrefix()
    const store = await openRedisOnlineStore({ url: fresh.url })
    try {
      const view = { name: 'customer', version: 'v1', ttlMs: DAY }
      await store.write(view, [{ key: ['a'], eventAt: T0, values: {} }], T0 + DAY / 2)
      await store.write({ ...view, ttlMs: null }, [{ key: ['b'], eventAt: T0, values: {} }], T0)
      const [a, b] = await withRedis((r) => Promise.all([r.pttl(`${fresh.prefix}customer@v1:e:["a"]`), r.pttl(`${fresh.prefix}customer@v1:e:["b"]`)]))
      expect(a).toBeGreaterThan(DAY / 2 + 6 * DAY)
      expect(a).toBeLessThanOrEqual(DAY / 2 + 7 * DAY)
      expect(b).toBe(-1)
    } finally {
      await store.close()
      await fresh.drop()
    }
  })

  it('keeps writing after Redis loses its script cache', async () => {
    const fresh = freshRedisPrefix()
    const store = await openRedisOnlineStore({ url: fresh.url })
    try {
      const view = { name: 'customer', version: 'v1', ttlMs: null }
      await withRedis((r) => r.script('FLUSH'))
      expect(await store.write(view, [{ key: ['a'], eventAt: T0, values: { x: 1 } }], T0)).toBe(1)
      expect((await store.read(view, [['a']], T0))[0]?.status).toBe('present')
    } finally {
      await store.close()
      await fresh.drop()
    }
  })

  it('reports an unreachable server without leaking the password', async () => {
    const error = await openRedisOnlineStore({ url: 'redis://keel:s3cret@127.0.0.1:1/0', connectTimeoutMs: 2000 }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ONLINE_UNREACHABLE' })
    expect(String((error as Error).message)).toContain('127.0.0.1:1')
    expect(String((error as Error).message)).not.toContain('s3cret')
  })
})
