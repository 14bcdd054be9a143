/** @module The project's data API: declared datasets, validation reports, snapshots, diffs and lineage. */
import { interpolateEnv, type ResolvedConfig, readSecret } from '../core/config.js'
import { type LineageNode, upstreamOf } from '../lineage.js'
import type { ArtifactStore } from '../stores/artifact-store.js'
import type { DataEngine, DataEngineOptions } from '../stores/data-engine.js'
import type { MetadataStore, SnapshotRecord } from '../stores/metadata-store.js'
import type { ContractReport } from './contracts/check.js'
import { datasetFrom } from './dataset.js'
import { type PreparedDataset, type PrepareOptions, prepareDataset } from './prepare.js'
import { findSnapshot, type SnapshotResult, snapshotDataset } from './snapshot.js'

export interface DatasetSummary {
  readonly name: string
  readonly source: string
  readonly contract: boolean
  readonly steps: number
  readonly latest: SnapshotRecord | null
}

export interface ValidationResult {
  readonly dataset: string
  readonly passed: boolean
  readonly report: ContractReport
  readonly afterCleanReport: ContractReport | null
}

export interface ColumnChange {
  readonly column: string
  readonly change: 'added' | 'removed' | 'type' | 'same'
  readonly before?: string
  readonly after?: string
  /** For numeric columns in both: the shift of the mean in units of the first snapshot's standard deviation. */
  readonly meanShift?: number
  /** Missing-value rate before and after. */
  readonly missing?: readonly [number, number]
}

export interface SnapshotDiff {
  readonly a: SnapshotRecord
  readonly b: SnapshotRecord
  readonly rows: readonly [number, number]
  readonly columns: readonly ColumnChange[]
}

/** How one validation or snapshot runs. */
export interface RunOptions {
  /** "Now" for freshness checks (default: the clock). */
  readonly now?: Date
  /** Progress of long statements (reading, checking, writing), 0–100. */
  readonly onProgress?: (percent: number, label: string) => void
}

function engineOptions(options: RunOptions): DataEngineOptions {
  return options.onProgress === undefined ? {} : { onProgress: options.onProgress }
}

/** Opens a data engine session; injected so that callers choose its limits. */
export type EngineFactory = (options?: DataEngineOptions) => Promise<DataEngine>

/**
 * Data operations on one open project. Each operation runs in its own engine session.
 *
 * @example
 * ```ts
 * const project = await openProject('.')
 * const { snapshot } = await project.data.snapshot('orders')
 * console.log(snapshot.id, snapshot.rows)
 * ```
 */
export class Data {
  constructor(
    readonly config: ResolvedConfig,
    readonly metadata: MetadataStore,
    readonly artifacts: ArtifactStore,
    readonly openEngine: EngineFactory,
  ) {}

  /** The declared datasets with their newest snapshot. */
  async list(): Promise<readonly DatasetSummary[]> {
    const out: DatasetSummary[] = []
    for (const name of Object.keys(this.config.datasets).sort()) {
      const ds = datasetFrom(this.config.datasets, name)
      const [latest] = await this.metadata.listSnapshots({ dataset: name, limit: 1 })
      out.push({ name, source: ds.source.kind, contract: ds.contract !== undefined, steps: ds.clean?.length ?? 0, latest: latest ?? null })
    }
    return out
  }

  /** Runs the dataset through its contracts and cleaning and reports, writing nothing. */
  async validate(name: string, options: RunOptions = {}): Promise<ValidationResult> {
    const prepared = await this.#withEngine(
      (engine) => prepareDataset(engine, name, datasetFrom(this.config.datasets, name), this.#prepareOptions(options.now)),
      engineOptions(options),
    )
    return { dataset: name, passed: prepared.passed, report: prepared.report, afterCleanReport: prepared.afterCleanReport }
  }

