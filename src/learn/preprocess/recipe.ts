/** @module Preprocessing recipes: which transform each column kind gets, checked once. */
import { KeelError } from '../../core/errors.js'
import type { MissingCategory } from './categories.js'
import { DATE_PARTS, type DatePart } from './dates.js'
import { checkImputeStrategy, type ImputeStrategy } from './impute.js'

export interface PreprocessRecipe {
  readonly numbers: { readonly impute: ImputeStrategy; readonly scale: boolean }
  readonly booleans: { readonly impute: ImputeStrategy }
  readonly categories: {
    readonly encoding: 'one-hot' | 'ordinal'
    /** Levels seen in fewer than this fraction of training rows merge into `__rare__`. */
    readonly minFrequency: number
    readonly missing: MissingCategory
    /** Ordinal code of a level unseen in training. */
    readonly unknownValue: number
  }
  readonly timestamps: { readonly parts: readonly DatePart[]; readonly impute: ImputeStrategy; readonly scale: boolean }
}

/** Any part of a recipe; the rest comes from the defaults. */
export type RecipeOptions = { readonly [K in keyof PreprocessRecipe]?: Partial<PreprocessRecipe[K]> }

/**
 * The recipe of linear models: numbers median-imputed and standardized; booleans
 * 0/1 with the most frequent value for missing; categories one-hot with rare
 * grouping and an unknown bucket; timestamps as standardized calendar parts.
 */
export const LINEAR_RECIPE: PreprocessRecipe = {
  numbers: { impute: 'median', scale: true },
  booleans: { impute: 'most-frequent' },
  categories: { encoding: 'one-hot', minFrequency: 0.01, missing: 'level', unknownValue: -1 },
  timestamps: { parts: DATE_PARTS, impute: 'median', scale: true },
}

const bad = (param: string, expected: string, got: unknown) => new KeelError('LEARN_INVALID_PARAMS', `${param} must be ${expected}; got ${JSON.stringify(got)}`)

function oneOf<T extends string>(value: unknown, allowed: readonly T[], param: string): T {
  if (allowed.includes(value as T)) return value as T
  throw bad(param, allowed.map((a) => `'${a}'`).join(' or '), value)
}

function flag(value: unknown, param: string): boolean {
  if (typeof value === 'boolean') return value
  throw bad(param, 'true or false', value)
}

function checkParts(parts: unknown, param: string): readonly DatePart[] {
  if (!Array.isArray(parts) || parts.length === 0) throw bad(param, `a non-empty list of ${DATE_PARTS.join(', ')}`, parts)
  return parts.map((p, i) => oneOf(p, DATE_PARTS, `${param}[${i}]`))
}

/** The default recipe with `options` applied; LEARN_INVALID_PARAMS names any bad field. */
export function resolveRecipe(options: RecipeOptions = {}, base: PreprocessRecipe = LINEAR_RECIPE): PreprocessRecipe {
  for (const [key, value] of Object.entries({ preprocess: options, ...options })) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(key === 'preprocess' ? key : `preprocess.${key}`, 'an object', value)
    if (key === 'preprocess') continue
    const section = base[key as keyof PreprocessRecipe] as object | undefined
    if (section === undefined) throw bad(`preprocess.${key}`, `one of ${Object.keys(base).join(', ')}`, key)
    const unknown = Object.keys(value).find((k) => !(k in section))
    if (unknown !== undefined) throw bad(`preprocess.${key}.${unknown}`, `one of ${Object.keys(section).join(', ')}`, unknown)
  }
  const n = { ...base.numbers, ...options.numbers }
  const b = { ...base.booleans, ...options.booleans }
  const c = { ...base.categories, ...options.categories }
  const t = { ...base.timestamps, ...options.timestamps }
  if (typeof c.minFrequency !== 'number' || !(c.minFrequency >= 0 && c.minFrequency < 1)) {
    throw bad('preprocess.categories.minFrequency', 'a number in [0, 1)', c.minFrequency)
  }
  if (typeof c.unknownValue !== 'number' || !Number.isFinite(c.unknownValue)) throw bad('preprocess.categories.unknownValue', 'a finite number', c.unknownValue)
  return {
    numbers: { impute: checkImputeStrategy(n.impute, 'preprocess.numbers.impute'), scale: flag(n.scale, 'preprocess.numbers.scale') },
    booleans: { impute: checkImputeStrategy(b.impute, 'preprocess.booleans.impute') },
    categories: {
      encoding: oneOf(c.encoding, ['one-hot', 'ordinal'] as const, 'preprocess.categories.encoding'),
      minFrequency: c.minFrequency,
      missing: oneOf(c.missing, ['level', 'most-frequent'] as const, 'preprocess.categories.missing'),
      unknownValue: c.unknownValue,
    },
    timestamps: {
      parts: checkParts(t.parts, 'preprocess.timestamps.parts'),
      impute: checkImputeStrategy(t.impute, 'preprocess.timestamps.impute'),
      scale: flag(t.scale, 'preprocess.timestamps.scale'),
    },
  }
}
