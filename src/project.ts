/**
 * @module Opening a project: load its config, open its stores, hand out the
 * domain APIs.
 */
import { type ResolvedConfig, type ResolveOptions, resolveConfig } from './core/config.js'
import { findConfigFile, loadConfigFile } from './core/config-file.js'
import { KeelError } from './core/errors.js'
import { Data } from './data/data.js'
import { Registry } from './registry/registry.js'
import type { ArtifactStore } from './stores/artifact-store.js'
import type { MetadataStore } from './stores/metadata-store.js'
import type { OnlineStore } from './stores/online-store.js'
import { openArtifactStore, openDataEngine, openMetadataStore, openOnlineStore } from './stores/open.js'
import { Tracking } from './tracking/tracking.js'

export interface OpenProjectOptions extends ResolveOptions {
  /** Look for keel.config.ts in parent directories too, as git does. Default true. */
  readonly search?: boolean
}

/** An open project. Close it when done so database connections end. */
export interface Project {
  readonly config: ResolvedConfig
  readonly tracking: Tracking
  /** Datasets: validation, snapshots, diffs, lineage. */
  readonly data: Data
  /** Model versions, approvals, aliases, audit. */
  readonly registry: Registry
  readonly metadata: MetadataStore
  readonly artifacts: ArtifactStore
  /** The online feature store, opened on first use (projects without features never open it). */
  online(): Promise<OnlineStore>
  close(): Promise<void>
}

/**
 * Opens the project whose `keel.config.ts` is in `dir` (or a parent), for the
 * environment chosen by `options.env`, `KEEL_ENV` or the config's default.
 *
 * @example
 * ```ts
 * import { openProject } from 'keel'
 * const project = await openProject('.', { env: 'production' })
 * const run = await project.tracking.startRun({ experiment: 'churn' })
 * await run.logMetric('auc', 0.91)
 * await run.end()
 * await project.close()
 * ```
 */
export async function openProject(dir = '.', options: OpenProjectOptions = {}): Promise<Project> {
  const config = await loadResolvedConfig(dir, options)
  const metadata = await openMetadataStore(config.metadataUrl, config.root)
  let artifacts: ArtifactStore
  try {
    artifacts = await openArtifactStore(config.artifactsUrl, config.root)
  } catch (error) {
    await metadata.close()
    throw error
  }
  const tracking = new Tracking(metadata, artifacts, {
    root: config.root,
    configHash: config.configHash,
    defaultExperiment: config.tracking.defaultExperiment,
  })
  let closed = false
  let online: Promise<OnlineStore> | undefined
  return {
    config,
    tracking,
    data: new Data(config, metadata, artifacts, openDataEngine),
    registry: new Registry(metadata, artifacts, config.registry),
    metadata,
    artifacts,
    online() {
      if (closed) return Promise.reject(new KeelError('STORE_CLOSED', 'the project is closed'))
      online ??= openOnlineStore(config.onlineUrl, config.root).catch((error: unknown) => {
        online = undefined
        throw error
      })
      return online
    },
    async close() {
      if (closed) return
      closed = true
      const opened = online?.then((store) => store.close()).catch(() => undefined)
      await Promise.all([metadata.close(), artifacts.close(), opened])
    },
  }
}

/** Finds, loads and resolves a project's config without opening any store. */
export async function loadResolvedConfig(dir = '.', options: OpenProjectOptions = {}): Promise<ResolvedConfig> {
  const { raw, source } = await loadConfigFile(findConfigFile(dir, options.search ?? true))
  return resolveConfig(raw, source, options)
}
