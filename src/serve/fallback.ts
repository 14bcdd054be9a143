/**
 * @module Per-instance fallback: when the feature policy hands some instances of a request to
 * the deployment's fallback, the model answers the others, and the two sets of answers are put
 * back in request order.
 */
import type { FieldError } from './signature.js'

/** Which instances of a request the fallback answers, and which the model answers. */
export interface FallbackSplit {
  /** Per instance: the fallback answers it. */
  readonly fellBack: readonly boolean[]
  /** The instances the fallback answers (indexes, ascending). */
  readonly fallbacks: readonly number[]
  /** The instances the model answers (indexes, ascending); empty when the fallback answers all. */
  readonly rows: readonly number[]
}

/**
 * The split of `n` instances of which `fallbacks` go to the fallback, or null when none does.
 *
 * @example
 * ```ts
 * splitFallbacks(4, [1, 3]) // { fellBack: [false, true, false, true], fallbacks: [1, 3], rows: [0, 2] }
 * ```
 */
export function splitFallbacks(n: number, fallbacks: readonly number[]): FallbackSplit | null {
  if (fallbacks.length === 0) return null
  const fellBack = new Array<boolean>(n).fill(false)
  for (const i of fallbacks) fellBack[i] = true
  const rows: number[] = []
  for (let i = 0; i < n; i++) if (!fellBack[i]) rows.push(i)
  return { fellBack, fallbacks, rows }
}

/** The items at `rows`, in that order. */
export function pick<T>(items: readonly T[], rows: readonly number[]): T[] {
  return rows.map((i) => items[i] as T)
}

/** The model's and the fallback's answers, each in request order, merged back into request order. */
export function interleave<T>(split: FallbackSplit, model: readonly T[], fallback: readonly T[]): T[] {
  let m = 0
  let f = 0
  return split.fellBack.map((fell) => (fell ? fallback[f++] : model[m++]) as T)
}

/** Problems found in the model's share of a request, numbered as the instances of the request. */
export function renumber(errors: readonly FieldError[], rows: readonly number[]): FieldError[] {
  return errors.map((e) => ({ ...e, instance: rows[e.instance] ?? e.instance }))
}
