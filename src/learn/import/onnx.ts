/**
 * @module Importing an ONNX model of the shapes scikit-learn converters write (one ai.onnx.ml
 * TreeEnsembleRegressor/Classifier or LinearRegressor/Classifier on a single float or double
 * input [N, p], optionally followed by Normalizer and ZipMap) as a native Keel model.
 */
import type { LinearModel } from '../learners/linear-model.js'
import type { FeatureSpec } from '../model.js'
import { DATA_TYPE, modelProto } from '../onnx/proto.js'
import type { TreeModel } from '../trees/tree-model.js'
import type { InputPrecision } from './bounds.js'
import { decodeOnnx, OnnxNode, type RawModel, unsupported } from './onnx-graph.js'
import { importLinear } from './onnx-linear.js'
import { importTreeEnsemble } from './onnx-trees.js'

export interface OnnxImportOptions {
  /** The label's name (ONNX does not store it). */
  readonly label: string
  /** Feature names in input column order; default f0, f1, … */
  readonly features?: readonly string[]
  /** Class labels in output order; default the model's own class labels. */
  readonly classes?: readonly string[]
}

/** An import with what it takes to check it against ONNX Runtime. */
export interface OnnxImport {
  readonly model: TreeModel | LinearModel
  /** The graph input, its element type and column count. */
  readonly input: { readonly name: string; readonly type: InputPrecision }
  /** The model with the predictions Keel reproduces as its only output, `output` (float [N, k]). */
  readonly runnable: Uint8Array
  readonly output: string
}

const ESTIMATORS = ['TreeEnsembleRegressor', 'TreeEnsembleClassifier', 'LinearRegressor', 'LinearClassifier']
const SUPPORTED: Readonly<Record<string, readonly string[]>> = { 'ai.onnx.ml': [...ESTIMATORS, 'Normalizer', 'ZipMap'], '': ['Cast', 'Identity'] }

function graphInput(model: RawModel): { name: string; type: InputPrecision; columns: number | undefined } {
  const initialized = new Set((model.graph?.initializer ?? []).map((t) => t.name))
  const inputs = (model.graph?.input ?? []).filter((i) => !initialized.has(i.name))
  if (inputs.length !== 1) throw unsupported(`the graph has ${inputs.length} inputs; Keel imports models with one input tensor [N, features]`)
  const input = inputs[0] as (typeof inputs)[number]
  const tensor = input.type?.tensor_type
  const type = tensor?.elem_type === DATA_TYPE.FLOAT ? 'float' : tensor?.elem_type === DATA_TYPE.DOUBLE ? 'double' : undefined
  if (type === undefined) throw unsupported(`the graph input "${input.name}" is not a float or double tensor`)
  const dims = tensor?.shape?.dim ?? []
  const columns = dims.length === 2 && (dims[1]?.dim_value ?? 0) > 0 ? dims[1]?.dim_value : undefined
  return { name: input.name, type, columns }
}

/** The nodes from the graph input to the estimator (Cast/Identity only), and the precision the estimator sees. */
function inputPath(nodes: readonly OnnxNode[], estimator: OnnxNode, input: { name: string; type: InputPrecision }) {
  const path: OnnxNode[] = []
  let precision = input.type
  let value = estimator.inputs[0]
  while (value !== input.name) {
    const producer = nodes.find((n) => n.outputs.includes(value ?? ''))
    if (producer === undefined || (producer.op !== 'Cast' && producer.op !== 'Identity')) {
      throw unsupported(`${estimator.title} does not read the graph input "${input.name}" (through Cast or Identity only)`)
    }
    if (producer.op === 'Cast') {
      const to = producer.int('to', 0)
      if (to !== DATA_TYPE.FLOAT && to !== DATA_TYPE.DOUBLE) throw unsupported(`a Cast to element type ${to} before ${estimator.title} is not supported`)
      // rounding to float32 anywhere on the way cannot be undone by a later cast
      if (to === DATA_TYPE.FLOAT) precision = 'float'
    }
    path.unshift(producer)
    if (path.length > nodes.length) throw unsupported(`the nodes before ${estimator.title} form a cycle`)
    value = producer.inputs[0]
  }
  return { path, precision }
}

