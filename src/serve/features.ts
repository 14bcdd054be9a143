/**
 * @module Serving with online features: a model version trained on feature views gets, for each
 * instance, the online values of exactly the view versions it was trained with, looked up by
 * entity key in one round trip per view. Missing and expired entities, and a failing online
 * store, follow the deployment's declared policy — never silent zeros.
 */
import { Counter, type Registry as PromRegistry } from 'prom-client'
import { KeelError } from '../core/errors.js'
import { featureViewFrom, type ResolvedFeatureView } from '../features/feature-view.js'
import { lookupOnline, type OnlineLookup } from '../features/online.js'
import type { Registry } from '../registry/registry.js'
import type { MetadataStore, ModelVersion } from '../stores/metadata-store.js'
import type { EntityKey, FeatureValue, OnlineStore } from '../stores/online-store.js'
import type { DefaultFeatureValue, ResolvedDeployment } from './deployment.js'
import { HttpError } from './http-error.js'
import type { FieldError, SignatureInput } from './signature.js'

/** A view a model version was trained on, as its signature records it (`signature.featureViews`). */
export interface TrainedView {
  readonly view: string
  readonly version: string
  readonly entities: readonly string[]
  readonly features: readonly { readonly feature: string; readonly input: string }[]
}

/** What the lookup of one view found for one instance; `request` when the request carried every value. */
export type LookupStatus = 'present' | 'missing' | 'expired' | 'error' | 'request'

/** An instance whose view had no online values, and what the policy did about it. */
export interface FeatureIssue {
  readonly instance: number
  readonly view: string
  readonly key: EntityKey
  readonly status: 'missing' | 'expired' | 'error'
  readonly action: 'defaults' | 'fallback'
  /** The inputs given their declared default. */
  readonly defaulted?: readonly string[]
}

/** A request's instances with their online values merged in. */
export interface JoinedFeatures {
  /** The instances as the model takes them: request fields and view features, entity keys the model does not take removed. */
  readonly instances: readonly Record<string, unknown>[]
  /** Per instance, the prediction log's `features` JSON. */
  readonly notes: readonly string[]
  readonly issues: readonly FeatureIssue[]
  /** The instances (indexes, ascending) the policy hands to the deployment's fallback; the model answers the others. */
  readonly fallbacks: readonly number[]
  /** Why the online store failed, when it did. */
  readonly degraded: string | null
}

export interface ServingFeaturesOptions {
  /** The online store; called once, then again only after a failure (at most every `reopenMs`). */
  readonly open: () => Promise<OnlineStore>
  readonly registry: Pick<Registry, 'get'>
  readonly metadata: Pick<MetadataStore, 'listFeatureViewVersions'>
  /** `config.featureViews`: the current definitions (a trained version that is current takes its TTL from here). */
  readonly featureViews: Readonly<Record<string, unknown>>
  readonly metrics: PromRegistry
  /** The clock TTLs are checked against (tests control it). */
  readonly now?: () => number
  /** After the store failed to open, how long requests fail fast before it is opened again (default 5,000 ms). */
  readonly reopenMs?: number
}

/** A trained view with what a lookup needs. */
interface LookupView extends TrainedView {
  /** The view's name, as the online store calls it. */
  readonly name: string
  readonly ttlMs: number | null
}

/** A view's lookup for a request: per instance, its result, or that none was needed, or the store's failure. */
type ViewResults = { readonly results: readonly (OnlineLookup | null)[] } | { readonly error: string }

/** The feature views of a version's signature; empty when it takes none. */
export function trainedViews(record: Pick<ModelVersion, 'signature'>): readonly TrainedView[] {
  const views = (record.signature as { featureViews?: readonly TrainedView[] }).featureViews
  return Array.isArray(views) ? views : []
}

/**
 * The online side of serving for one server: checks at load that every view version a model
 * version was trained with has been materialized, and joins online values into requests.
 *
 * @example
 * ```ts
 * const features = new ServingFeatures({ open: () => project.online(), registry, metadata, featureViews, metrics: registry })
 * await features.prepare(deployment, 'churn', 3) // throws: never materialized, run `keel features materialize customer`
 * const joined = await features.join(deployment, loaded.record, instances)
 * ```
 */
