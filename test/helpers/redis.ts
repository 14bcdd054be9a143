import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'

/**
 * The Redis server the suites use. There is deliberately no skip: when it is
 * unreachable the Redis tests fail, in CI and locally alike.
 */
export const TEST_REDIS_URL = process.env.KEEL_TEST_REDIS ?? 'redis://127.0.0.1:6379/0'

/** A URL whose keys all start with a new, unique prefix; `drop()` removes them. */
export function freshRedisPrefix(): { url: string; prefix: string; drop: () => Promise<void> } {
  const prefix = `keel-t-${randomBytes(6).toString('hex')}:`
  const url = new URL(TEST_REDIS_URL)
  url.searchParams.set('prefix', prefix)
  return { url: url.toString(), prefix, drop: () => withRedis((r) => dropPrefix(r, prefix)) }
}

/** Runs `fn` with a plain ioredis client on the test server. */
export async function withRedis<T>(fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    client.disconnect()
  }
}

async function dropPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    if (keys.length > 0) await client.unlink(...keys)
    cursor = next
  } while (cursor !== '0')
}
