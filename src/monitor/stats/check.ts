/** @module Input checks shared by the drift statistics, so every one of them fails the same clear way. */
import { KeelError } from '../../core/errors.js'

// The error table has no monitoring code yet; LEARN_INVALID_INPUT's hint ("fix the … prediction data") fits drift inputs.
export const invalid = (message: string): KeelError => new KeelError('LEARN_INVALID_INPUT', message)

/** A copy of `values` as a sorted Float64Array; throws on an empty sample or a value that is not finite. */
export function sortedFinite(statistic: string, values: ArrayLike<number>): Float64Array {
  if (values.length === 0) throw invalid(`${statistic}: no values to compare`)
  const out = Float64Array.from(values)
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw invalid(`${statistic}: value ${out[i]} at row ${i} is not a finite number; drop missing values first`)
  }
  return out.sort()
}

/** Throws unless `counts` holds non-negative finite counts with a positive total; returns the total. */
export function checkCounts(statistic: string, counts: Readonly<Record<string, number>>): number {
  let total = 0
  for (const [key, count] of Object.entries(counts)) {
    if (!(Number.isFinite(count) && count >= 0)) throw invalid(`${statistic}: category '${key}' has count ${count}`)
    total += count
  }
  if (total === 0) throw invalid(`${statistic}: no values to compare`)
  return total
}

/**
 * The categories seen on either side (a count above zero), in code-unit order:
 * a fixed order keeps sums independent of data order.
 */
export function unionKeys(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => (a[k] ?? 0) > 0 || (b[k] ?? 0) > 0).sort()
}