  /** Materializes the dataset as a snapshot (or finds the identical one already stored). */
  async snapshot(name: string, options: RunOptions = {}): Promise<SnapshotResult> {
    const ds = datasetFrom(this.config.datasets, name)
    return this.#withEngine(
      (engine) =>
        snapshotDataset(
          { engine, metadata: this.metadata, artifacts: this.artifacts, configHash: this.config.configHash },
          name,
          ds,
          this.#prepareOptions(options.now),
        ),
      engineOptions(options),
    )
  }

  /** Runs the dataset and hands the engine relation of its final rows to `use` (for training, say). */
  async prepare<T>(name: string, use: (engine: DataEngine, prepared: PreparedDataset) => Promise<T>): Promise<T> {
    return this.#withEngine(async (engine) => use(engine, await prepareDataset(engine, name, datasetFrom(this.config.datasets, name), this.#prepareOptions())))
  }

  show(idOrPrefix: string): Promise<SnapshotRecord> {
    return findSnapshot(this.metadata, idOrPrefix)
  }

  async snapshots(dataset?: string): Promise<readonly SnapshotRecord[]> {
    return this.metadata.listSnapshots(dataset === undefined ? {} : { dataset })
  }

  /** Schema changes, row counts and per-column distribution shift between two snapshots. */
  async diff(first: string, second: string): Promise<SnapshotDiff> {
    const a = await findSnapshot(this.metadata, first)
    const b = await findSnapshot(this.metadata, second)
    return { a, b, rows: [a.rows, b.rows], columns: diffColumns(a, b) }
  }

  /** What a snapshot was made from: its dataset, files and queries. */
  async lineage(idOrPrefix: string): Promise<LineageNode> {
    return upstreamOf(this.metadata, 'snapshot', (await findSnapshot(this.metadata, idOrPrefix)).id)
  }

  #prepareOptions(now?: Date): PrepareOptions {
    return {
      root: this.config.root,
      interpolate: (value, key) => interpolateEnv(value, key),
      secret: (name) => readSecret(name),
      ...(now === undefined ? {} : { now }),
    }
  }

  async #withEngine<T>(use: (engine: DataEngine) => Promise<T>, options: DataEngineOptions = {}): Promise<T> {
    const engine = await this.openEngine(options)
    try {
      return await use(engine)
    } finally {
      await engine.close()
    }
  }
}

interface ProfileLike {
  readonly name: string
  readonly type?: string
  readonly count?: number
  readonly missing?: number
  readonly mean?: number | null
  readonly std?: number | null
}

function diffColumns(a: SnapshotRecord, b: SnapshotRecord): ColumnChange[] {
  const schemaOf = (s: SnapshotRecord) => new Map(((s.details.schema ?? []) as { name: string; type: string }[]).map((c) => [c.name, c.type]))
  const statsOf = (s: SnapshotRecord) => new Map(((s.details.stats ?? []) as ProfileLike[]).map((p) => [p.name, p]))
  const [sa, sb, pa, pb] = [schemaOf(a), schemaOf(b), statsOf(a), statsOf(b)]
  const names = [...sa.keys(), ...[...sb.keys()].filter((n) => !sa.has(n))]
  return names.map((column): ColumnChange => {
    const before = sa.get(column)
    const after = sb.get(column)
    if (before === undefined) return { column, change: 'added', after: after as string }
    if (after === undefined) return { column, change: 'removed', before }
    const x = pa.get(column)
    const y = pb.get(column)
    const rate = (p: ProfileLike | undefined) => (p?.count ? (p.missing ?? 0) / p.count : 0)
    const shift = typeof x?.mean === 'number' && typeof y?.mean === 'number' && typeof x.std === 'number' && x.std > 0 ? (y.mean - x.mean) / x.std : undefined
    return {
      column,
      change: before === after ? 'same' : 'type',
      before,
      after,
      missing: [rate(x), rate(y)],
      ...(shift === undefined ? {} : { meanShift: shift }),
    }
  })
}