export class ServingFeatures {
  readonly #options: ServingFeaturesOptions
  readonly #now: () => number
  /** `name@version` → its views with TTLs (null: no feature inputs). */
  readonly #versions = new Map<string, readonly LookupView[] | null>()
  readonly #errors: Counter<'deployment' | 'view'>
  readonly #lookups: Counter<'deployment' | 'view' | 'status'>
  #opened: Promise<OnlineStore> | undefined
  #failedAt = Number.NEGATIVE_INFINITY
  #failure: Error | undefined

  constructor(options: ServingFeaturesOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
    this.#errors = new Counter({
      name: 'keel_feature_store_errors_total',
      help: 'Online feature lookups that failed (store unreachable or a read error), by deployment and view',
      labelNames: ['deployment', 'view'],
      registers: [options.metrics],
    })
    this.#lookups = new Counter({
      name: 'keel_feature_lookups_total',
      help: 'Instances looked up in the online store, by deployment, view and result (present, missing, expired)',
      labelNames: ['deployment', 'view', 'status'],
      registers: [options.metrics],
    })
  }

  /**
   * Refuses (throws) a version for `deployment` when it cannot be served with the online values
   * it was trained on: a view version never materialized, a TTL that cannot be known, or a
   * `defaults` policy without a value for one of its feature inputs.
   */
  async prepare(deployment: ResolvedDeployment, model: string, version: number): Promise<void> {
    const record = await this.#options.registry.get({ name: model, version })
    const views = await this.#viewsOf(record)
    if (views === null) return
    const store = await this.#store()
    for (const view of views) {
      if ((await store.watermark(view)) === null) throw await this.#unmaterialized(`${model}@${version}`, view)
    }
    const policy = deployment.features.onMissing
    if (typeof policy === 'object') checkDefaults(deployment.name, `${model}@${version}`, views, record, policy.defaults)
  }

  /**
   * The request's instances with each view's online values merged in, or null when the version
   * takes no feature inputs. Throws the request's error: 400 for a missing entity key or a
   * refused request value, 422 for missing entities under `reject`, 503 when the store fails
   * under `reject`.
   */
  async join(
    deployment: ResolvedDeployment,
    record: Pick<ModelVersion, 'name' | 'version' | 'signature' | 'details'>,
    instances: readonly unknown[],
  ): Promise<JoinedFeatures | null> {
    const views = await this.#viewsOf(record)
    if (views === null) return null
    const records = this.#records(instances)
    this.#checkRequestValues(deployment, views, records)
    const keys = views.map((view) => this.#keysOf(view, records, deployment.features.requestValues === 'override'))
    const now = this.#now()
    const looked = await Promise.all(views.map((view, v) => this.#lookup(deployment.name, view, keys[v] as (EntityKey | null)[], now)))
    return this.#merge(deployment, record, views, records, keys, looked)
  }

  /** The fields a fallback model takes of the joined instances at `rows` (all when null); it gets no lookups of its own. */
  static fallbackInstances(joined: JoinedFeatures, inputs: readonly SignatureInput[], rows: readonly number[] | null = null): Record<string, unknown>[] {
    const instances = rows === null ? joined.instances : rows.map((i) => joined.instances[i] as Record<string, unknown>)
    return instances.map((instance) => Object.fromEntries(inputs.filter((i) => Object.hasOwn(instance, i.name)).map((i) => [i.name, instance[i.name]])))
  }

  async #viewsOf(record: Pick<ModelVersion, 'name' | 'version' | 'signature' | 'details'>): Promise<readonly LookupView[] | null> {
    const id = `${record.name}@${record.version}`
    const known = this.#versions.get(id)
    if (known !== undefined) return known
    const trained = trainedViews(record)
    const lineage = ((record.details as { lineage?: { featureViews?: Record<string, string> } }).lineage?.featureViews ?? {}) as Record<string, string>
    const views: LookupView[] = []
    for (const view of trained) {
      if (lineage[view.view] !== undefined && lineage[view.view] !== view.version) {
        throw new KeelError(
          'SERVE_NOT_READY',
          `${id}: its signature takes feature view "${view.view}" version ${short(view.version)} but its lineage records ${short(lineage[view.view] as string)}`,
        )
      }
      views.push({ ...view, name: view.view, ttlMs: await this.#ttlOf(id, view) })
    }
    const result = views.length === 0 ? null : views
    this.#versions.set(id, result)
    return result
  }

  /** The TTL of the trained version: from keel.config.ts when it is the current definition, else from the registered one. */
  async #ttlOf(id: string, view: TrainedView): Promise<number | null> {
    const current = this.#current(view.view)
    if (current?.version === view.version) return current.ttlMs
    const registered = (await this.#options.metadata.listFeatureViewVersions(view.view)).find((r) => r.version === view.version)
    if (registered !== undefined) return (registered.definition.ttlMs as number | null | undefined) ?? null
    throw new KeelError(
      'SERVE_NOT_READY',
      `${id} was trained on feature view "${view.view}" version ${short(view.version)}, which keel.config.ts no longer defines and which was never registered: its TTL is unknown, so it cannot be served`,
      { hint: 'Restore the definition the model was trained with and run `keel features apply`, or retrain the model on the current view.' },
    )
  }

  #current(name: string): ResolvedFeatureView | undefined {
    if (!Object.hasOwn(this.#options.featureViews, name)) return undefined
    try {
      return featureViewFrom(this.#options.featureViews, name)
    } catch {
      return undefined
    }
  }

  async #unmaterialized(id: string, view: LookupView): Promise<KeelError> {
    const current = this.#current(view.view)
    const fix =
      current === undefined || current.version === view.version
        ? `run \`keel features materialize ${view.view}\``
        : `keel.config.ts now defines version ${short(current.version)}, and \`keel features materialize ${view.view}\` writes that one: restore the definition the model was trained with and materialize it, or retrain the model on the current view`
    return new KeelError(
      'SERVE_NOT_READY',
      `${id} was trained on feature view "${view.view}" version ${short(view.version)}, which has never been materialized to the online store; ${fix}`,
      { hint: `Materialize the view version (\`keel features materialize ${view.view}\`); the server loads the model version at its next refresh.` },
    )
  }

  /** The online store, opened once; after a failure requests fail fast for `reopenMs` before it is opened again. */
  #store(): Promise<OnlineStore> {
    if (this.#opened !== undefined) return this.#opened
    if (this.#failure !== undefined && this.#now() - this.#failedAt < (this.#options.reopenMs ?? 5_000)) return Promise.reject(this.#failure)
    const opening = this.#options.open()
    this.#opened = opening
    opening.catch((error: unknown) => {
      this.#opened = undefined
      this.#failure = error instanceof Error ? error : new Error(String(error))
      this.#failedAt = this.#now()
    })
    return opening
  }

  #records(instances: readonly unknown[]): Record<string, unknown>[] {
    return instances.map((instance, i) => {
      if (typeof instance !== 'object' || instance === null || Array.isArray(instance)) {
        throw new HttpError(400, 'INVALID_INPUT', '1 problem(s) with the instances', {
          fields: [{ instance: i, field: '', message: 'must be an object of entity keys and request-time inputs' }],
        })
      }
      return instance as Record<string, unknown>
    })
  }

  /** A request value for a view feature is refused unless the deployment lets it override the online one. */
  #checkRequestValues(deployment: ResolvedDeployment, views: readonly LookupView[], records: readonly Record<string, unknown>[]): void {
    if (deployment.features.requestValues === 'override') return
    const fields: FieldError[] = []
    records.forEach((record, instance) => {
      for (const view of views) {
        for (const { input } of view.features) {
          if (!Object.hasOwn(record, input)) continue
          fields.push({
            instance,
            field: input,
            message: `comes from feature view "${view.view}" and is looked up by ${view.entities.join(', ')}; send the key only (deployment "${deployment.name}" refuses request values for view features: features.requestValues)`,
          })
        }
      }
    })
    if (fields.length > 0) throw new HttpError(400, 'INVALID_INPUT', `${fields.length} problem(s) with the instances`, { fields: fields.slice(0, 20) })
  }

  /** Each instance's key for the view, or null when the request carries every feature of the view itself. */
  #keysOf(view: LookupView, records: readonly Record<string, unknown>[], override: boolean): (EntityKey | null)[] {
    const fields: FieldError[] = []
    const keys = records.map((record, instance) => {
      if (override && view.features.every((f) => Object.hasOwn(record, f.input))) return null
      return view.entities.map((entity) => {
        const part = record[entity]
        if (typeof part === 'string' || (typeof part === 'number' && Number.isFinite(part))) return part
        fields.push({
          instance,
          field: entity,
          message:
            part === undefined
              ? `missing: the entity key of feature view "${view.view}"`
              : `must be a string or a finite number (an entity key of feature view "${view.view}")`,
        })
        return ''
      })
    })
    if (fields.length > 0) throw new HttpError(400, 'INVALID_INPUT', `${fields.length} problem(s) with the instances`, { fields: fields.slice(0, 20) })
    return keys
  }

  /** One round trip for the instances that need the view; a failure is counted and reported, not thrown. */
  async #lookup(deployment: string, view: LookupView, keys: readonly (EntityKey | null)[], now: number): Promise<ViewResults> {
    const wanted = keys.filter((k): k is EntityKey => k !== null)
    if (wanted.length === 0) return { results: keys.map(() => null) }
    try {
      // lookupOnline reads the name, version, TTL and entity columns: those of the trained version
      const found = await lookupOnline(await this.#store(), view as unknown as ResolvedFeatureView, wanted, now)
      let next = 0
      const results = keys.map((k) => (k === null ? null : (found[next++] as OnlineLookup)))
      for (const r of found) this.#lookups.inc({ deployment, view: view.view, status: r.status })
      return { results }
    } catch (error) {
      this.#errors.inc({ deployment, view: view.view })
      return { error: `online store: ${(error as Error).message}` }
    }
  }

  #merge(
    deployment: ResolvedDeployment,
    record: Pick<ModelVersion, 'signature'>,
    views: readonly LookupView[],
    records: readonly Record<string, unknown>[],
    keys: readonly (readonly (EntityKey | null)[])[],
    looked: readonly ViewResults[],
  ): JoinedFeatures {
    const policy = deployment.features.onMissing
    const takes = new Set(((record.signature as { inputs?: SignatureInput[] }).inputs ?? []).map((i) => i.name))
    const failed = looked.flatMap((l, v) => ('error' in l ? [{ view: (views[v] as LookupView).view, error: l.error }] : []))
    if (failed.length > 0 && policy === 'reject') {
      throw new HttpError(
        503,
        'FEATURE_STORE_UNAVAILABLE',
        `the online feature store failed (${failed.map((f) => `view "${f.view}": ${f.error}`).join('; ')})`,
        {
          views: failed.map((f) => f.view),
        },
      )
    }
    const issues: FeatureIssue[] = []
    const rejected: { instance: number; view: string; key: EntityKey; status: string }[] = []
    const notes: string[] = []
    const merged = records.map((request, instance) => {
      const out: Record<string, unknown> = {}
      for (const [field, value] of Object.entries(request)) if (takes.has(field) || !views.some((v) => v.entities.includes(field))) out[field] = value
      const note: Record<string, { status: LookupStatus; defaulted?: string[] }> = {}
      views.forEach((view, v) => {
        const l = looked[v] as ViewResults
        const key = keys[v]?.[instance] ?? null
        const result = 'error' in l ? null : (l.results[instance] ?? null)
        if (key === null) {
          note[view.view] = { status: 'request' }
          return
        }
        const status = 'error' in l ? 'error' : (result as OnlineLookup).status
        if (status === 'present') {
          const values = (result as Extract<OnlineLookup, { status: 'present' }>).values
          for (const { feature, input } of view.features) if (!Object.hasOwn(request, input)) out[input] = values[feature] ?? null
          note[view.view] = { status }
          return
        }
        if (policy === 'reject') {
          rejected.push({ instance, view: view.view, key, status })
          return
        }
        if (policy === 'fallback') {
          issues.push({ instance, view: view.view, key, status, action: 'fallback' })
          note[view.view] = { status }
          return
        }
        const defaulted = view.features.filter((f) => !Object.hasOwn(request, f.input)).map((f) => f.input)
        for (const input of defaulted) out[input] = policy.defaults[input] as DefaultFeatureValue
        issues.push({ instance, view: view.view, key, status, action: 'defaults', defaulted })
        note[view.view] = { status, defaulted }
      })
      notes.push(JSON.stringify(note))
      return out
    })
    if (rejected.length > 0) {
      const first = rejected[0] as (typeof rejected)[number]
      throw new HttpError(
        422,
        'FEATURES_MISSING',
        `${rejected.length} instance(s) have no online features (first: instance ${first.instance}, view "${first.view}", key ${JSON.stringify(first.key)}: ${first.status}); deployment "${deployment.name}" rejects them (features.onMissing)`,
        { instances: rejected.slice(0, 20) },
      )
    }
    return {
      instances: merged,
      notes,
      issues,
      // an instance missing in several views is handed over once; issues are in instance order
      fallbacks: [...new Set(issues.filter((i) => i.action === 'fallback').map((i) => i.instance))],
      degraded: failed.length === 0 ? null : failed.map((f) => `view "${f.view}": ${f.error}`).join('; '),
    }
  }
}

/** Every feature input of every view needs a declared default of the input's type. */
function checkDefaults(
  deployment: string,
  id: string,
  views: readonly LookupView[],
  record: Pick<ModelVersion, 'signature'>,
  defaults: Readonly<Record<string, DefaultFeatureValue>>,
): void {
  const kinds = new Map(((record.signature as { inputs?: SignatureInput[] }).inputs ?? []).map((i) => [i.name, i.kind]))
  const inputs = views.flatMap((v) => v.features.map((f) => f.input))
  const lacking = inputs.filter((input) => !Object.hasOwn(defaults, input))
  const wrong = inputs.filter((input) => Object.hasOwn(defaults, input) && !fits(kinds.get(input), defaults[input] as FeatureValue))
  if (lacking.length === 0 && wrong.length === 0) return
  const problems = [
    ...(lacking.length > 0 ? [`no default for ${lacking.join(', ')}`] : []),
    ...wrong.map((input) => `the default of ${input} is not a ${kinds.get(input) ?? 'known'} value`),
  ]
  throw new KeelError('DEPLOYMENT_INVALID', `deployment "${deployment}" cannot serve ${id} with features.onMissing defaults: ${problems.join('; ')}`, {
    hint: `Declare a value of the right type for every feature input ${id} takes (${inputs.join(', ')}), or choose onMissing: 'reject' or 'fallback'.`,
  })
}

function fits(kind: string | undefined, value: FeatureValue): boolean {
  if (value === null) return true
  if (kind === 'number' || kind === 'timestamp') return typeof value === 'number'
  if (kind === 'category') return typeof value === 'string'
  if (kind === 'boolean') return typeof value === 'boolean'
  return false
}

function short(version: string): string {
  return version.slice(0, 12)
}

/** What a response says about the lookup, when something was not present: `{ degraded?, instances }`. */
export function featureReport(joined: JoinedFeatures | null): Record<string, unknown> | undefined {
  if (joined === null || (joined.issues.length === 0 && joined.degraded === null)) return undefined
  return { ...(joined.degraded === null ? {} : { degraded: joined.degraded }), instances: joined.issues }
}
