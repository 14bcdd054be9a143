/**
 * @module The online store on Redis: one string per entity
 * (`<prefix><view>@<version>:e:<key JSON>` → `<eventAt>|<materializedAt>|<values JSON>`), read with
 * one MGET, written by a script that keeps the newest event, many keys per call.
 */
import { KeelError } from '../../core/errors.js'
import {
  checkRows,
  type EntityKey,
  encodeKey,
  encodeValues,
  type OnlineResult,
  type OnlineRow,
  type OnlineStore,
  type OnlineVersionRef,
  type OnlineViewRef,
  resultAt,
  type StoredOnlineRow,
  type Watermark,
} from '../online-store.js'

/** The subset of ioredis this store uses. */
interface RedisClient {
  connect(): Promise<void>
  mget(keys: string[]): Promise<(string | null)[]>
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>
  hset(key: string, values: Record<string, string>): Promise<number>
  del(...keys: string[]): Promise<number>
  unlink(...keys: string[]): Promise<number>
  scan(cursor: string, match: 'MATCH', pattern: string, count: 'COUNT', n: number): Promise<[string, string[]]>
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  script(sub: 'LOAD', source: string): Promise<unknown>
  quit(): Promise<unknown>
  disconnect(): void
  on(event: 'error', listener: (error: Error) => void): unknown
}

export interface RedisOnlineStoreConfig {
  /** `redis://[user:password@]host[:port][/db][?prefix=keel:&expiry=on]`. */
  readonly url: string
  /** How long to wait for the connection (ms). Default 5,000. */
  readonly connectTimeoutMs?: number
}

/** Keys per script call: bounds the time Redis spends in one call (it serves nothing else meanwhile). */
const WRITE_CHUNK = 500
/**
 * Kept past the TTL before Redis drops an entry, so reads report it as expired (not missing)
 * for a while. Expiry is only a space saver: the TTL is enforced when reading.
 */
const EXPIRY_GRACE_MS = 7 * 24 * 3_600_000

// KEYS: entity keys; ARGV: for each key eventAt, payload, px (0: no expiry). Keeps the newest event.
const PUT_NEWEST = `
local written = 0
for i, key in ipairs(KEYS) do
  local event = tonumber(ARGV[i * 3 - 2])
  local old = redis.call('GET', key)
  local oldEvent = old and tonumber(string.match(old, '^(%-?[%d.e+]+)|'))
  if not oldEvent or event >= oldEvent then
    local px = tonumber(ARGV[i * 3])
    if px > 0 then redis.call('SET', key, ARGV[i * 3 - 1], 'PX', px) else redis.call('SET', key, ARGV[i * 3 - 1]) end
    written = written + 1
  end
end
return written`

/**
 * Connects to Redis; ONLINE_UNREACHABLE (without the password) when it cannot.
 *
 * @example
 * ```ts
 * const store = await openRedisOnlineStore({ url: 'redis://127.0.0.1:6379/0?prefix=churn:' })
 * ```
 */
export async function openRedisOnlineStore(config: RedisOnlineStoreConfig): Promise<OnlineStore> {
  const url = new URL(config.url)
  const where = `${url.hostname}:${url.port || 6379}${url.pathname.length > 1 ? url.pathname : ''}`
  const { Redis } = await import('ioredis')
  const connection = new URL(url)
  connection.search = ''
  const client = new Redis(connection.toString(), {
    lazyConnect: true,
    connectTimeout: config.connectTimeoutMs ?? 5_000,
    commandTimeout: 10_000,
    // fail fast while disconnected (serving applies its degradation) instead of queueing
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  }) as unknown as RedisClient
  // connection errors surface through the calls; without a listener ioredis would log them
  client.on('error', () => undefined)
  try {
    await client.connect()
    const sha = String(await client.script('LOAD', PUT_NEWEST))
    return new RedisOnlineStore(client, where, sha, url.searchParams.get('prefix') ?? 'keel:', url.searchParams.get('expiry') !== 'off')
  } catch (error) {
    client.disconnect()
    throw unreachable(where, error)
  }
}

function unreachable(where: string, error: unknown): KeelError {
  if (error instanceof KeelError) return error
  return new KeelError('ONLINE_UNREACHABLE', `Redis online store at ${where}: ${(error as Error).message}`, { cause: error })
}

