/**
 * @module Identifiers: time-sortable, random, URL-safe.
 */
import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz' // Crockford base32, lower case

function encodeTime(ms: number): string {
  let out = ''
  let rest = ms
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[rest % 32] + out
    rest = Math.floor(rest / 32)
  }
  return out
}

// ids are made per answered prediction: one randomBytes call per 256 ids, and the time part
// encoded once per millisecond (the same pooling crypto.randomUUID does)
const POOL_BYTES = 4096
let pool = Buffer.alloc(0)
let poolOffset = 0
let lastMs = Number.NaN
let lastTime = ''

function encodeRandom(): string {
  if (poolOffset + 16 > pool.length) {
    pool = randomBytes(POOL_BYTES)
    poolOffset = 0
  }
  let out = ''
  // 256 is a multiple of 32, so the low 5 bits of a random byte are uniform
  for (let i = poolOffset; i < poolOffset + 16; i++) out += ALPHABET[(pool[i] as number) & 31]
  poolOffset += 16
  return out
}

/**
 * A 26-character id that sorts by creation time (ULID layout): ids created
 * later compare greater, so `ORDER BY id` is creation order on every backend.
 * The last 16 characters are 80 random bits from the operating system's CSPRNG.
 */
export function newId(now: number = Date.now()): string {
  if (now !== lastMs) {
    lastTime = encodeTime(now)
    lastMs = now
  }
  return lastTime + encodeRandom()
}

/** Whether `value` looks like an id made by {@link newId} (or a prefix of one). */
export function isIdPrefix(value: string): boolean {
  return value.length > 0 && value.length <= 26 && /^[0-9a-hjkmnp-tv-z]+$/.test(value)
}