/** The estimator's prediction output, through an L1 Normalizer (a no-op on probabilities) and Identity nodes. */
function predictionPath(nodes: readonly OnnxNode[], estimator: OnnxNode): { path: OnnxNode[]; output: string } {
  const classifier = estimator.op.endsWith('Classifier')
  let output = estimator.outputs[classifier ? 1 : 0]
  if (output === undefined) throw unsupported(`${estimator.title} has no ${classifier ? 'probability' : 'prediction'} output`)
  const path: OnnxNode[] = []
  for (;;) {
    const next = nodes.find((n) => (n.op === 'Normalizer' || n.op === 'Identity') && n.inputs[0] === output)
    if (next === undefined) return { path, output }
    if (next.op === 'Normalizer' && (!classifier || next.string('norm', 'MAX') !== 'L1')) {
      throw unsupported(`a ${next.string('norm', 'MAX')} Normalizer after ${estimator.title} changes its output; only L1 on probabilities is supported`)
    }
    path.push(next)
    if (path.length > nodes.length) throw unsupported(`the nodes after ${estimator.title} form a cycle`)
    output = next.outputs[0] as string
  }
}

function featureSpecs(options: OnnxImportOptions, declared: number | undefined, used: number): FeatureSpec[] {
  const p = declared ?? options.features?.length ?? used
  if (p < used) throw unsupported(`the model reads ${used} features; the input has ${p}`)
  const names = options.features ?? Array.from({ length: p }, (_, j) => `f${j}`)
  if (names.length !== p) throw unsupported(`the model has ${p} features; ${names.length} names were given`)
  return names.map((name) => ({ name, kind: 'number' }))
}

/** Features the estimator reads: the highest split feature + 1, or the coefficients per row. */
function featuresUsed(estimator: OnnxNode): number {
  if (estimator.op.startsWith('TreeEnsemble')) return estimator.ints('nodes_featureids').reduce((m, f) => Math.max(m, f), -1) + 1
  const rows = estimator.op === 'LinearClassifier' ? estimator.numbers('intercepts').values.length : estimator.int('targets', 1)
  return rows > 0 ? estimator.numbers('coefficients').values.length / rows : 0
}

/** Bytes of the graph cut down to `nodes`, with `output` (float) as its only output. */
function runnableModel(model: RawModel, nodes: readonly OnnxNode[], output: string): Uint8Array {
  const proto = modelProto()
  const graph = { ...model.graph, node: nodes.map((n) => n.raw), output: [{ name: output, type: { tensor_type: { elem_type: DATA_TYPE.FLOAT } } }] }
  return proto.encode(proto.fromObject({ ...model, graph })).finish()
}

/**
 * Reads an ONNX model into a Keel model, with the graph input and a runnable cut of the graph
 * for checking it with ONNX Runtime. MODEL_FORMAT_UNSUPPORTED names what cannot be imported.
 */
export function readOnnxImport(bytes: Uint8Array, options: OnnxImportOptions): OnnxImport {
  const raw = decodeOnnx(bytes)
  const nodes = (raw.graph?.node ?? []).map((n) => new OnnxNode(n))
  const foreign = nodes.find((n) => !(SUPPORTED[n.domain] ?? []).includes(n.op))
  if (foreign) throw unsupported(`the ONNX op ${foreign.title} is not supported (supported: ${Object.values(SUPPORTED).flat().join(', ')})`)
  const estimators = nodes.filter((n) => ESTIMATORS.includes(n.op))
  if (estimators.length !== 1)
    throw unsupported(`the graph has ${estimators.length} model ops; Keel imports graphs with exactly one of ${ESTIMATORS.join(', ')}`)
  const estimator = estimators[0] as OnnxNode
  const input = graphInput(raw)
  const { path, precision } = inputPath(nodes, estimator, input)
  const prediction = predictionPath(nodes, estimator)
  const features = featureSpecs(options, input.columns, featuresUsed(estimator))
  const spec = { node: estimator, features, label: options.label, classes: options.classes }
  const model = estimator.op.startsWith('TreeEnsemble') ? importTreeEnsemble({ ...spec, precision }) : importLinear(spec)
  return {
    model,
    input: { name: input.name, type: input.type },
    runnable: runnableModel(raw, [...path, estimator, ...prediction.path], prediction.output),
    output: prediction.output,
  }
}

/**
 * A native Keel model (a TreeModel or a LinearModel) that predicts what the ONNX model predicts:
 * tree ensembles exactly per split for every double input (splits made on float32 inputs are
 * reproduced as the rounding to float32 would decide them), linear models up to ONNX Runtime's
 * float32 arithmetic. Unsupported ops or shapes raise MODEL_FORMAT_UNSUPPORTED naming them.
 *
 * @example
 * ```ts
 * const model = importOnnx(readFileSync('churn.onnx'), { label: 'churned', features: ['tenure', 'spend'] })
 * model.predict(frame).values
 * await loadModel(model.save()) // a Keel model like any other
 * ```
 */
export function importOnnx(bytes: Uint8Array, options: OnnxImportOptions): TreeModel | LinearModel {
  return readOnnxImport(bytes, options).model
}
