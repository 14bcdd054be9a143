/**
 * @module ONNX export of tree models: the ensemble as one ai.onnx.ml TreeEnsembleRegressor
 * (opset 3, which every current ONNX Runtime loads) followed by the model's link, so any ONNX
 * runtime serves the same predictions as Keel.
 */
import { KeelError } from '../../core/errors.js'
import type { Model } from '../../learn/model.js'
import type { TreeModel } from '../../learn/trees/tree-model.js'
import { ATTRIBUTE, DATA_TYPE, modelProto } from './proto.js'

/** The graph's input and output names. */
export const ONNX_INPUT = 'features'
export const ONNX_OUTPUT = 'predictions'

type Attribute = Record<string, unknown>

const attr = {
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

/** Whether `model` can be exported (tree ensembles: GBDT and random forest). */
export function canExportOnnx(model: Model): model is TreeModel {
  return 'ensemble' in model && 'link' in model
}

/**
 * The model as ONNX bytes. The graph takes `features`, a double tensor [N, features] in the
 * model's feature order (numbers as they are, categories as their level codes, booleans as
 * 0/1), and returns `predictions` (float) shaped like `model.predict(...).values`: class
 * probabilities [N, classes] or values [N, 1].
 *
 * @example
 * ```ts
 * const bytes = exportOnnx(model)
 * const session = await ort.InferenceSession.create(bytes)
 * ```
 */
export function exportOnnx(model: Model, options: { readonly name?: string; readonly version?: string } = {}): Uint8Array {
  if (!canExportOnnx(model))
    throw new KeelError('MODEL_FORMAT_UNSUPPORTED', `${model.kind} models have no ONNX export yet; tree models (gbdt, random-forest) do`)
  const { ensemble, link } = model
  const k = ensemble.width > 1 ? ensemble.width : Math.max(1, ...Array.from(ensemble.treeOutput, (t) => t + 1))
  const n = { treeIds: [] as number[], nodeIds: [] as number[], features: [] as number[], values: [] as number[], modes: [] as string[] }
  const branch = { trueIds: [] as number[], falseIds: [] as number[], missingTrue: [] as number[] }
  const target = { treeIds: [] as number[], nodeIds: [] as number[], ids: [] as number[], weights: [] as number[] }
  ensemble.trees.forEach((tree, t) => {
    for (let node = 0; node < tree.feature.length; node++) {
      const f = tree.feature[node] as number
      n.treeIds.push(t)
      n.nodeIds.push(node)
      n.features.push(Math.max(0, f))
      // Keel sends x <= threshold left; missing values follow missingLeft
      n.values.push(f < 0 ? 0 : (tree.threshold[node] as number))
      n.modes.push(f < 0 ? 'LEAF' : 'BRANCH_LEQ')
      branch.trueIds.push(f < 0 ? 0 : (tree.left[node] as number))
      branch.falseIds.push(f < 0 ? 0 : (tree.right[node] as number))
      branch.missingTrue.push(f < 0 ? 0 : (tree.missingLeft[node] as number))
      if (f >= 0) continue
      const output = ensemble.treeOutput[t] as number
      for (let q = 0; q < ensemble.width; q++) {
        target.treeIds.push(t)
        target.nodeIds.push(node)
        target.ids.push(output >= 0 ? output : q)
        target.weights.push(tree.value[node * ensemble.width + q] as number)
      }
    }
  })
  const ensembleNode = {
    op_type: 'TreeEnsembleRegressor',
    domain: 'ai.onnx.ml',
    name: 'ensemble',
    input: [ONNX_INPUT],
    output: [link === 'identity' ? ONNX_OUTPUT : 'margins'],
    attribute: [
      attr.ints('nodes_treeids', n.treeIds),
      attr.ints('nodes_nodeids', n.nodeIds),
      attr.ints('nodes_featureids', n.features),
      // thresholds, leaf values and base in double precision (and a double input): a value a hair
      // above a threshold must go right in ONNX as it does in Keel, which float32 cannot promise
      attr.doubles('nodes_values_as_tensor', n.values),
      attr.strings('nodes_modes', n.modes),
      attr.ints('nodes_truenodeids', branch.trueIds),
      attr.ints('nodes_falsenodeids', branch.falseIds),
      attr.ints('nodes_missing_value_tracks_true', branch.missingTrue),
      attr.ints('target_treeids', target.treeIds),
      attr.ints('target_nodeids', target.nodeIds),
      attr.ints('target_ids', target.ids),
      attr.doubles('target_weights_as_tensor', target.weights),
      attr.int('n_targets', k),
      attr.string('aggregate_function', ensemble.aggregate === 'mean' ? 'AVERAGE' : 'SUM'),
      attr.doubles('base_values_as_tensor', Array.from(ensemble.base)),
      attr.string('post_transform', 'NONE'),
    ],
  }
  const nodes: Record<string, unknown>[] = [ensembleNode]
  const initializer: Record<string, unknown>[] = []
  if (link === 'sigmoid') {
    // Keel's binary probabilities are [1 - p, p]
    initializer.push({ name: 'one', data_type: DATA_TYPE.FLOAT, dims: [1], float_data: [1] })
    nodes.push(
      { op_type: 'Sigmoid', name: 'p', input: ['margins'], output: ['p1'] },
      { op_type: 'Sub', name: 'complement', input: ['one', 'p1'], output: ['p0'] },
      { op_type: 'Concat', name: 'probabilities', input: ['p0', 'p1'], output: [ONNX_OUTPUT], attribute: [attr.int('axis', 1)] },
    )
  } else if (link === 'softmax') {
    nodes.push({ op_type: 'Softmax', name: 'probabilities', input: ['margins'], output: [ONNX_OUTPUT], attribute: [attr.int('axis', 1)] })
  }
  const outputs = link === 'sigmoid' ? 2 : k
  const tensor = (name: string, elemType: number, dims: readonly (number | string)[]) => ({
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) } } },
  })
  const proto = modelProto()
  const message = proto.create({
    ir_version: 10,
    producer_name: 'keel',
    producer_version: options.version ?? '',
    domain: 'dev.keel',
    model_version: 1,
    doc_string: `${model.kind} ${model.task} model of ${model.label}`,
    opset_import: [
      { domain: '', version: 21 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    graph: {
      name: options.name ?? model.label,
      node: nodes,
      initializer,
      input: [tensor(ONNX_INPUT, DATA_TYPE.DOUBLE, ['N', model.features.length])],
      output: [tensor(ONNX_OUTPUT, DATA_TYPE.FLOAT, ['N', outputs])],
    },
    metadata_props: [
      { key: 'keel.features', value: JSON.stringify(model.features.map((f) => ({ name: f.name, kind: f.kind, ...(f.levels ? { levels: f.levels } : {}) }))) },
      { key: 'keel.classes', value: JSON.stringify(model.classes) },
      { key: 'keel.task', value: model.task },
    ],
  })
  return proto.encode(message).finish()
}
