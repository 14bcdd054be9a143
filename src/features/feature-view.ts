/**
 * @module Feature views as keel.config.ts declares them with `featureView({ … })`: entity key
 * columns, an event-time column, features over a dataset (windowed aggregations, the latest
 * value, row-level SQL), and a TTL. One definition serves training (point in time) and serving
 * (online, by entity key). A view's version is the hash of what decides its values; owner,
 * tags and description are not part of it.
 */
import { z } from 'zod'
import { parseDuration } from '../core/duration.js'
import { KeelError } from '../core/errors.js'
import { canonicalJson, sha256 } from '../core/hash.js'
import { firstIssue } from '../core/spec-issue.js'
import { isSql, render, type Sql } from '../data/sql.js'

/** Aggregations over a trailing window of events: `(asOf - window, asOf]`. */
export type WindowedKind = 'sum' | 'mean' | 'min' | 'max' | 'count' | 'distinct'

/** One feature: how its value at a time is computed from the entity's events. */
export type FeatureDefinition =
  | { readonly kind: WindowedKind; readonly column: string | null; readonly window: string }
  | { readonly kind: 'latest'; readonly column: string }
  | { readonly kind: 'sql'; readonly expression: Sql }

const windowed =
  (kind: Exclude<WindowedKind, 'count'>) =>
  (column: string, window: string): FeatureDefinition => ({ kind, column, window })

/** Sum of `column` over the events in the trailing `window` (e.g. `'30d'`); 0 when there are none. */
export const sum = windowed('sum')
/** Mean of `column` over the trailing `window`; null when there are no events. */
export const mean = windowed('mean')
/** Smallest `column` value in the trailing `window`; null when there are no events. */
export const min = windowed('min')
/** Largest `column` value in the trailing `window`; null when there are no events. */
export const max = windowed('max')
/** Distinct values of `column` in the trailing `window`. */
export const distinctCount = windowed('distinct')

/** Number of events in the trailing `window`. */
export function count(window: string): FeatureDefinition {
  return { kind: 'count', column: null, window }
}

/** `column` on the entity's latest event at or before the time asked (within the TTL). */
export function latest(column: string): FeatureDefinition {
  return { kind: 'latest', column }
}

/**
 * A row-level SQL expression over the source's columns, evaluated on the entity's latest event
 * at or before the time asked (within the TTL): `ratio: feature(sql\`amount / nullif(items, 0)\`)`.
 */
export function feature(expression: Sql): FeatureDefinition {
  return { kind: 'sql', expression }
}

export interface FeatureViewSpec {
  /** The entity key column, or several for a composite key. */
  readonly entity: string | readonly string[]
  /** The source's event-time column. */
  readonly timestamp: string
  /** The dataset the events come from (a name under `datasets`). */
  readonly source: string
  readonly features: Readonly<Record<string, FeatureDefinition>>
  /**
   * How old the entity's latest event may be for its values to count (e.g. `'90d'`). Older, a
   * value is expired: absent offline, and reported as expired online. Default: no limit.
   */
  readonly ttl?: string
  readonly owner?: string
  readonly tags?: Readonly<Record<string, string>>
  readonly description?: string
}

/**
 * Declares a feature view (identity at run time; it gives editors the shape).
 *
 * @example
 * ```ts
 * featureViews: {
 *   customer: featureView({
 *     entity: 'customer_id', timestamp: 'event_time', source: 'orders', ttl: '90d',
 *     features: { spend_30d: sum('amount', '30d'), orders_7d: count('7d'), last_plan: latest('plan') },
 *   }),
 * }
 * ```
 */
export function featureView(spec: FeatureViewSpec): FeatureViewSpec {
  return spec
}

/** A view checked and resolved: durations in milliseconds and its version. */
export interface ResolvedFeatureView {
  readonly name: string
  readonly spec: FeatureViewSpec
  readonly entities: readonly string[]
  readonly timestamp: string
  readonly source: string
  readonly ttlMs: number | null
  readonly features: readonly ResolvedFeature[]
  /** sha256 of the definition (first 16 hex digits name it: `customer@3f9a…`). */
  readonly version: string
  /** The canonical definition the version hashes, as stored with it. */
  readonly definition: Readonly<Record<string, unknown>>
}

