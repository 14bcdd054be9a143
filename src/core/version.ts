/** @module The running Keel's version, recorded on runs, cached step outputs and model versions. */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | undefined

/** Keel's package version (from src/core or dist/core, the package root is two levels up). */
export function keelVersion(): string {
  cached ??= (JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')) as { version: string }).version
  return cached
}
