/**
 * @module Checking prediction inputs against a model version's signature: every field named,
 * typed and present; what is wrong is reported per instance and field, never thrown as a crash.
 */
import type { Column, ColumnKind } from '../core/frame.js'
import { BOOLEAN_MISSING, columnFromValues, Frame } from '../core/frame.js'
import type { FeatureSpec } from '../learn/model.js'
import type { ModelVersion } from '../stores/metadata-store.js'

export interface SignatureInput {
  readonly name: string
  readonly kind: ColumnKind
  readonly levels?: readonly string[]
}

export interface Signature {
  readonly inputs: readonly SignatureInput[]
  readonly output: { readonly task: string; readonly label: string; readonly classes: readonly string[] }
}

/** One problem with one field of one instance. */
export interface FieldError {
  /** Index of the instance (row) in the request. */
  readonly instance: number
  readonly field: string
  readonly message: string
}

/** The signature a version was registered with. */
export function signatureOf(version: Pick<ModelVersion, 'signature'>): Signature {
  return version.signature as unknown as Signature
}

const KIND_TEXT: Record<ColumnKind, string> = {
  number: 'a finite number or null',
  category: 'a string or null',
  boolean: 'true, false or null',
  timestamp: 'an ISO 8601 time or epoch milliseconds, or null',
}

/** The value as the column wants it, or undefined when it has the wrong type. */
function accept(kind: ColumnKind, v: unknown): unknown {
  if (v === null) return null
  switch (kind) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined
    case 'category':
      return typeof v === 'string' ? v : undefined
    case 'boolean':
      return typeof v === 'boolean' ? v : undefined
    case 'timestamp': {
      if (typeof v === 'number') return Number.isFinite(v) ? v : undefined
      if (typeof v !== 'string') return undefined
      const t = Date.parse(v)
      return Number.isNaN(t) ? undefined : t
    }
  }
}

/** How many field errors a response lists; the count says how many there were. */
export const MAX_FIELD_ERRORS = 20

/**
 * Turns instances (objects keyed by input name) into a Frame in the signature's column order,
 * or lists what is wrong: not an object, a missing field (send `null` for a missing value), an
 * unknown field, or a value of the wrong type.
 *
 * @example
 * ```ts
 * const result = instancesToFrame([{ temp: 12.5, city: 'Oslo' }], signature.inputs)
 * if ('errors' in result) reply.code(400).send({ errors: result.errors })
 * ```
 */
export function instancesToFrame(
  instances: readonly unknown[],
  inputs: readonly SignatureInput[],
): { readonly frame: Frame } | { readonly errors: readonly FieldError[]; readonly count: number } {
  const frame = wellFormedFrame(instances, inputs)
  return frame === undefined ? checkedFrame(instances, inputs) : { frame }
}

/**
 * The hot path: instances that fit the signature, built straight into typed columns with no
 * per-row closures or intermediate arrays. Undefined at the first problem of any kind, and
 * {@link checkedFrame} then says what is wrong (it builds the same frame when nothing is).
 */
function wellFormedFrame(instances: readonly unknown[], inputs: readonly SignatureInput[]): Frame | undefined {
  for (const instance of instances) {
    if (typeof instance !== 'object' || instance === null || Array.isArray(instance)) return undefined
    // every input is checked to be an own property below, so as many keys means no unknown one
    let keys = 0
    for (const _key in instance) keys++
    if (keys !== inputs.length) return undefined
  }
  const columns = new Map<string, Column>()
  for (const input of inputs) {
    const column = typedColumn(instances as readonly Record<string, unknown>[], input)
    if (column === undefined) return undefined
    columns.set(input.name, column)
  }
  return new Frame(columns)
}

/** One column as {@link columnFromValues} would build it from accepted values, or undefined. */
function typedColumn(records: readonly Record<string, unknown>[], input: SignatureInput): Column | undefined {
  const { name, kind } = input
  const n = records.length
  if (kind === 'category') {
    const codes = new Int32Array(n)
    const levels: string[] = []
    for (let i = 0; i < n; i++) {
      const record = records[i] as Record<string, unknown>
      const v = record[name]
      if (v === null && Object.hasOwn(record, name)) codes[i] = -1
      else if (typeof v === 'string' && Object.hasOwn(record, name)) {
        let code = levels.indexOf(v)
        if (code < 0) code = levels.push(v) - 1
        codes[i] = code
      } else return undefined
    }
    return { kind, codes, levels }
  }
  if (kind === 'boolean') {
    const values = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      const record = records[i] as Record<string, unknown>
      const v = record[name]
      if (!Object.hasOwn(record, name)) return undefined
      if (v === null) values[i] = BOOLEAN_MISSING
      else if (typeof v === 'boolean') values[i] = v ? 1 : 0
      else return undefined
    }
    return { kind, values }
  }
  const values = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const record = records[i] as Record<string, unknown>
    const v = record[name]
    if (!Object.hasOwn(record, name)) return undefined
    if (v === null) values[i] = Number.NaN
    else if (typeof v === 'number' && Number.isFinite(v)) values[i] = v
    else if (kind === 'timestamp' && typeof v === 'string' && !Number.isNaN(Date.parse(v))) values[i] = Date.parse(v)
    else return undefined
  }
  return { kind, values }
}

