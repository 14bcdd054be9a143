/**
 * @module Finding and loading `keel.config.ts` at run time, with no build step.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { ConfigSource } from './config.js'
import { KeelError } from './errors.js'
import { sha256 } from './hash.js'

/** File names Keel looks for, in order. */
export const CONFIG_FILES = ['keel.config.ts', 'keel.config.mts', 'keel.config.js', 'keel.config.mjs'] as const

/**
 * Finds the config file in `start` or, when `search` is set, the nearest
 * parent directory that has one (as git finds `.git`).
 */
export function findConfigFile(start: string, search = true): string {
  let dir = resolve(start)
  for (;;) {
    for (const name of CONFIG_FILES) {
      const candidate = join(dir, name)
      if (existsSync(candidate)) return candidate
    }
    const parent = dirname(dir)
    if (!search || parent === dir) break
    dir = parent
  }
  throw new KeelError('CONFIG_NOT_FOUND', `no keel.config.ts in ${resolve(start)}${search ? ' or any parent directory' : ''}`)
}

/** Loads a config file's default export; TypeScript is compiled on the fly. */
export async function loadConfigFile(configPath: string): Promise<{ raw: unknown; source: ConfigSource }> {
  const text = readFileSync(configPath)
  const source: ConfigSource = { root: dirname(configPath), configPath, configHash: sha256(text) }
  let mod: { default?: unknown }
  try {
    const { tsImport } = await import('tsx/esm/api')
    // a query string defeats the module cache, so an edited config is re-read in the same process
    const specifier = `${pathToFileURL(configPath).href}?keel=${source.configHash}`
    mod = (await tsImport(specifier, import.meta.url)) as { default?: unknown }
  } catch (error) {
    throw new KeelError('CONFIG_LOAD_FAILED', `${configPath} could not be loaded: ${firstLine(error)}`, { cause: error })
  }
  // a config compiled as CommonJS (no "type": "module" nearby) arrives as the exports object
  const inner = mod.default as { default?: unknown; __esModule?: unknown } | undefined
  if (inner !== null && typeof inner === 'object' && inner.__esModule === true) mod = { default: inner.default }
  if (mod.default === undefined) {
    throw new KeelError('CONFIG_INVALID', `${configPath} has no default export`, {
      hint: 'End the file with `export default defineProject({ name: "my-project" })`.',
    })
  }
  return { raw: mod.default, source }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('at '))
  return lines.slice(0, 2).join(' ') || 'unknown error'
}
