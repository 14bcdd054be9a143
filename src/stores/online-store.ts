/**
 * @module The online store: the latest feature values of every entity, by view version and
 * entity key, for lookups at serving time. SQLite embedded; Redis at scale.
 */
import { KeelError } from '../core/errors.js'

/** One part of an entity key. Typed: the number `42` and the string `"42"` are different entities. */
export type EntityKeyPart = string | number

/** An entity key: one part per entity column of the view, in the view's order. */
export type EntityKey = readonly EntityKeyPart[]

export type FeatureValue = number | string | boolean | null

/** What materialization writes for one entity: its values as of the event at `eventAt`. */
export interface OnlineRow {
  readonly key: EntityKey
  /** Epoch ms of the entity's latest event the values reflect; TTL is counted from it. */
  readonly eventAt: number
  readonly values: Readonly<Record<string, FeatureValue>>
}

/** Which data a call is about: one version of one view. */
export interface OnlineVersionRef {
  readonly name: string
  readonly version: string
}

/** A view version and its TTL (a `ResolvedFeatureView` is one). */
export interface OnlineViewRef extends OnlineVersionRef {
  /** A value whose event is older than this at read time comes back expired. Null: no limit. */
  readonly ttlMs: number | null
}

/**
 * One key's answer. `expired` when `now - eventAt > ttl` (an age of exactly the TTL is still
 * present, as offline); its values are withheld so stale data can never be used as present.
 */
export type OnlineResult =
  | { readonly status: 'present'; readonly values: Readonly<Record<string, FeatureValue>>; readonly eventAt: number; readonly materializedAt: number }
  | { readonly status: 'expired'; readonly eventAt: number; readonly materializedAt: number }
  | { readonly status: 'missing' }

/** The point up to which a view version has been materialized, for incremental runs. */
export interface Watermark {
  /** Epoch ms: values reflect every event at or before it. */
  readonly at: number
  /** When the run that set it finished (epoch ms). */
  readonly updatedAt: number
}

export interface OnlineStoreCapabilities {
  /** Several machines can read the same data (a server), not only this one. */
  readonly shared: boolean
  /** Expired entries are also removed by the backend itself, some time after their TTL (space only). */
  readonly nativeExpiry: boolean
}

/**
 * Entity rows by view name, view version and typed entity key. A write keeps, per key, the row
 * with the newest event (a row with an older event than the stored one is ignored), so
 * overlapping or out-of-order materializations never move a value back in time.
 */
export interface OnlineStore {
  readonly backend: string
  readonly capabilities: OnlineStoreCapabilities
  /** Writes rows in one batch (one transaction or pipeline); returns how many were written or replaced. */
  write(view: OnlineViewRef, rows: readonly OnlineRow[], materializedAt: number): Promise<number>
  /** One result per key, in order, in one round trip; TTL is checked against `now`. */
  read(view: OnlineViewRef, keys: readonly EntityKey[], now: number): Promise<OnlineResult[]>
  watermark(view: OnlineVersionRef): Promise<Watermark | null>
  setWatermark(view: OnlineVersionRef, watermark: Watermark): Promise<void>
  /** Removes a view version's rows and watermark; returns how many rows were removed. */
  deleteVersion(view: OnlineVersionRef): Promise<number>
  close(): Promise<void>
}

/** The TTL rule shared with the offline side: an age of exactly `ttlMs` is still valid. */
export function isExpired(eventAt: number, ttlMs: number | null, now: number): boolean {
  return ttlMs !== null && now - eventAt > ttlMs
}

/** The result for a stored row read at `now`. */
export function resultAt(stored: StoredOnlineRow | undefined, ttlMs: number | null, now: number): OnlineResult {
  if (stored === undefined) return { status: 'missing' }
  const { eventAt, materializedAt } = stored
  if (isExpired(eventAt, ttlMs, now)) return { status: 'expired', eventAt, materializedAt }
  return { status: 'present', values: decodeValues(stored.values), eventAt, materializedAt }
}

/** A row as a backend keeps it: encoded values plus its two times. */
export interface StoredOnlineRow {
  readonly eventAt: number
  readonly materializedAt: number
  readonly values: string
}

/** A key as text: JSON keeps `42` and `"42"` apart. Refuses parts that are not strings or finite numbers. */
export function encodeKey(key: EntityKey): string {
  if (!Array.isArray(key) || key.length === 0)
    throw new KeelError('FEATURE_KEY_INVALID', `entity key ${String(key)} must be a non-empty array of strings and numbers`)
  for (const part of key) {
    if (typeof part !== 'string' && !(typeof part === 'number' && Number.isFinite(part))) {
      throw new KeelError('FEATURE_KEY_INVALID', `entity key part ${String(part)} is neither a string nor a finite number`)
    }
  }
  return JSON.stringify(key.map((p) => (Object.is(p, -0) ? 0 : p)))
}

const NON_FINITE = '$keel:number'

/** Values as JSON; NaN and ±Infinity survive the trip (JSON alone would turn them into null). */
export function encodeValues(values: Readonly<Record<string, FeatureValue>>): string {
  return JSON.stringify(values, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { [NON_FINITE]: String(v) } : v))
}

export function decodeValues(text: string): Record<string, FeatureValue> {
  return JSON.parse(text, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && NON_FINITE in v ? Number((v as Record<string, string>)[NON_FINITE]) : v,
  ) as Record<string, FeatureValue>
}

/** Checks a batch before any of it is written: keys, and event times that are finite. */
export function checkRows(rows: readonly OnlineRow[]): string[] {
  return rows.map((row) => {
    if (!Number.isFinite(row.eventAt)) throw new KeelError('FEATURE_KEY_INVALID', `row ${encodeKey(row.key)} has no valid event time (${String(row.eventAt)})`)
    return encodeKey(row.key)
  })
}
