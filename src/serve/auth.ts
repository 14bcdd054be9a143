/**
 * @module API tokens and rate limits. Tokens are random secrets shown once; only their sha256
 * is stored. Roles: `predict` (predict, infer, feedback, metadata) and `admin` (also reload and routing).
 */
import { randomBytes } from 'node:crypto'
import { sha256 } from '../core/hash.js'
import { newId } from '../core/ids.js'
import type { ApiTokenRecord, MetadataStore } from '../stores/metadata-store.js'

export type Role = ApiTokenRecord['role']

/**
 * Creates a token and returns its secret (the only time it is seen) with the stored record.
 *
 * @example
 * ```ts
 * const { secret } = await createToken(project.metadata, { name: 'checkout-service', role: 'predict' })
 * // curl -H "Authorization: Bearer $secret" …
 * ```
 */
export async function createToken(
  store: MetadataStore,
  options: { readonly name: string; readonly role: Role },
): Promise<{ secret: string; token: ApiTokenRecord }> {
  const secret = `keel_${randomBytes(24).toString('base64url')}`
  const token: ApiTokenRecord = { id: newId(), name: options.name, role: options.role, hash: sha256(secret), createdAt: Date.now(), revokedAt: null }
  await store.createToken(token)
  return { secret, token }
}

/**
 * The token an `Authorization: Bearer …` header carries, if it is valid and not revoked, with
 * each answer kept for `ttlMs`: a request with a token seen in the last
 * `ttlMs` needs no metadata-store round trip (on PostgreSQL, one per request otherwise), and a
 * token revoked from any process stops working within `ttlMs`. 0 asks the store every time.
 *
 * @example
 * ```ts
 * const tokens = new TokenCache(project.metadata, 1000)
 * const token = await tokens.authenticate(request.headers.authorization)
 * ```
 */
export class TokenCache {
  /** Hash → the token (undefined: unknown or revoked) and until when the answer holds; oldest first. */
  readonly #answers = new Map<string, { readonly token: ApiTokenRecord | undefined; readonly until: number }>()

  constructor(
    readonly store: MetadataStore,
    readonly ttlMs: number,
    readonly now: () => number = Date.now,
    /** Answers kept at most; past it the oldest go, so random secrets cannot grow the cache. */
    readonly capacity = 10_000,
  ) {}

  async authenticate(header: string | undefined): Promise<ApiTokenRecord | undefined> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
    if (!match) return undefined
    const hash = sha256(match[1] as string)
    const t = this.now()
    const kept = this.#answers.get(hash)
    if (kept !== undefined && kept.until > t) return kept.token
    const token = await this.store.findToken(hash)
    if (this.ttlMs > 0) {
      this.#answers.delete(hash)
      this.#answers.set(hash, { token, until: t + this.ttlMs })
      if (this.#answers.size > this.capacity) this.#answers.delete(this.#answers.keys().next().value as string)
    }
    return token
  }
}

/** Whether a role may use a route of the given kind. */
export function allows(role: Role, need: Role): boolean {
  return role === 'admin' || need === 'predict'
}

/**
 * A token bucket per key: `perMinute` requests a minute, refilled continuously, with bursts up
 * to `perMinute`. Returns the seconds to wait when a request is over the limit.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    readonly perMinute: number,
    readonly now: () => number = Date.now,
  ) {}

  take(key: string): { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number } {
    const t = this.now()
    const rate = this.perMinute / 60_000
    const bucket = this.#buckets.get(key) ?? { tokens: this.perMinute, at: t }
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (t - bucket.at) * rate)
    bucket.at = t
    this.#buckets.set(key, bucket)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return { ok: true }
    }
    return { ok: false, retryAfterSeconds: Math.ceil((1 - bucket.tokens) / rate / 1000) }
  }
}
