/**
 * @module A deployment at run time: the versions its aliases point at, loaded and smoke-tested
 * before they answer, swapped in without a gap, and the choice of which alias answers a request.
 */
import { createHash } from 'node:crypto'
import { toKeelError } from '../core/errors.js'
import type { Model } from '../learn/model.js'
import { parseModelRef, type Registry } from '../registry/registry.js'
import type { MetadataStore, ModelVersion } from '../stores/metadata-store.js'
import type { ResolvedDeployment } from './deployment.js'
import { isNative, nativePredictor, type Predictor, type PredictorFactory } from './predictor.js'
import { type RowEncoder, rowEncoder, type Signature, signatureOf, smokeFrame, smokeInstance } from './signature.js'

/** The row encoder of a model predicting rows in this process, when its features are its signature's inputs. */
function rowsFor(model: Model, predictor: Predictor, signature: Signature): RowEncoder | null {
  return isNative(predictor) && model.predictRows !== undefined ? rowEncoder(signature.inputs, model.features) : null
}

/** A model version ready to answer. */
export interface LoadedVersion {
  readonly name: string
  readonly version: number
  readonly record: ModelVersion
  readonly model: Model
  readonly predictor: Predictor
  readonly signature: Signature
  /** Instances straight to the model's rows, when the model predicts rows in this process; null otherwise. */
  readonly rows: RowEncoder | null
  readonly loadedAt: number
}

/** What happened while refreshing: a swap, or a version refused (and why). */
export type RuntimeEvent =
  | { readonly kind: 'swapped'; readonly deployment: string; readonly alias: string; readonly from: number | null; readonly to: number }
  | { readonly kind: 'refused'; readonly deployment: string; readonly alias: string; readonly version: number; readonly reason: string }

/**
 * Loads each version once and keeps it while any alias uses it. A version whose artifact fails
 * its integrity check, or whose smoke prediction fails, is refused and remembered, so it is not
 * retried on every refresh.
 */
export class VersionLoader {
  readonly #loaded = new Map<string, Promise<LoadedVersion>>()
  readonly #refused = new Map<string, string>()

  constructor(
    readonly registry: Registry,
    readonly predictorFor: PredictorFactory = nativePredictor,
  ) {}

  /** Why a version was refused, if it was. */
  refusal(name: string, version: number): string | undefined {
    return this.#refused.get(`${name}@${version}`)
  }

  async load(name: string, version: number): Promise<LoadedVersion> {
    const key = `${name}@${version}`
    let loading = this.#loaded.get(key)
    if (loading === undefined) {
      loading = (async () => {
        const record = await this.registry.get({ name, version })
        const model = await this.registry.loadModel({ name, version })
        const signature = signatureOf(record)
        const predictor = this.predictorFor(model, record)
        // a version answers only after it has predicted once
        const smoke = await predictor.predict(smokeFrame(signature.inputs))
        if (smoke.nRows !== 1 || smoke.values.some((v) => !Number.isFinite(v))) throw new Error('the smoke prediction returned no finite value')
        const rows = rowsFor(model, predictor, signature)
        if (rows !== null) {
          // requests that fit the signature take the rows path: it must answer as the frame path did
          const fast = (model.predictRows as NonNullable<Model['predictRows']>)(rows.encode([smokeInstance(signature.inputs)]) as Float64Array, 1)
          if (fast.values.some((v, i) => !Object.is(v, smoke.values[i]))) throw new Error("the model's row predictions differ from its frame predictions")
        }
        return { name, version, record, model, predictor, signature, rows, loadedAt: Date.now() }
      })()
      this.#loaded.set(key, loading)
      loading.catch((error: unknown) => {
        this.#loaded.delete(key)
        this.#refused.set(key, toKeelError(error).message)
      })
    }
    return loading
  }

  /** Forgets versions no alias uses any more. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.#loaded.keys()) if (!keys.has(key)) this.#loaded.delete(key)
  }
}

export type Fallback = { readonly kind: 'value'; readonly value: number | string } | { readonly kind: 'model'; readonly loaded: LoadedVersion }

export class DeploymentRuntime {
  #serving = new Map<string, LoadedVersion>()
  #override: Readonly<Record<string, number>> | null = null
  /** The aliases with a share of traffic and a version, in a fixed order, and their shares' sum. */
  #shares: readonly (readonly [string, number])[] = []
  #total = 0
  #fallback: Fallback | null = null
  /** Alias → the version and reason of the last refusal reported. */
  readonly #reported = new Map<string, string>()

