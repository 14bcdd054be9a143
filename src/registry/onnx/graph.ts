/**
 * @module A small builder for the ONNX graphs Keel exports: unique value names, constants as
 * initializers, nodes in order, and the model bytes with Keel's metadata.
 */
import type { Model } from '../../learn/model.js'
import { ATTRIBUTE, DATA_TYPE, modelProto } from '../../learn/onnx/proto.js'

/** The graph's input and output names. */
export const ONNX_INPUT = 'features'
export const ONNX_OUTPUT = 'predictions'

/**
 * IR version 8 with ai.onnx 17 and ai.onnx.ml 3: the newest that onnx 1.12's checker (Debian 12,
 * still widely deployed) accepts, and every op Keel writes exists at these opsets.
 */
const IR_VERSION = 8
const OPSETS = [
  { domain: '', version: 17 },
  { domain: 'ai.onnx.ml', version: 3 },
]

export type Attribute = Record<string, unknown>

export const attr = {
  ints: (name: string, ints: readonly number[]): Attribute => ({ name, type: ATTRIBUTE.INTS, ints }),
  strings: (name: string, values: readonly string[]): Attribute => ({ name, type: ATTRIBUTE.STRINGS, strings: values.map((v) => Buffer.from(v)) }),
  string: (name: string, value: string): Attribute => ({ name, type: ATTRIBUTE.STRING, s: Buffer.from(value) }),
  int: (name: string, i: number): Attribute => ({ name, type: ATTRIBUTE.INT, i }),
  doubles: (name: string, values: readonly number[]): Attribute => ({
    name,
    type: ATTRIBUTE.TENSOR,
    t: { name, data_type: DATA_TYPE.DOUBLE, dims: [values.length], double_data: values },
  }),
}

type ConstantType = 'double' | 'float' | 'int64'

const TENSOR_FIELDS = {
  double: { data_type: DATA_TYPE.DOUBLE, field: 'double_data' },
  float: { data_type: DATA_TYPE.FLOAT, field: 'float_data' },
  int64: { data_type: DATA_TYPE.INT64, field: 'int64_data' },
} as const

/** Nodes and constants of one graph, named uniquely in the order they are added. */
export class GraphBuilder {
  readonly nodes: Record<string, unknown>[] = []
  readonly initializers: Record<string, unknown>[] = []
  readonly #used = new Set<string>([ONNX_INPUT, ONNX_OUTPUT])
  readonly #shared = new Map<string, string>()

  /** `base` if no value has that name yet, else `base_2`, `base_3`… */
  fresh(base: string): string {
    let name = base
    for (let k = 2; this.#used.has(name); k++) name = `${base}_${k}`
    this.#used.add(name)
    return name
  }

  /** A constant tensor (an initializer); returns its name. */
  constant(base: string, type: ConstantType, values: ArrayLike<number>, dims: readonly number[] = [values.length]): string {
    const name = this.fresh(base)
    const { data_type, field } = TENSOR_FIELDS[type]
    this.initializers.push({ name, data_type, dims, [field]: Array.from(values) })
    return name
  }

  /** A constant created once per graph: later calls with the same `name` return the first. */
  shared(name: string, type: ConstantType, values: ArrayLike<number>, dims?: readonly number[]): string {
    const existing = this.#shared.get(name)
    if (existing !== undefined) return existing
    const created = this.constant(name, type, values, dims)
    this.#shared.set(name, created)
    return created
  }

  /** Adds a node; returns the name of its output (`output`, or a fresh name from `base`). */
  op(
    opType: string,
    inputs: readonly string[],
    base: string,
    options: { attributes?: Attribute[]; domain?: string; output?: string | undefined } = {},
  ): string {
    const output = options.output ?? this.fresh(base)
    this.nodes.push({
      op_type: opType,
      name: output,
      input: inputs,
      output: [output],
      ...(options.attributes ? { attribute: options.attributes } : {}),
      ...(options.domain ? { domain: options.domain } : {}),
    })
    return output
  }
}

const tensorType = (name: string, elemType: number, dims: readonly (number | string)[]) => ({
  name,
  type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) } } },
})

/** Export options: the graph's name (default the label) and the producer version recorded. */
export interface ExportOptions {
  readonly name?: string
  readonly version?: string
}

/**
 * The model bytes: `graph` from `features` (double [N, features]) to `predictions` (float
 * [N, outputs]), with the model's features, classes and task as metadata.
 */
export function modelBytes(model: Model, graph: GraphBuilder, outputs: number, options: ExportOptions): Uint8Array {
  const proto = modelProto()
  const message = proto.create({
    ir_version: IR_VERSION,
    producer_name: 'keel',
    producer_version: options.version ?? '',
    domain: 'dev.keel',
    model_version: 1,
    doc_string: `${model.kind} ${model.task} model of ${model.label}`,
    opset_import: OPSETS,
    graph: {
      name: options.name ?? model.label,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [tensorType(ONNX_INPUT, DATA_TYPE.DOUBLE, ['N', model.features.length])],
      output: [tensorType(ONNX_OUTPUT, DATA_TYPE.FLOAT, ['N', outputs])],
    },
    metadata_props: [
      { key: 'keel.features', value: JSON.stringify(model.features.map((f) => ({ name: f.name, kind: f.kind, ...(f.levels ? { levels: f.levels } : {}) }))) },
      { key: 'keel.classes', value: JSON.stringify(model.classes) },
      { key: 'keel.task', value: model.task },
    ],
  })
  return proto.encode(message).finish()
}
