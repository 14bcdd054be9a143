/**
 * @module The model registry: versions of named models with their artifact, signature, metrics,
 * lineage and model card; approvals; aliases such as `champion` with rollback; an audit log.
 */
import { KeelError } from '../core/errors.js'
import type { Frame } from '../core/frame.js'
import { keelVersion } from '../core/version.js'
import type { Model } from '../learn/model.js'
import type { ArtifactStore } from '../stores/artifact-store.js'
import type { Actor, AuditEntry, MetadataStore, ModelVersion } from '../stores/metadata-store.js'
import { type CardFacts, renderModelCard } from './card.js'
import { checkOnnx } from './onnx/check.js'
import { canExportOnnx, exportOnnx } from './onnx/export.js'

/** How versions become eligible for `champion`. */
export interface ApprovalPolicy {
  /** `manual`: `champion` only takes approved versions; `auto`: versions that passed their gates register approved. */
  readonly approval: 'manual' | 'auto'
  /** The approver must differ from whoever registered the version. */
  readonly separateApprover: boolean
}

export const DEFAULT_POLICY: ApprovalPolicy = { approval: 'manual', separateApprover: false }

export interface RegisterOptions {
  readonly name: string
  readonly model: Model
  readonly createdBy: string
  readonly runId?: string | null
  readonly metrics?: Readonly<Record<string, number>>
  /** Whether the version passed its gates (under `auto` approval it then registers approved). */
  readonly gatesPassed?: boolean
  readonly evaluation?: Readonly<Record<string, unknown>>
  readonly lineage?: {
    readonly snapshots?: readonly string[]
    readonly configHash?: string | null
    readonly gitCommit?: string | null
    /** Hash of the data contract the snapshots were checked against. */
    readonly contractHash?: string | null
    /** Feature view name → the version (definition hash) the model's feature inputs were computed with. */
    readonly featureViews?: Readonly<Record<string, string>>
    /** For a model trained on feature views: its training set, so a monitor can find (or rebuild) the rows it was trained on. */
    readonly trainingSet?: TrainingSetRef
  }
  /**
   * Inputs that come from feature views: recorded in the signature (with the views' keys and
   * versions) so serving can fetch them by entity key and refuse other versions.
   */
  readonly featureInputs?: readonly FeatureInput[]
  /** What the model card says beyond the facts Keel knows (`data`: what it was trained and tested on, in a sentence). */
  readonly card?: { readonly intendedUse?: string; readonly limitations?: string; readonly data?: string }
  /**
   * Rows (usually the test split) on which an ONNX export is checked with ONNX Runtime against
   * the model before anything is registered. Without it, no ONNX export is stored.
   */
  readonly checkOnnxOn?: Frame
}

/** Where a training set built from feature views is kept, and what rebuilds it (`details.lineage.trainingSet`). */
export interface TrainingSetRef {
  /** Hash of what decides it: the snapshots read, the view versions, the features and the time column. */
  readonly id: string
  readonly rows: number
  /** The training pipeline's `features` step cache key: its output holds the rows as Parquet. */
  readonly cacheKey: string
  /** The entity rows' time column the features were joined as of. */
  readonly entityTime: string
  /** The model spec's feature references (`view:feature`, `view:*`). */
  readonly features: readonly string[]
  /** View source dataset → the snapshot its events were read from (the entity rows are `snapshots[0]`). */
  readonly sources: Readonly<Record<string, string>>
}

/** A model input computed by a feature view. */
export interface FeatureInput {
  /** The input (column) name in the signature. */
  readonly input: string
  readonly view: string
  readonly feature: string
  readonly version: string
  /** The view's entity key columns. */
  readonly entities: readonly string[]
}

/** `name`, `name@3` or `name@champion`. */
export interface ModelRef {
  readonly name: string
  readonly version?: number
  readonly alias?: string
}

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/

/**
 * Parses `name`, `name@3` or `name@alias`.
 *
 * @example
 * ```ts
 * parseModelRef('churn@champion') // { name: 'churn', alias: 'champion' }
 * ```
 */
export function parseModelRef(text: string): ModelRef {
  const [name, at, ...rest] = text.split('@')
  if (name === undefined || !NAME.test(name) || rest.length > 0 || at === '') {
    throw new KeelError('CLI_USAGE', `"${text}" is not a model reference; use name, name@version or name@alias`)
  }
  if (at === undefined) return { name }
  return /^\d+$/.test(at) ? { name, version: Number(at) } : { name, alias: at }
}

export class Registry {
  constructor(
    readonly metadata: MetadataStore,
    readonly artifacts: ArtifactStore,
    readonly policy: ApprovalPolicy = DEFAULT_POLICY,
  ) {}

