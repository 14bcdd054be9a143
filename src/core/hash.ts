/**
 * @module Hashing: sha256 of bytes, files and canonical JSON.
 */
import { createHash, hash } from 'node:crypto'

/** Hex sha256 of some bytes or a string (UTF-8). */
export function sha256(data: Uint8Array | string): string {
  // the one-shot hash is about twice as fast for the short strings the server hashes per prediction
  return typeof data === 'string' ? hash('sha256', data) : createHash('sha256').update(data).digest('hex')
}

/** Whether `value` is a lower-case hex sha256. */
export function isSha256(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value)
}

/** JSON with object keys sorted, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
    const sorted: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k]
    return sorted
  })
}
