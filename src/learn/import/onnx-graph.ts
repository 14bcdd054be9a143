/**
 * @module Reading an ONNX model's bytes into plain nodes with typed attribute access: what the
 * ONNX importer walks. Refuses what it cannot read faithfully (external data, functions).
 */
import { KeelError } from '../../core/errors.js'
import { DATA_TYPE, modelProto } from '../onnx/proto.js'

interface RawTensor {
  readonly name?: string
  readonly dims?: number[]
  readonly data_type?: number
  readonly float_data?: number[]
  readonly double_data?: number[]
  readonly int32_data?: number[]
  readonly int64_data?: number[]
  readonly raw_data?: Uint8Array
  readonly data_location?: number
}

interface RawAttribute {
  readonly name: string
  readonly f?: number
  readonly i?: number
  readonly s?: Uint8Array
  readonly t?: RawTensor
  readonly floats?: number[]
  readonly ints?: number[]
  readonly strings?: Uint8Array[]
}

interface RawValueInfo {
  readonly name: string
  readonly type?: { readonly tensor_type?: { readonly elem_type?: number; readonly shape?: { readonly dim?: { dim_value?: number; dim_param?: string }[] } } }
}

export interface RawNode {
  readonly op_type: string
  readonly domain?: string
  readonly name?: string
  readonly input?: string[]
  readonly output?: string[]
  readonly attribute?: RawAttribute[]
}

/** The decoded ModelProto fields Keel reads (and re-encodes to run a model's inner output). */
export interface RawModel {
  readonly ir_version?: number
  readonly opset_import?: { domain?: string; version?: number }[]
  readonly graph?: {
    readonly node?: RawNode[]
    readonly initializer?: RawTensor[]
    readonly input?: RawValueInfo[]
    readonly output?: RawValueInfo[]
    readonly sparse_initializer?: unknown[]
  }
  readonly functions?: unknown[]
}

export const unsupported = (message: string, hint?: string) =>
  new KeelError('MODEL_FORMAT_UNSUPPORTED', message, {
    hint: hint ?? 'Keel imports single-input ONNX graphs of one ai.onnx.ml TreeEnsembleRegressor/Classifier or LinearRegressor/Classifier (docs/registry.md).',
  })

/** Decodes ONNX bytes; MODEL_FORMAT_UNSUPPORTED if they are not an ONNX model Keel can read. */
export function decodeOnnx(bytes: Uint8Array): RawModel {
  let model: RawModel
  try {
    const proto = modelProto()
    model = proto.toObject(proto.decode(bytes), { longs: Number, defaults: false }) as RawModel
  } catch (error) {
    throw unsupported(`not an ONNX model: ${(error as Error).message}`)
  }
  if (model.graph === undefined || (model.graph.node ?? []).length === 0) throw unsupported('not an ONNX model: it has no graph nodes')
  if ((model.functions ?? []).length > 0) throw unsupported('ONNX models with local functions are not supported')
  if ((model.graph.sparse_initializer ?? []).length > 0) throw unsupported('ONNX models with sparse initializers are not supported')
  return model
}

const text = (b: Uint8Array | undefined) => (b === undefined ? '' : Buffer.from(b).toString('utf8'))

/** A tensor's values as numbers, whichever field holds them. */
export function tensorValues(t: RawTensor): number[] {
  if (t.data_location === 1) throw unsupported(`tensor "${t.name ?? ''}" keeps its data in an external file; save the model with its data inside`)
  if (t.float_data?.length) return t.float_data
  if (t.double_data?.length) return t.double_data
  if (t.int64_data?.length) return t.int64_data
  if (t.int32_data?.length) return t.int32_data
  const raw = t.raw_data
  if (raw === undefined || raw.length === 0) return []
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
  const read: Record<number, [number, (at: number) => number]> = {
    [DATA_TYPE.FLOAT]: [4, (at) => view.getFloat32(at, true)],
    [DATA_TYPE.DOUBLE]: [8, (at) => view.getFloat64(at, true)],
    [DATA_TYPE.INT64]: [8, (at) => Number(view.getBigInt64(at, true))],
    [DATA_TYPE.INT32]: [4, (at) => view.getInt32(at, true)],
  }
  const reader = read[t.data_type ?? 0]
  if (reader === undefined) throw unsupported(`tensor "${t.name ?? ''}" has data type ${t.data_type}, which Keel does not read`)
  const [size, get] = reader
  return Array.from({ length: raw.byteLength / size }, (_, i) => get(i * size))
}

/** Typed access to one node's attributes. */
export class OnnxNode {
  readonly op: string
  readonly domain: string
  readonly inputs: readonly string[]
  readonly outputs: readonly string[]
  readonly #attributes: ReadonlyMap<string, RawAttribute>

  constructor(readonly raw: RawNode) {
    this.op = raw.op_type
    this.domain = raw.domain === 'ai.onnx' ? '' : (raw.domain ?? '')
    this.inputs = raw.input ?? []
    this.outputs = raw.output ?? []
    this.#attributes = new Map((raw.attribute ?? []).map((a) => [a.name, a]))
  }

  has(name: string): boolean {
    return this.#attributes.has(name)
  }

  ints(name: string): number[] {
    return this.#attributes.get(name)?.ints ?? []
  }

  int(name: string, fallback: number): number {
    return this.#attributes.get(name)?.i ?? fallback
  }

  string(name: string, fallback: string): string {
    const a = this.#attributes.get(name)
    return a?.s === undefined ? fallback : text(a.s)
  }

  strings(name: string): string[] {
    return (this.#attributes.get(name)?.strings ?? []).map(text)
  }

  /** `name` from its double tensor `name_as_tensor` when present, else its floats; and which it was. */
  numbers(name: string): { values: number[]; double: boolean } {
    const tensor = this.#attributes.get(`${name}_as_tensor`)?.t
    if (tensor !== undefined) return { values: tensorValues(tensor), double: true }
    return { values: this.#attributes.get(name)?.floats ?? [], double: false }
  }

  /** `op (domain)`, as messages name it. */
  get title(): string {
    return this.domain === '' ? this.op : `${this.op} (${this.domain})`
  }
}