  /**
   * Registers the next version of a model: the model's bytes go to the artifact store, and the
   * version records its signature, metrics, lineage and model card.
   *
   * @example
   * ```ts
   * const v = await project.registry.register({ name: 'churn', model, createdBy: 'ann', metrics: { auc: 0.91 } })
   * v.version // 1
   * ```
   */
  async register(options: RegisterOptions): Promise<ModelVersion> {
    if (!NAME.test(options.name)) throw new KeelError('CLI_USAGE', `"${options.name}" is not a model name (letters, digits, _ . -, starting with a letter)`)
    const { model } = options
    // the ONNX export is checked before anything is written, so a mismatch registers nothing
    const onnx = options.checkOnnxOn !== undefined && canExportOnnx(model) ? await checkedOnnx(model, options.checkOnnxOn, options.name) : null
    const native = await this.artifacts.put(model.save())
    const onnxRef = onnx === null ? null : await this.artifacts.put(onnx.bytes)
    const signature = {
      inputs: model.features.map((f) => ({ name: f.name, kind: f.kind, ...(f.levels ? { levels: f.levels } : {}) })),
      output: { task: model.task, label: model.label, classes: model.classes },
      ...(options.featureInputs === undefined || options.featureInputs.length === 0 ? {} : { featureViews: featureViewInputs(options.featureInputs) }),
    }
    const metrics = options.metrics ?? {}
    const lineage = {
      snapshots: options.lineage?.snapshots ?? [],
      configHash: options.lineage?.configHash ?? null,
      gitCommit: options.lineage?.gitCommit ?? null,
      contractHash: options.lineage?.contractHash ?? null,
      keelVersion: keelVersion(),
      ...(options.lineage?.featureViews === undefined ? {} : { featureViews: options.lineage.featureViews }),
      ...(options.lineage?.trainingSet === undefined ? {} : { trainingSet: options.lineage.trainingSet }),
    }
    const evaluation = (options.evaluation ?? {}) as Pick<CardFacts, 'baseline' | 'slices'>
    const facts: CardFacts = {
      name: options.name,
      kind: model.kind,
      task: model.task,
      signature,
      metrics,
      lineage,
      runId: options.runId ?? null,
      ...(evaluation.baseline === undefined ? {} : { baseline: evaluation.baseline }),
      ...(evaluation.slices === undefined ? {} : { slices: evaluation.slices }),
    }
    const created = await this.metadata.createModelVersion({
      name: options.name,
      runId: options.runId ?? null,
      createdAt: Date.now(),
      createdBy: options.createdBy,
      status: this.policy.approval === 'auto' && options.gatesPassed === true ? 'approved' : 'pending',
      signature,
      metrics,
      details: {
        kind: model.kind,
        artifacts: {
          native: native.sha256,
          nativeSize: native.size,
          ...(onnxRef === null || onnx === null ? {} : { onnx: onnxRef.sha256, onnxSize: onnxRef.size, onnxMaxDifference: onnx.difference }),
        },
        lineage,
        evaluation: options.evaluation ?? {},
        cardInput: options.card ?? {},
        card: renderModelCard({ ...facts, ...(options.card ?? {}) }),
      },
      // in the version's own transaction, so a killed process never leaves a version without its history
      lineageFrom: [...lineage.snapshots.map((id) => ({ kind: 'snapshot', id })), ...(options.runId == null ? [] : [{ kind: 'run', id: options.runId }])],
    })
    return created
  }

  /** The version a reference names; `name` alone is the newest version. */
  async get(ref: ModelRef | string): Promise<ModelVersion> {
    const r = typeof ref === 'string' ? parseModelRef(ref) : ref
    let version = r.version
    if (r.alias !== undefined) {
      version = await this.metadata.resolveAlias(r.name, r.alias)
      if (version === undefined) throw new KeelError('MODEL_NOT_FOUND', `model ${r.name} has no alias "${r.alias}"`)
    }
    if (version === undefined) {
      const [newest] = await this.metadata.listModelVersions(r.name)
      if (newest === undefined) throw new KeelError('MODEL_NOT_FOUND', `no model named ${r.name}`)
      return newest
    }
    const found = await this.metadata.getModelVersion(r.name, version)
    if (found === undefined) throw new KeelError('MODEL_NOT_FOUND', `model ${r.name} has no version ${version}`)
    return found
  }

  list(name?: string): Promise<readonly ModelVersion[]> {
    return this.metadata.listModelVersions(name)
  }

  /** Approves a version; under `separateApprover` the approver cannot be who registered it. */
  async approve(ref: ModelRef | string, by: Actor): Promise<ModelVersion> {
    const v = await this.get(ref)
    if (this.policy.separateApprover && by.actor === v.createdBy) {
      throw new KeelError('MODEL_APPROVAL_REFUSED', `${v.name}@${v.version} was registered by ${by.actor}, who may not also approve it`)
    }
    if (v.status === 'archived') throw new KeelError('MODEL_APPROVAL_REFUSED', `${v.name}@${v.version} is archived`)
    return this.metadata.setModelVersionStatus(v.name, v.version, 'approved', by)
  }

  async reject(ref: ModelRef | string, by: Actor): Promise<ModelVersion> {
    const v = await this.get(ref)
    if (v.aliases.includes('champion')) throw new KeelError('MODEL_APPROVAL_REFUSED', `${v.name}@${v.version} is the champion; move the alias first`)
    return this.metadata.setModelVersionStatus(v.name, v.version, 'rejected', by)
  }

