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

function encodeRandom(bytes: Buffer): string {
  let out = ''
  for (let i = 0; i < 16; i++) out += ALPHABET[(bytes[i] ?? 0) % 32]
  return out
}

/**
 * A 26-character id that sorts by creation time (ULID layout): ids created
 * later compare greater, so `ORDER BY id` is creation order on every backend.
 */
export function newId(now: number = Date.now()): string {
  return encodeTime(now) + encodeRandom(randomBytes(16))
}

/** Whether `value` looks like an id made by {@link newId} (or a prefix of one). */
export function isIdPrefix(value: string): boolean {
  return value.length > 0 && value.length <= 26 && /^[0-9a-hjkmnp-tv-z]+$/.test(value)
}