class RedisOnlineStore implements OnlineStore {
  readonly backend = 'redis'
  readonly capabilities = { shared: true, nativeExpiry: true }
  readonly #client: RedisClient
  readonly #where: string
  readonly #sha: string
  readonly #prefix: string
  readonly #expiry: boolean
  #closed = false

  constructor(client: RedisClient, where: string, sha: string, prefix: string, expiry: boolean) {
    this.#client = client
    this.#where = where
    this.#sha = sha
    this.#prefix = prefix
    this.#expiry = expiry
  }

  async write(view: OnlineViewRef, rows: readonly OnlineRow[], materializedAt: number): Promise<number> {
    const keys = checkRows(rows).map((k) => this.#rowKey(view, k))
    let written = 0
    for (let start = 0; start < rows.length; start += WRITE_CHUNK) {
      const chunk = rows.slice(start, start + WRITE_CHUNK)
      const args = chunk.flatMap((row) => [
        row.eventAt,
        `${row.eventAt}|${materializedAt}|${encodeValues(row.values)}`,
        this.#px(row.eventAt, view.ttlMs, materializedAt),
      ])
      written += Number(await this.#putNewest([...keys.slice(start, start + WRITE_CHUNK), ...args], chunk.length))
    }
    return written
  }

  async read(view: OnlineViewRef, keys: readonly EntityKey[], now: number): Promise<OnlineResult[]> {
    if (keys.length === 0) return []
    const raw = await this.#call(() => this.#client.mget(keys.map((k) => this.#rowKey(view, encodeKey(k)))))
    return raw.map((text) => resultAt(text === null ? undefined : parseStored(text), view.ttlMs, now))
  }

  async watermark(view: OnlineVersionRef): Promise<Watermark | null> {
    const [at, updatedAt] = await this.#call(() => this.#client.hmget(this.#watermarkKey(view), 'at', 'updatedAt'))
    return at === null || at === undefined ? null : { at: Number(at), updatedAt: Number(updatedAt) }
  }

  async setWatermark(view: OnlineVersionRef, watermark: Watermark): Promise<void> {
    await this.#call(() => this.#client.hset(this.#watermarkKey(view), { at: String(watermark.at), updatedAt: String(watermark.updatedAt) }))
  }

  async deleteVersion(view: OnlineVersionRef): Promise<number> {
    await this.#call(() => this.#client.del(this.#watermarkKey(view)))
    const pattern = `${globEscape(`${this.#versionPrefix(view)}e:`)}*`
    let cursor = '0'
    let removed = 0
    do {
      const [next, found] = await this.#call(() => this.#client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000))
      if (found.length > 0) removed += await this.#call(() => this.#client.unlink(...found))
      cursor = next
    } while (cursor !== '0')
    return removed
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#client.quit().catch(() => this.#client.disconnect())
  }

  /** Runs the write script; reloads it once when Redis lost its script cache (restart, SCRIPT FLUSH). */
  async #putNewest(args: (string | number)[], numKeys: number): Promise<unknown> {
    try {
      return await this.#call(() => this.#client.evalsha(this.#sha, numKeys, ...args))
    } catch (error) {
      if (!String((error as Error).message).includes('NOSCRIPT')) throw error
      await this.#call(() => this.#client.script('LOAD', PUT_NEWEST))
      return this.#call(() => this.#client.evalsha(this.#sha, numKeys, ...args))
    }
  }

  #px(eventAt: number, ttlMs: number | null, materializedAt: number): number {
    if (!this.#expiry || ttlMs === null) return 0
    return Math.max(0, eventAt + ttlMs - materializedAt) + EXPIRY_GRACE_MS
  }

  #versionPrefix(view: OnlineVersionRef): string {
    return `${this.#prefix}${view.name}@${view.version}:`
  }

  #rowKey(view: OnlineVersionRef, encodedKey: string): string {
    return `${this.#versionPrefix(view)}e:${encodedKey}`
  }

  #watermarkKey(view: OnlineVersionRef): string {
    return `${this.#versionPrefix(view)}watermark`
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new KeelError('STORE_CLOSED', 'the Redis online store is closed')
    try {
      return await fn()
    } catch (error) {
      throw unreachable(this.#where, error)
    }
  }
}

function parseStored(text: string): StoredOnlineRow {
  const first = text.indexOf('|')
  const second = text.indexOf('|', first + 1)
  return { eventAt: Number(text.slice(0, first)), materializedAt: Number(text.slice(first + 1, second)), values: text.slice(second + 1) }
}

function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}
