/**
 * @module Category vocabularies: which training levels get their own slot, which
 * merge into `__rare__`, and where missing and unseen values go.
 */
import type { CategoryColumn } from '../../core/frame.js'

/** The slot of levels whose training frequency fell below the minimum. */
export const RARE_LEVEL = '__rare__'
/** The slot of levels never seen in training. */
export const UNKNOWN_LEVEL = '__unknown__'
/** The level a missing category becomes when missing values are kept as a level. */
export const MISSING_LEVEL = '__missing__'

/** `level`: missing is a category of its own; `most-frequent`: missing becomes the commonest level. */
export type MissingCategory = 'level' | 'most-frequent'

/** A fitted vocabulary. Slots: `levels` in order, then `__rare__` when `rare` is not empty. */
export interface Vocabulary {
  /** Levels with their own slot, sorted as scikit-learn sorts categories. */
  readonly levels: readonly string[]
  /** Training levels merged into the `__rare__` slot, sorted. */
  readonly rare: readonly string[]
  /** The level a missing value is read as. */
  readonly fill: string
}

export interface VocabularyOptions {
  /** A level seen in fewer than `minFrequency × rows` training rows is rare. */
  readonly minFrequency: number
  readonly missing: MissingCategory
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

function levelCounts(column: CategoryColumn): { counts: Map<string, number>; missing: number } {
  const perCode = new Float64Array(column.levels.length)
  let missing = 0
  const { codes } = column
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i] as number
    if (code < 0) missing++
    else perCode[code] = (perCode[code] as number) + 1
  }
  const counts = new Map<string, number>()
  column.levels.forEach((level, code) => {
    const n = perCode[code] ?? 0
    if (n > 0) counts.set(level, (counts.get(level) ?? 0) + n)
  })
  return { counts, missing }
}

/** The commonest level; ties go to the first in sorted order. */
function mostFrequent(counts: ReadonlyMap<string, number>): string | undefined {
  let best: string | undefined
  let bestCount = 0
  for (const level of [...counts.keys()].sort(byString)) {
    const n = counts.get(level) ?? 0
    if (n > bestCount) {
      best = level
      bestCount = n
    }
  }
  return best
}

/** Fits a vocabulary on a training column. */
export function fitVocabulary(column: CategoryColumn, options: VocabularyOptions): Vocabulary {
  const { counts, missing } = levelCounts(column)
  const fill = options.missing === 'most-frequent' ? (mostFrequent(counts) ?? MISSING_LEVEL) : MISSING_LEVEL
  if (missing > 0) counts.set(fill, (counts.get(fill) ?? 0) + missing)
  const threshold = options.minFrequency * column.codes.length
  const levels: string[] = []
  const rare: string[] = []
  for (const level of [...counts.keys()].sort(byString)) ((counts.get(level) ?? 0) < threshold ? rare : levels).push(level)
  return { levels, rare, fill }
}

/** Number of slots (known levels, plus one for `__rare__` when there are rare levels). */
export function slotCount(v: Vocabulary): number {
  return v.levels.length + (v.rare.length > 0 ? 1 : 0)
}

/** Slot names, in slot order. */
export function slotNames(v: Vocabulary): string[] {
  return v.rare.length > 0 ? [...v.levels, RARE_LEVEL] : [...v.levels]
}

/** Each row's slot; -1 for a level unseen in training. */
export function slotsOf(v: Vocabulary, column: CategoryColumn): Int32Array {
  const slot = new Map<string, number>(v.levels.map((l, i) => [l, i]))
  for (const l of v.rare) slot.set(l, v.levels.length)
  const fillSlot = slot.get(v.fill) ?? -1
  const byCode = Int32Array.from(column.levels, (l) => slot.get(l) ?? -1)
  const { codes } = column
  const out = new Int32Array(codes.length)
  for (let i = 0; i < out.length; i++) {
    const code = codes[i] as number
    out[i] = code < 0 ? fillSlot : (byCode[code] ?? -1)
  }
  return out
}
