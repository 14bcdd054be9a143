/**
 * @module Backend selection: a store URL's scheme picks a lazily imported
 * backend, so drivers load only when a project uses them.
 */
import { isAbsolute, resolve } from 'node:path'
import { KeelError } from '../core/errors.js'
import type { ArtifactStore } from './artifact-store.js'
import type { DataEngine, DataEngineOptions } from './data-engine.js'
import type { MetadataStore } from './metadata-store.js'
import type { OnlineStore } from './online-store.js'

type Opener<T> = (location: string, url: string) => Promise<T>

const metadataBackends = {
  sqlite: async (location) => (await import('./sqlite/sqlite-metadata-store.js')).openSqliteMetadataStore({ path: location }),
  postgres: async (_location, url) => (await import('./postgres/postgres-metadata-store.js')).openPostgresMetadataStore({ url }),
  postgresql: async (_location, url) => (await import('./postgres/postgres-metadata-store.js')).openPostgresMetadataStore({ url }),
} satisfies Record<string, Opener<MetadataStore>>

const artifactBackends = {
  file: async (location) => (await import('./filesystem/filesystem-artifact-store.js')).openFilesystemArtifactStore({ root: location }),
} satisfies Record<string, Opener<ArtifactStore>>

const onlineBackends = {
  sqlite: async (location) => (await import('./sqlite/sqlite-online-store.js')).openSqliteOnlineStore({ path: location }),
  redis: async (_location, url) => (await import('./redis/redis-online-store.js')).openRedisOnlineStore({ url }),
  rediss: async (_location, url) => (await import('./redis/redis-online-store.js')).openRedisOnlineStore({ url }),
} satisfies Record<string, Opener<OnlineStore>>

/** Opens the metadata store a URL names; relative file paths are taken from `root`. */
export function openMetadataStore(url: string, root: string): Promise<MetadataStore> {
  return openBackend('metadata', metadataBackends, url, root)
}

/** Opens the artifact store a URL names; relative file paths are taken from `root`. */
export function openArtifactStore(url: string, root: string): Promise<ArtifactStore> {
  return openBackend('artifacts', artifactBackends, url, root)
}

/** Opens the online feature store a URL names (`sqlite:` or `redis://`); relative file paths are taken from `root`. */
export function openOnlineStore(url: string, root: string): Promise<OnlineStore> {
  return openBackend('online', onlineBackends, url, root)
}

/** Opens a data engine session (DuckDB, loaded on first use). */
export async function openDataEngine(options: DataEngineOptions = {}): Promise<DataEngine> {
  return (await import('./duckdb/duckdb-engine.js')).openDuckDbEngine(options)
}

/** The metadata and artifact URL schemes Keel understands. */
export const STORE_SCHEMES = {
  metadata: Object.keys(metadataBackends),
  artifacts: Object.keys(artifactBackends),
  online: Object.keys(onlineBackends),
} as const

function openBackend<T>(store: string, backends: Record<string, Opener<T>>, url: string, root: string): Promise<T> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
  const opener = scheme === undefined ? undefined : backends[scheme]
  if (scheme === undefined || opener === undefined) {
    const valid = Object.keys(backends).map((s) => `${s}:`)
    throw new KeelError(
      'BACKEND_UNKNOWN',
      `${store} store URL "${scheme === undefined ? url : `${scheme}:…`}" has ${scheme === undefined ? 'no scheme' : 'an unknown scheme'}; valid schemes: ${valid.join(', ')}`,
    )
  }
  return opener(localPath(url.slice(scheme.length + 1), root), url)
}

/**
 * `sqlite:rel/path`, `sqlite:/abs/path` and `sqlite:///abs/path` (likewise
 * `file:`) → an absolute path; `:memory:` passes through.
 */
function localPath(rest: string, root: string): string {
  if (rest === ':memory:') return rest
  const path = decodeURIComponent(rest.startsWith('//') ? rest.slice(2) : rest)
  return isAbsolute(path) ? path : resolve(root, path)
}