export interface ResolvedFeature {
  readonly name: string
  readonly definition: FeatureDefinition
  /** The window in milliseconds (windowed kinds only). */
  readonly windowMs: number | null
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/
const column = z.string().regex(IDENT, 'is not a column name')
const definition = z.union([
  z.strictObject({ kind: z.enum(['sum', 'mean', 'min', 'max', 'distinct']), column, window: z.string() }),
  z.strictObject({ kind: z.literal('count'), column: z.null(), window: z.string() }),
  z.strictObject({ kind: z.literal('latest'), column }),
  z.strictObject({ kind: z.literal('sql'), expression: z.custom<Sql>(isSql, 'must be a sql`…` fragment') }),
])
const schema = z.strictObject({
  entity: z.union([column, z.array(column).min(1)]),
  timestamp: column,
  source: z.string().min(1),
  features: z.record(z.string().regex(IDENT, 'feature names are letters, digits and _'), definition),
  ttl: z.string().optional(),
  owner: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  description: z.string().optional(),
})

function invalid(name: string, why: string): KeelError {
  return new KeelError('FEATURE_VIEW_INVALID', `feature view "${name}": ${why}`)
}

/** The feature view named `name`, checked (FEATURE_VIEW_INVALID names the field). */
export function featureViewFrom(declared: Readonly<Record<string, unknown>>, name: string): ResolvedFeatureView {
  const raw = declared[name]
  if (raw === undefined) throw invalid(name, `is not declared in keel.config.ts (declared: ${Object.keys(declared).join(', ') || 'none'})`)
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    throw invalid(name, firstIssue(parsed.error))
  }
  const spec = raw as FeatureViewSpec
  const entities = typeof spec.entity === 'string' ? [spec.entity] : [...spec.entity]
  if (new Set(entities).size !== entities.length) throw invalid(name, '`entity` names a column twice')
  if (entities.includes(spec.timestamp)) throw invalid(name, '`timestamp` cannot also be an entity key')
  const ttlMs = spec.ttl === undefined ? null : parseDuration(spec.ttl)
  if (ttlMs === undefined || (ttlMs !== null && ttlMs <= 0)) throw invalid(name, `ttl "${spec.ttl}" is not a duration like 90d`)
  const names = Object.keys(spec.features)
  if (names.length === 0) throw invalid(name, 'declares no features')
  const features = names.map((feature): ResolvedFeature => {
    const d = spec.features[feature] as FeatureDefinition
    if (entities.includes(feature) || feature === spec.timestamp) throw invalid(name, `feature "${feature}" has the name of a key or the timestamp`)
    if (!('window' in d)) return { name: feature, definition: d, windowMs: null }
    const windowMs = parseDuration(d.window)
    if (windowMs === undefined || windowMs <= 0) throw invalid(name, `feature "${feature}": window "${d.window}" is not a duration like 30d`)
    return { name: feature, definition: d, windowMs }
  })
  const canonical = {
    entities,
    timestamp: spec.timestamp,
    source: spec.source,
    ttlMs,
    features: Object.fromEntries(features.map((f) => [f.name, canonicalFeature(f)])),
  }
  return {
    name,
    spec,
    entities,
    timestamp: spec.timestamp,
    source: spec.source,
    ttlMs,
    features,
    version: sha256(canonicalJson(canonical)),
    definition: canonical,
  }
}

function canonicalFeature(f: ResolvedFeature): Record<string, unknown> {
  const d = f.definition
  if (d.kind === 'sql') {
    const { text, params } = render(d.expression)
    return { kind: 'sql', text, params: params.map((p) => (typeof p === 'bigint' ? p.toString() : p)) }
  }
  if (d.kind === 'latest') return { kind: 'latest', column: d.column }
  return { kind: d.kind, column: d.column, windowMs: f.windowMs }
}

/** Every declared view, checked. */
export function featureViewsFrom(declared: Readonly<Record<string, unknown>>): ResolvedFeatureView[] {
  return Object.keys(declared)
    .sort()
    .map((name) => featureViewFrom(declared, name))
}

/** A model's reference to features: `view:feature`, or `view` for all of a view's features. */
export interface FeatureRef {
  readonly view: string
  /** Null: every feature of the view. */
  readonly feature: string | null
}

/** Parses `view:feature`, or `view` / `view:*` for all of a view's features (FEATURE_VIEW_INVALID when it is none of these). */
export function parseFeatureRef(text: string): FeatureRef {
  const m = /^([A-Za-z][A-Za-z0-9_]{0,62})(?::([A-Za-z_][A-Za-z0-9_]{0,62}|\*))?$/.exec(text)
  if (!m) throw new KeelError('FEATURE_VIEW_INVALID', `"${text}" is not a feature reference (use view:feature, or view:* for all of its features)`)
  return { view: m[1] as string, feature: m[2] === undefined || m[2] === '*' ? null : m[2] }
}

/** The features `refs` name, grouped by view, in declaration order; unknown views or features are refused. */
export function resolveFeatureRefs(
  declared: Readonly<Record<string, unknown>>,
  refs: readonly string[],
): { readonly view: ResolvedFeatureView; readonly features: readonly ResolvedFeature[] }[] {
  const byView = new Map<string, Set<string> | null>()
  for (const text of refs) {
    const ref = parseFeatureRef(text)
    const seen = byView.get(ref.view)
    if (ref.feature === null || seen === null) byView.set(ref.view, null)
    else byView.set(ref.view, (seen ?? new Set()).add(ref.feature))
  }
  return [...byView].map(([name, wanted]) => {
    const view = featureViewFrom(declared, name)
    if (wanted !== null) {
      const unknown = [...wanted].filter((f) => !view.features.some((x) => x.name === f))
      if (unknown.length > 0) throw invalid(name, `has no feature ${unknown.join(', ')} (it has ${view.features.map((f) => f.name).join(', ')})`)
    }
    return { view, features: view.features.filter((f) => wanted === null || wanted.has(f.name)) }
  })
}
