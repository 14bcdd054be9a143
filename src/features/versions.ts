/**
 * @module Feature view versions: `keel features apply` registers each view's current definition
 * hash in the metadata store and says what changed since the last registered version, the way
 * `terraform plan` does; `keel features list` shows registered against current.
 */
import { canonicalJson } from '../core/hash.js'
import type { Project } from '../project.js'
import type { FeatureViewVersionRecord } from '../stores/metadata-store.js'
import { featureViewsFrom, type ResolvedFeatureView } from './feature-view.js'

/** What differs between two definitions of a view. */
export interface FeatureViewDiff {
  readonly added: readonly string[]
  readonly removed: readonly string[]
  /** Features whose definition changed (kind, column, window or expression). */
  readonly changed: readonly string[]
  /** Other fields that changed (`entities`, `timestamp`, `source`, `ttlMs`), with before and after. */
  readonly fields: Readonly<Record<string, { readonly before: unknown; readonly after: unknown }>>
}

/** One view in a plan: new, changed, unchanged, or registered but no longer declared. */
export interface FeatureViewPlan {
  readonly name: string
  readonly status: 'new' | 'changed' | 'unchanged' | 'undeclared'
  /** The current version (null for an undeclared view). */
  readonly version: string | null
  /** The newest registered version before this apply (null for a new view). */
  readonly previous: string | null
  readonly diff: FeatureViewDiff
}

const FIELDS = ['entities', 'timestamp', 'source', 'ttlMs'] as const
const EMPTY: FeatureViewDiff = { added: [], removed: [], changed: [], fields: {} }

/** The differences from `before` to `after` (canonical definitions as `ResolvedFeatureView.definition` holds them). */
export function diffDefinitions(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): FeatureViewDiff {
  const a = (before.features ?? {}) as Record<string, unknown>
  const b = (after.features ?? {}) as Record<string, unknown>
  const fields: Record<string, { before: unknown; after: unknown }> = {}
  for (const f of FIELDS)
    if (canonicalJson(before[f] ?? null) !== canonicalJson(after[f] ?? null)) fields[f] = { before: before[f] ?? null, after: after[f] ?? null }
  return {
    added: Object.keys(b).filter((n) => !(n in a)),
    removed: Object.keys(a).filter((n) => !(n in b)),
    changed: Object.keys(b).filter((n) => n in a && canonicalJson(a[n]) !== canonicalJson(b[n])),
    fields,
  }
}

function planOne(view: ResolvedFeatureView, registered: readonly FeatureViewVersionRecord[]): FeatureViewPlan {
  const newest = registered[0]
  if (newest === undefined) return { name: view.name, status: 'new', version: view.version, previous: null, diff: diffDefinitions({}, view.definition) }
  return {
    name: view.name,
    status: newest.version === view.version ? 'unchanged' : 'changed',
    version: view.version,
    previous: newest.version,
    // a return to an older definition is still a change from the newest registered one
    diff: newest.version === view.version ? EMPTY : diffDefinitions(newest.definition, view.definition),
  }
}

/**
 * What `apply` would register: every declared view against its newest registered version,
 * and registered views no longer declared. Writes nothing.
 */
export async function planFeatureViews(project: Project): Promise<FeatureViewPlan[]> {
  const views = featureViewsFrom(project.config.featureViews)
  const registered = await project.metadata.listFeatureViewVersions()
  const byName = (name: string) => registered.filter((r) => r.name === name)
  const declared = new Set(views.map((v) => v.name))
  const gone = [...new Set(registered.map((r) => r.name))].filter((n) => !declared.has(n)).sort()
  return [
    ...views.map((v) => planOne(v, byName(v.name))),
    ...gone.map((name): FeatureViewPlan => ({ name, status: 'undeclared', version: null, previous: byName(name)[0]?.version ?? null, diff: EMPTY })),
  ]
}

/**
 * Registers the current version of every declared view that is new or changed, and returns the
 * plan it carried out. Registered versions are never deleted: models trained on them keep them.
 *
 * @example
 * ```ts
 * const plan = await applyFeatureViews(project, { user: 'ann' })
 * plan.filter((p) => p.status === 'changed') // [{ name: 'customer', diff: { added: ['orders_7d'], … } }]
 * ```
 */
export async function applyFeatureViews(project: Project, options: { readonly user: string; readonly now?: number }): Promise<FeatureViewPlan[]> {
  const plan = await planFeatureViews(project)
  const views = new Map(featureViewsFrom(project.config.featureViews).map((v) => [v.name, v]))
  const at = options.now ?? Date.now()
  for (const p of plan) {
    const view = views.get(p.name)
    if (view === undefined || p.status === 'unchanged') continue
    await project.metadata.registerFeatureViewVersion({
      name: view.name,
      version: view.version,
      definition: view.definition,
      createdAt: at,
      createdBy: options.user,
    })
  }
  return plan
}

/** A view with its current and newest registered version. */
export interface FeatureViewSummary {
  readonly name: string
  readonly source: string | null
  readonly entities: readonly string[]
  readonly features: readonly string[]
  readonly ttlMs: number | null
  /** Null for a view registered but no longer declared. */
  readonly current: string | null
  readonly registered: string | null
  /** How many versions are registered. */
  readonly versions: number
  /** Whether the current definition is the newest registered one (else run `keel features apply`). */
  readonly applied: boolean
}

/** Declared views (and registered ones no longer declared), by name. */
export async function listFeatureViews(project: Project): Promise<FeatureViewSummary[]> {
  const views = featureViewsFrom(project.config.featureViews)
  const registered = await project.metadata.listFeatureViewVersions()
  const names = [...new Set([...views.map((v) => v.name), ...registered.map((r) => r.name)])].sort()
  return names.map((name) => {
    const view = views.find((v) => v.name === name)
    const mine = registered.filter((r) => r.name === name)
    const definition = view?.definition ?? mine[0]?.definition ?? {}
    return {
      name,
      source: (definition.source as string | undefined) ?? null,
      entities: (definition.entities as string[] | undefined) ?? [],
      features: Object.keys((definition.features as Record<string, unknown> | undefined) ?? {}),
      ttlMs: (definition.ttlMs as number | null | undefined) ?? null,
      current: view?.version ?? null,
      registered: mine[0]?.version ?? null,
      versions: mine.length,
      applied: view !== undefined && mine[0]?.version === view.version,
    }
  })
}