  constructor(
    readonly spec: ResolvedDeployment,
    readonly loader: VersionLoader,
    readonly metadata: MetadataStore,
    readonly onEvent: (event: RuntimeEvent) => void = () => undefined,
    /**
     * Checked before a version is loaded for this deployment (its feature views materialized,
     * say); throwing refuses it, and it is checked again at the next refresh.
     */
    readonly prepare: (model: string, version: number) => Promise<void> = async () => undefined,
  ) {
    if (spec.fallback && 'value' in spec.fallback) this.#fallback = { kind: 'value', value: spec.fallback.value }
  }

  get name(): string {
    return this.spec.name
  }

  /** Alias → the version answering for it. */
  get serving(): ReadonlyMap<string, LoadedVersion> {
    return this.#serving
  }

  get fallback(): Fallback | null {
    return this.#fallback
  }

  /** The traffic split in force: a `keel deploy` override, else the config's. */
  get traffic(): Readonly<Record<string, number>> {
    return this.#override ?? this.spec.traffic
  }

  /** Ready when some alias with a share of traffic has a loaded version. */
  get ready(): boolean {
    return Object.entries(this.traffic).some(([alias, share]) => share > 0 && this.#serving.has(alias))
  }

  /** Re-reads routing and aliases; loads and smoke-tests new versions, then swaps them in. */
  async refresh(): Promise<void> {
    this.#override = (await this.metadata.getRouting(this.spec.model))?.traffic ?? null
    const aliases = new Set([...Object.keys(this.traffic), ...this.spec.shadow.aliases])
    const next = new Map(this.#serving)
    for (const alias of aliases) {
      const version = await this.metadata.resolveAlias(this.spec.model, alias)
      if (version === undefined) {
        next.delete(alias)
        continue
      }
      const current = next.get(alias)
      if (current?.version === version) continue
      if (this.loader.refusal(this.spec.model, version) !== undefined) continue
      try {
        await this.prepare(this.spec.model, version)
        next.set(alias, await this.loader.load(this.spec.model, version))
        this.#reported.delete(alias)
        this.onEvent({ kind: 'swapped', deployment: this.name, alias, from: current?.version ?? null, to: version })
      } catch (error) {
        // the previous version keeps answering; a refusal prepare repeats every refresh is reported once
        const reason = toKeelError(error).message
        if (this.#reported.get(alias) === `${version}:${reason}`) continue
        this.#reported.set(alias, `${version}:${reason}`)
        this.onEvent({ kind: 'refused', deployment: this.name, alias, version, reason })
      }
    }
    for (const alias of next.keys()) if (!aliases.has(alias)) next.delete(alias)
    this.#serving = next
    // the split changes only here: requests read it without sorting it again
    this.#shares = Object.entries(this.traffic)
      .filter(([alias, share]) => share > 0 && next.has(alias))
      .sort(([a], [b]) => a.localeCompare(b))
    this.#total = this.#shares.reduce((sum, [, share]) => sum + share, 0)
    await this.#refreshFallback()
  }

  async #refreshFallback(): Promise<void> {
    const f = this.spec.fallback
    if (!f || !('model' in f)) return
    const ref = parseModelRef(f.model)
    const version =
      ref.alias !== undefined
        ? await this.metadata.resolveAlias(ref.name, ref.alias)
        : (ref.version ?? (await this.metadata.listModelVersions(ref.name))[0]?.version)
    if (version === undefined) return
    if (this.#fallback?.kind === 'model' && this.#fallback.loaded.name === ref.name && this.#fallback.loaded.version === version) return
    try {
      this.#fallback = { kind: 'model', loaded: await this.loader.load(ref.name, version) }
    } catch (error) {
      this.onEvent({ kind: 'refused', deployment: this.name, alias: 'fallback', version, reason: toKeelError(error).message })
    }
  }

  /**
   * The alias that answers a request. With a sticky key the same key always lands in the same
   * bucket (out of 10,000), so one user keeps one model while the split is unchanged.
   */
  choose(key: string | null): { readonly alias: string; readonly loaded: LoadedVersion } | undefined {
    const shares = this.#shares
    const total = this.#total
    if (total === 0) return undefined
    const unit = key === null ? Math.random() : createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32
    let at = unit * total
    for (const [alias, share] of shares) {
      at -= share
      if (at < 0) return { alias, loaded: this.#serving.get(alias) as LoadedVersion }
    }
    const [alias] = shares.at(-1) as [string, number]
    return { alias, loaded: this.#serving.get(alias) as LoadedVersion }
  }

  /** Every version this deployment holds (for the loader to keep). */
  keys(): string[] {
    const out = [...this.#serving.values()].map((v) => `${v.name}@${v.version}`)
    if (this.#fallback?.kind === 'model') out.push(`${this.#fallback.loaded.name}@${this.#fallback.loaded.version}`)
    return out
  }
}
