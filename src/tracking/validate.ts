/**
 * @module Checks on what users log, so every backend stores the same things.
 */
import { KeelError } from '../core/errors.js'

const KEY = /^[\w\-. /:]{1,250}$/
export const MAX_PARAM_VALUE = 6_000
export const MAX_TAG_VALUE = 8_000

/** A value a param or tag may be given; non-strings are stored as JSON text. */
export type LoggableValue = string | number | boolean | null | readonly unknown[] | Readonly<Record<string, unknown>>

export function checkKey(kind: string, key: string): string {
  if (!KEY.test(key))
    throw new KeelError('RUN_INVALID_INPUT', `${kind} key ${JSON.stringify(key)} is not 1-250 characters of letters, digits, _ - . / : and spaces`)
  return key
}

export function toText(kind: string, key: string, value: LoggableValue, max: number): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  if (text === undefined) throw new KeelError('RUN_INVALID_INPUT', `${kind} "${key}" has a value that cannot be stored as text`)
  if (text.length > max) throw new KeelError('RUN_INVALID_INPUT', `${kind} "${key}" is ${text.length} characters; the limit is ${max}`)
  return text
}

export function checkMetric(key: string, value: number, step: number, timestamp: number): void {
  checkKey('metric', key)
  if (typeof value !== 'number') throw new KeelError('RUN_INVALID_INPUT', `metric "${key}" must be a number, got ${typeof value}`)
  if (!Number.isSafeInteger(step)) throw new KeelError('RUN_INVALID_INPUT', `metric "${key}" step must be an integer, got ${step}`)
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    throw new KeelError('RUN_INVALID_INPUT', `metric "${key}" timestamp must be epoch milliseconds, got ${timestamp}`)
}

/** Applies `toText` with the param limits to a whole record. */
export function paramsToText(params: Readonly<Record<string, LoggableValue>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(params)) out[checkKey('param', key)] = toText('param', key, value, MAX_PARAM_VALUE)
  return out
}

export function tagsToText(tags: Readonly<Record<string, LoggableValue>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(tags)) out[checkKey('tag', key)] = toText('tag', key, value, MAX_TAG_VALUE)
  return out
}
