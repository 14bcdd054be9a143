/**
 * @module Fitted steps to and from the model file: structure as JSON, every
 * fitted number in one Float64Array so it survives bit for bit.
 */
import { KeelError } from '../../core/errors.js'
import type { Vocabulary } from './categories.js'
import { DATE_PARTS, type DatePart } from './dates.js'
import type { NumericTransform, Step } from './steps.js'

/** JSON-safe description of one step; its numbers live in the shared array. */
export type StepHeader =
  | { readonly type: 'number' | 'boolean'; readonly feature: string }
  | { readonly type: 'date-parts'; readonly feature: string; readonly parts: readonly DatePart[] }
  | ({ readonly type: 'one-hot' | 'ordinal'; readonly feature: string } & Vocabulary)

const corrupt = (why: string) => new KeelError('MODEL_FORMAT_UNSUPPORTED', `the model's preprocessing is corrupt: ${why}`)

function pushTransform(numbers: number[], t: NumericTransform): void {
  numbers.push(t.fill, t.scaling.center, t.scaling.scale)
}

function encodeStep(step: Step, numbers: number[]): StepHeader {
  switch (step.type) {
    case 'number':
    case 'boolean':
      pushTransform(numbers, step.transform)
      return { type: step.type, feature: step.feature }
    case 'date-parts':
      for (const t of step.transforms) pushTransform(numbers, t)
      return { type: step.type, feature: step.feature, parts: step.parts }
    case 'one-hot':
      return { type: step.type, feature: step.feature, ...step.vocabulary }
    case 'ordinal':
      numbers.push(step.unknownValue)
      return { type: step.type, feature: step.feature, ...step.vocabulary }
  }
}

/** Splits steps into headers and their numbers. */
export function encodeSteps(steps: readonly Step[]): { headers: StepHeader[]; numbers: Float64Array } {
  const numbers: number[] = []
  const headers = steps.map((step) => encodeStep(step, numbers))
  return { headers, numbers: Float64Array.from(numbers) }
}

/** Reads fitted numbers in the order {@link encodeSteps} wrote them. */
class Cursor {
  #at = 0
  constructor(readonly numbers: Float64Array) {}
  next(): number {
    const v = this.numbers[this.#at++]
    if (v === undefined) throw corrupt('too few fitted numbers')
    return v
  }
  transform(): NumericTransform {
    const fill = this.next()
    const center = this.next()
    return { fill, scaling: { center, scale: this.next() } }
  }
  get done(): boolean {
    return this.#at === this.numbers.length
  }
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string')

function vocabulary(h: Record<string, unknown>): Vocabulary {
  if (!isStrings(h.levels) || !isStrings(h.rare) || typeof h.fill !== 'string') throw corrupt(`bad vocabulary for "${String(h.feature)}"`)
  return { levels: h.levels, rare: h.rare, fill: h.fill }
}

function decodeStep(raw: unknown, cursor: Cursor): Step {
  const h = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
  const feature = h.feature
  if (typeof feature !== 'string') throw corrupt('a step has no feature name')
  switch (h.type) {
    case 'number':
    case 'boolean':
      return { type: h.type, feature, transform: cursor.transform() }
    case 'date-parts': {
      const parts = h.parts
      if (!Array.isArray(parts) || !parts.every((p) => DATE_PARTS.includes(p))) throw corrupt(`bad date parts for "${feature}"`)
      return { type: h.type, feature, parts, transforms: parts.map(() => cursor.transform()) }
    }
    case 'one-hot':
      return { type: h.type, feature, vocabulary: vocabulary(h) }
    case 'ordinal':
      return { type: h.type, feature, vocabulary: vocabulary(h), unknownValue: cursor.next() }
    default:
      throw corrupt(`unknown step type ${JSON.stringify(h.type)}`)
  }
}

/** Rebuilds steps; MODEL_FORMAT_UNSUPPORTED when headers and numbers disagree. */
export function decodeSteps(headers: unknown, numbers: unknown): Step[] {
  if (!Array.isArray(headers)) throw corrupt('the step list is missing')
  if (!(numbers instanceof Float64Array)) throw corrupt('the fitted numbers are missing')
  const cursor = new Cursor(numbers)
  const steps = headers.map((h) => decodeStep(h, cursor))
  if (!cursor.done) throw corrupt('more fitted numbers than steps use')
  return steps
}