/** Checks every field of every instance and lists what is wrong (the first {@link MAX_FIELD_ERRORS}). */
function checkedFrame(
  instances: readonly unknown[],
  inputs: readonly SignatureInput[],
): { readonly frame: Frame } | { readonly errors: readonly FieldError[]; readonly count: number } {
  const errors: FieldError[] = []
  let count = 0
  const report = (instance: number, field: string, message: string) => {
    count++
    if (errors.length < MAX_FIELD_ERRORS) errors.push({ instance, field, message })
  }
  const known = new Set(inputs.map((i) => i.name))
  const cells = inputs.map(() => new Array<unknown>(instances.length))
  instances.forEach((instance, row) => {
    if (typeof instance !== 'object' || instance === null || Array.isArray(instance)) {
      report(row, '', 'must be an object of feature values')
      return
    }
    const record = instance as Record<string, unknown>
    for (const key of Object.keys(record)) if (!known.has(key)) report(row, key, `unknown field (the model takes ${[...known].join(', ')})`)
    inputs.forEach((input, c) => {
      if (!Object.hasOwn(record, input.name)) {
        report(row, input.name, 'missing (send null for a missing value)')
        return
      }
      const value = accept(input.kind, record[input.name])
      if (value === undefined) report(row, input.name, `must be ${KIND_TEXT[input.kind]}; got ${describe(record[input.name])}`)
      else (cells[c] as unknown[])[row] = value
    })
  })
  if (count > 0) return { errors, count }
  const columns = Object.fromEntries(inputs.map((input, c) => [input.name, columnFromValues(input.name, cells[c] as unknown[], input.kind)]))
  return { frame: new Frame(columns) }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object' && v !== null) return 'an object'
  return String(v)
}

/** One instance of typical values (zeros, the first level, false, epoch 0) for the smoke prediction before a swap. */
export function smokeInstance(inputs: readonly SignatureInput[]): Record<string, unknown> {
  const value = (i: SignatureInput): unknown => (i.kind === 'category' ? (i.levels?.[0] ?? 'x') : i.kind === 'boolean' ? false : 0)
  return Object.fromEntries(inputs.map((i) => [i.name, value(i)]))
}

/** {@link smokeInstance} as a one-row frame. */
export function smokeFrame(inputs: readonly SignatureInput[]): Frame {
  const instance = smokeInstance(inputs)
  return new Frame(Object.fromEntries(inputs.map((i) => [i.name, columnFromValues(i.name, [instance[i.name]], i.kind)])))
}

/** Instances straight to a model's encoded rows (`Model.predictRows`), with no frame in between. */
export interface RowEncoder {
  /**
   * The instances as rows, when every one fits the signature (the checks of {@link instancesToFrame});
   * undefined at the first problem of any kind, and `instancesToFrame` then says what is wrong.
   */
  encode(instances: readonly unknown[]): Float64Array | undefined
}

/**
 * The row encoder for a model whose features are exactly the signature's inputs (the same
 * names and kinds, in any order); null when they differ, and the server builds a frame instead.
 * Values are encoded as the model encodes a frame's columns: numbers and times as they are,
 * booleans 0/1, categories as the index of their training level; null and unseen levels NaN.
 *
 * @example
 * ```ts
 * const encoder = rowEncoder(signature.inputs, model.features)
 * const rows = encoder?.encode(instances)
 * if (rows !== undefined) model.predictRows?.(rows, instances.length)
 * ```
 */
export function rowEncoder(inputs: readonly SignatureInput[], features: readonly FeatureSpec[]): RowEncoder | null {
  if (inputs.length !== features.length) return null
  const kinds = new Map(inputs.map((i) => [i.name, i.kind]))
  if (kinds.size !== features.length || features.some((f) => kinds.get(f.name) !== f.kind)) return null
  const names = features.map((f) => f.name)
  const encoders = features.map(valueEncoder)
  const p = features.length
  return {
    encode(instances) {
      const n = instances.length
      const rows = new Float64Array(n * p)
      for (let r = 0; r < n; r++) {
        const instance = instances[r]
        if (typeof instance !== 'object' || instance === null || Array.isArray(instance)) return undefined
        // every feature is checked to be an own property below, so as many keys means no unknown one
        let keys = 0
        for (const _key in instance) keys++
        if (keys !== p) return undefined
        const record = instance as Record<string, unknown>
        for (let j = 0; j < p; j++) {
          const name = names[j] as string
          if (!Object.hasOwn(record, name)) return undefined
          const x = (encoders[j] as ValueEncoder)(record[name])
          if (x === undefined) return undefined
          rows[r * p + j] = x
        }
      }
      return rows
    },
  }
}

/** One accepted value as the model's number (NaN for null), or undefined when the type is wrong. */
type ValueEncoder = (v: unknown) => number | undefined

function valueEncoder(feature: FeatureSpec): ValueEncoder {
  switch (feature.kind) {
    case 'number':
      return (v) => (v === null ? Number.NaN : typeof v === 'number' && Number.isFinite(v) ? v : undefined)
    case 'timestamp':
      return (v) => {
        if (v === null) return Number.NaN
        if (typeof v === 'number') return Number.isFinite(v) ? v : undefined
        if (typeof v !== 'string') return undefined
        const t = Date.parse(v)
        return Number.isNaN(t) ? undefined : t
      }
    case 'boolean':
      return (v) => (v === null ? Number.NaN : typeof v === 'boolean' ? (v ? 1 : 0) : undefined)
    case 'category': {
      const codes = new Map((feature.levels ?? []).map((level, i) => [level, i]))
      return (v) => (v === null ? Number.NaN : typeof v === 'string' ? (codes.get(v) ?? Number.NaN) : undefined)
    }
  }
}
