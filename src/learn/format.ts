/**
 * @module The model file format: a magic tag, a JSON header and 8-byte-aligned
 * binary arrays. Compact, exact (typed arrays are stored bit for bit) and versioned.
 */
import { KeelError } from '../core/errors.js'

const MAGIC = 'KEELMDL\n'
/** The newest format version this Keel writes and reads. */
export const MODEL_FORMAT_VERSION = 1

export type StoredArray = Float64Array | Float32Array | Int32Array | Uint32Array | Uint16Array | Uint8Array | Int8Array

const TYPES = {
  f64: Float64Array,
  f32: Float32Array,
  i32: Int32Array,
  u32: Uint32Array,
  u16: Uint16Array,
  u8: Uint8Array,
  i8: Int8Array,
} as const
type TypeName = keyof typeof TYPES

interface ArrayEntry {
  readonly name: string
  readonly type: TypeName
  readonly offset: number
  readonly length: number
}

/** What a model writes: its kind, any JSON-safe header fields, and named arrays. */
export interface ModelPayload {
  readonly kind: string
  readonly header: Readonly<Record<string, unknown>>
  readonly arrays: Readonly<Record<string, StoredArray>>
}

function typeName(a: StoredArray): TypeName {
  for (const [name, ctor] of Object.entries(TYPES)) if (a instanceof ctor) return name as TypeName
  throw new KeelError('INTERNAL', 'unsupported array type in model payload')
}

const align8 = (n: number) => Math.ceil(n / 8) * 8

export function encodeModel(payload: ModelPayload): Uint8Array {
  const entries: ArrayEntry[] = []
  let offset = 0
  for (const [name, array] of Object.entries(payload.arrays)) {
    entries.push({ name, type: typeName(array), offset, length: array.length })
    offset = align8(offset + array.byteLength)
  }
  const header = new TextEncoder().encode(JSON.stringify({ format: MODEL_FORMAT_VERSION, kind: payload.kind, header: payload.header, arrays: entries }))
  const start = align8(MAGIC.length + 4 + header.length)
  const out = new Uint8Array(start + offset)
  out.set(new TextEncoder().encode(MAGIC), 0)
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true)
  out.set(header, MAGIC.length + 4)
  for (const e of entries) {
    const a = payload.arrays[e.name] as StoredArray
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), start + e.offset)
  }
  return out
}

export interface DecodedModel {
  readonly format: number
  readonly kind: string
  readonly header: Record<string, unknown>
  readonly arrays: Record<string, StoredArray>
}

export function decodeModel(bytes: Uint8Array): DecodedModel {
  const unsupported = (why: string) => new KeelError('MODEL_FORMAT_UNSUPPORTED', why)
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    throw unsupported('these bytes are not a Keel model (wrong magic)')
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerLength = view.getUint32(MAGIC.length, true)
  let parsed: { format: number; kind: string; header: Record<string, unknown>; arrays: ArrayEntry[] }
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength)))
  } catch {
    throw unsupported('the model header is not valid JSON (truncated or corrupt file)')
  }
  if (typeof parsed.format !== 'number' || parsed.format > MODEL_FORMAT_VERSION) {
    throw unsupported(`the model uses format version ${String(parsed.format)}; this Keel reads up to ${MODEL_FORMAT_VERSION}`)
  }
  const start = align8(MAGIC.length + 4 + headerLength)
  const arrays: Record<string, StoredArray> = {}
  for (const e of parsed.arrays) {
    const ctor = TYPES[e.type]
    if (!ctor) throw unsupported(`unknown array type "${e.type}"`)
    const byteLength = e.length * ctor.BYTES_PER_ELEMENT
    if (start + e.offset + byteLength > bytes.length) throw unsupported('the model file is truncated')
    // copy into a fresh, aligned buffer so arrays never alias the input
    const copy = new Uint8Array(byteLength)
    copy.set(bytes.subarray(start + e.offset, start + e.offset + byteLength))
    arrays[e.name] = new ctor(copy.buffer)
  }
  return { format: parsed.format, kind: parsed.kind, header: parsed.header, arrays }
}
