/** @module Parameter checks shared by the linear learners. */
import { KeelError } from '../../core/errors.js'

/** LEARN_INVALID_PARAMS naming any key not in `known`. */
export function checkKnownParams(learner: string, params: unknown, known: readonly string[]): void {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new KeelError('LEARN_INVALID_PARAMS', `${learner}: parameters must be an object; got ${JSON.stringify(params) ?? String(params)}`)
  }
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) throw new KeelError('LEARN_INVALID_PARAMS', `${learner}: unknown parameter "${key}" (known: ${known.join(', ')})`)
  }
}

/** A finite number satisfying `ok`; LEARN_INVALID_PARAMS naming the parameter otherwise. */
export function numberParam(learner: string, name: string, value: unknown, ok: (v: number) => boolean, expected: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && ok(value)) return value
  throw new KeelError('LEARN_INVALID_PARAMS', `${learner}: ${name} must be ${expected}; got ${JSON.stringify(value) ?? String(value)}`)
}