  /** Retires a version: it keeps its record and artifacts but may hold no alias and is never approved again. */
  async archive(ref: ModelRef | string, by: Actor): Promise<ModelVersion> {
    const v = await this.get(ref)
    if (v.aliases.length > 0) {
      throw new KeelError(
        'MODEL_APPROVAL_REFUSED',
        `${v.name}@${v.version} holds ${v.aliases.join(', ')}; move ${v.aliases.length === 1 ? 'that alias' : 'those aliases'} first`,
      )
    }
    return this.metadata.setModelVersionStatus(v.name, v.version, 'archived', by)
  }

  /** Points an alias at a version; `champion` takes only approved versions. Returns the previous holder. */
  async setAlias(name: string, alias: string, version: number, by: Actor): Promise<number | null> {
    if (!NAME.test(alias)) throw new KeelError('CLI_USAGE', `"${alias}" is not an alias name`)
    const v = await this.get({ name, version })
    if (v.status === 'archived') throw new KeelError('MODEL_APPROVAL_REFUSED', `${name}@${version} is archived; it may hold no alias`)
    if (alias === 'champion' && v.status !== 'approved') {
      throw new KeelError('MODEL_APPROVAL_REFUSED', `${name}@${version} is ${v.status}; only an approved version may be champion`, {
        hint: `Approve it first: keel models approve ${name}@${version} --reason "…"`,
      })
    }
    return this.metadata.setAlias(name, alias, version, by)
  }

  /**
   * Removes an alias (audited); returns the version it pointed at, or null. `champion` cannot be
   * removed, only moved: a deployment answers with it.
   */
  async removeAlias(name: string, alias: string, by: Actor): Promise<number | null> {
    if (alias === 'champion') {
      throw new KeelError('CLI_USAGE', `the champion alias can be moved but not removed: deployments of ${name} answer with it`, {
        hint: `Point it at another version (keel models alias ${name} champion <v>) or roll it back (keel models rollback ${name}).`,
      })
    }
    return this.metadata.removeAlias(name, alias, by)
  }

  /**
   * Moves `champion` back to the version it pointed at before its last move (found in the audit
   * log). Returns the version now champion.
   */
  async rollback(name: string, by: Actor): Promise<number> {
    const log = await this.metadata.auditLog(name)
    const moves = log.filter((e) => e.action === 'alias' && e.details.alias === 'champion')
    const last = moves.at(-1)
    const previous = last?.details.previous
    if (last === undefined || typeof previous !== 'number') throw new KeelError('MODEL_NOT_FOUND', `model ${name} has no earlier champion to roll back to`)
    await this.metadata.setAlias(name, 'champion', previous, { ...by, reason: by.reason ?? `rollback from version ${last.version}` })
    return previous
  }

  audit(name: string): Promise<readonly AuditEntry[]> {
    return this.metadata.auditLog(name)
  }

  /** The version's model card (markdown). */
  async card(ref: ModelRef | string): Promise<string> {
    return String((await this.get(ref)).details.card ?? '')
  }

  /** A version's artifact bytes: `native` (Keel's format) or `onnx` (when exported at registration). */
  async artifact(ref: ModelRef | string, format: 'native' | 'onnx'): Promise<Uint8Array> {
    const v = await this.get(ref)
    const sha = (v.details.artifacts as Record<string, unknown> | undefined)?.[format]
    if (typeof sha !== 'string') {
      throw new KeelError(
        'MODEL_NOT_FOUND',
        `${v.name}@${v.version} has no ${format} artifact${format === 'onnx' ? ' (register with checkOnnxOn to export one)' : ''}`,
      )
    }
    return this.artifacts.get(sha)
  }

  /** The registered model, loaded from its verified artifact. */
  async loadModel(ref: ModelRef | string): Promise<Model> {
    const v = await this.get(ref)
    const sha = (v.details.artifacts as { native?: string } | undefined)?.native
    if (sha === undefined) throw new KeelError('MODEL_NOT_FOUND', `${v.name}@${v.version} has no native artifact`)
    const { loadModel } = await import('../learn/load.js')
    return loadModel(await this.artifacts.get(sha))
  }
}

async function checkedOnnx(model: Model, frame: Frame, name: string): Promise<{ bytes: Uint8Array; difference: number }> {
  const bytes = exportOnnx(model, { name })
  return { bytes, difference: await checkOnnx(model, bytes, frame) }
}

/** Feature inputs grouped by view: `[{ view, version, entities, features: [{ feature, input }] }]`. */
function featureViewInputs(inputs: readonly FeatureInput[]): Record<string, unknown>[] {
  const views = [...new Set(inputs.map((i) => i.view))]
  return views.map((view) => {
    const mine = inputs.filter((i) => i.view === view)
    const first = mine[0] as FeatureInput
    return { view, version: first.version, entities: first.entities, features: mine.map((i) => ({ feature: i.feature, input: i.input })) }
  })
}
