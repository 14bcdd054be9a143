/** @module Parameter checks shared by the tree learners: every failure names the parameter and the allowed range. */
import { KeelError } from '../../core/errors.js'

/** LEARN_INVALID_PARAMS prefixed with the learner's name. */
export const paramError = (learner: string, message: string) => new KeelError('LEARN_INVALID_PARAMS', `${learner}: ${message}`)
const invalid = paramError

/** Rejects keys that are not parameters of the learner, listing the known ones. */
export function rejectUnknown(learner: string, given: object, known: readonly string[]): void {
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) throw invalid(learner, `unknown parameter "${key}" (parameters: ${known.join(', ')})`)
  }
}

/** A number in [min, max] (or (min, max] when `openMin`), integral when `integer`. */
export function checkNumber(
  learner: string,
  name: string,
  value: unknown,
  range: { readonly min: number; readonly max?: number; readonly openMin?: boolean; readonly integer?: boolean },
): number {
  const max = range.max ?? Number.POSITIVE_INFINITY
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (range.openMin ? value > range.min : value >= range.min) &&
    value <= max &&
    (!range.integer || Number.isInteger(value))
  if (!ok) {
    const kind = range.integer ? 'an integer' : 'a number'
    const lower = `${range.openMin ? '>' : '>='} ${range.min}`
    const upper = Number.isFinite(max) ? ` and <= ${max}` : ''
    throw invalid(learner, `parameter "${name}" must be ${kind} ${lower}${upper}; got ${JSON.stringify(value) ?? String(value)}`)
  }
  return value
}

/** One of the allowed strings. */
export function checkChoice<T extends string>(learner: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(learner, `parameter "${name}" must be one of ${allowed.map((a) => `'${a}'`).join(', ')}; got ${JSON.stringify(value) ?? String(value)}`)
  }
  return value as T
}
