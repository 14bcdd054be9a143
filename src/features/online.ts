/**
 * @module Online lookups: a view's latest values for entity keys, through the project's online
 * store, with the TTL checked at read time.
 */
import { KeelError } from '../core/errors.js'
import type { Project } from '../project.js'
import type { EntityKey, EntityKeyPart, OnlineResult, OnlineStore } from '../stores/online-store.js'
import { featureViewFrom, type ResolvedFeatureView } from './feature-view.js'

/** One key's lookup: the store's result, the key asked, and (when there is an event) its age. */
export type OnlineLookup = OnlineResult & { readonly key: EntityKey; readonly ageMs?: number }

/**
 * Reads `keys` of a view version in one round trip; FEATURE_KEY_INVALID when a key has the
 * wrong number of parts. Serving calls this with the store it holds open.
 */
export async function lookupOnline(store: OnlineStore, view: ResolvedFeatureView, keys: readonly EntityKey[], now: number): Promise<OnlineLookup[]> {
  for (const key of keys) {
    if (!Array.isArray(key) || key.length !== view.entities.length) {
      throw new KeelError('FEATURE_KEY_INVALID', `feature view "${view.name}" is keyed by ${view.entities.join(', ')}; got the key ${JSON.stringify(key)}`)
    }
  }
  const results = await store.read(view, keys, now)
  return results.map((r, i) => ({ ...r, key: keys[i] as EntityKey, ...(r.status === 'missing' ? {} : { ageMs: now - r.eventAt }) }))
}

/**
 * The online values of a project's feature view for `keys`.
 *
 * @example
 * ```ts
 * const [c] = await getOnlineFeatures(project, 'customer', [[42]])
 * if (c.status === 'present') c.values.spend_30d
 * ```
 */
export async function getOnlineFeatures(
  project: Project,
  view: string,
  keys: readonly EntityKey[],
  options: { readonly now?: number } = {},
): Promise<OnlineLookup[]> {
  const resolved = featureViewFrom(project.config.featureViews, view)
  return lookupOnline(await project.online(), resolved, keys, options.now ?? Date.now())
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?$/

/**
 * The keys a command-line entity argument may mean: `42,ab` (parts split on commas; a part that
 * reads as a number is a number) or JSON `[42,"a,b"]` (exact types, commas allowed). Without
 * JSON, the same key with every part as a string is the second candidate, so `42` finds an
 * entity stored under the string "42" too.
 */
export function entityKeyCandidates(text: string): EntityKey[] {
  if (text.trimStart().startsWith('[')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw new KeelError('FEATURE_KEY_INVALID', `entity key ${text} is not a JSON array`)
    }
    if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string' || typeof p === 'number')) {
      throw new KeelError('FEATURE_KEY_INVALID', `entity key ${text} must be a JSON array of strings and numbers`)
    }
    return [parsed as EntityKeyPart[]]
  }
  const parts = text.split(',')
  const typed = parts.map((p) => (NUMBER.test(p) ? Number(p) : p))
  return typed.some((p) => typeof p === 'number') ? [typed, parts] : [parts]
}
