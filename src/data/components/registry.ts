/** @module The built-in components, by name, for `clean` lists, the docs and `keel data components`. */
import { hashPii } from './builtins/pii.js'
import { dedupe, filter } from './builtins/rows.js'
import { derive, drop, rename } from './builtins/shape.js'
import { cast, parseDates } from './builtins/types.js'
import { clip, fillMissing, trimAndCase, winsorize } from './builtins/values.js'

/** Every built-in component's step factory, by name. */
export const COMPONENTS = {
  dedupe,
  filter,
  fillMissing,
  cast,
  parseDates,
  clip,
  winsorize,
  trimAndCase,
  rename,
  drop,
  derive,
  hashPii,
} as const

/**
 * Keel's own components, from every copy of Keel's modules in the process: keel.config.ts may
 * load a second copy (the config loader imports 'keel' itself), so a built-in is recognized by
 * membership in this process-wide set (under a `Symbol.for` key), not by object identity.
 */
const REGISTRY = Symbol.for('keel.components.builtin')
const shared = globalThis as Record<symbol, WeakSet<object> | undefined>
shared[REGISTRY] ??= new WeakSet()
const BUILTINS = shared[REGISTRY] as WeakSet<object>
for (const factory of Object.values(COMPONENTS)) BUILTINS.add(factory.component)

/** Whether `component` is one of Keel's built-ins (from any copy of Keel's modules). */
export function isBuiltin(component: object): boolean {
  return BUILTINS.has(component)
}

/** A built-in component's name. */
export type BuiltinComponentName = keyof typeof COMPONENTS

/** What a listing shows of one component. */
export interface ComponentSummary {
  readonly name: string
  readonly kind: 'sql' | 'frame'
  readonly description: string
}

/**
 * The built-in components, sorted by name.
 *
 * @example
 * ```ts
 * listComponents()[0] // { name: 'cast', kind: 'sql', description: 'Converts columns to int, …' }
 * ```
 */
export function listComponents(): ComponentSummary[] {
  return Object.values(COMPONENTS)
    .map(({ component: c }) => ({ name: c.name, kind: c.kind, description: c.description }))
    .sort((a, b) => a.name.localeCompare(b.name))
}
